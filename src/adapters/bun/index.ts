// The Runtime for Bun: Bun.listen, Bun.serve, and Bun's native node:fs, node:path and process.
import type { Runtime } from "../../core/runtime.ts";
import { nodeProcess } from "../_shared/node-process.ts";
import { Bun } from "./_bun-types.ts";
import { bunFileSystem } from "./fs.ts";
import { serveHttp } from "./http.ts";
import { listenTcp } from "./tcp.ts";
import { watch } from "./watch.ts";

export function createBunRuntime(): Runtime {
  return {
    name: "bun",
    version: Bun.version,
    fs: bunFileSystem,
    listenTcp,
    serveHttp,
    watch,
    ...nodeProcess(),
  };
}
