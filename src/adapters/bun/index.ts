// The Runtime for Bun: Bun.listen, and Bun's native node:http, node:fs, node:path and process. HTTP is node:http
// (through the adapter Node uses), not Bun.serve: Bun.serve shows no connection before its request, so the
// half-open cap and the descriptor budget could not see the connections that matter; and at EMFILE its
// listener spins on a core, which only keeping below the limit avoids.
import type { Runtime } from "../../core/runtime.ts";
import { nodeFileSystem } from "../_shared/node-fs.ts";
import { serveHttp } from "../_shared/node-http.ts";
import { nodeProcess } from "../_shared/node-process.ts";
import { watch } from "../_shared/node-watch.ts";
import { Bun } from "./_bun-types.ts";
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
