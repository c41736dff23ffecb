// The Runtime for Bun: Bun.listen, Bun.serve, and Bun's native node:fs, node:path and process.
import type { Runtime } from "../../core/runtime.ts";
import { nodeFileSystem } from "../_shared/node-fs.ts";
import { nodeProcess } from "../_shared/node-process.ts";
import { watch } from "../_shared/node-watch.ts";
import { Bun } from "./_bun-types.ts";
import { serveHttp } from "./http.ts";
import { listenTcp } from "./tcp.ts";

export function createBunRuntime(): Runtime {
  return {
    name: "bun",
    version: Bun.version,
    // Bun implements node:fs/promises natively, with the positional reads and fstat the port needs
    // (Bun.file has no read at a position on an open handle): https://bun.sh/docs/runtime/nodejs-apis#node-fs
    fs: nodeFileSystem,
    listenTcp,
    serveHttp,
    watch,
    ...nodeProcess(),
  };
}
