// The Runtime for Node: node:fs (files and watch hints), node:net and @hono/node-server.
import type { Runtime } from "../../core/runtime.ts";
import { nodeFileSystem } from "../_shared/node-fs.ts";
import { serveHttp } from "../_shared/node-http.ts";
import { nodeProcess } from "../_shared/node-process.ts";
import { watch } from "../_shared/node-watch.ts";
import { listenTcp } from "./tcp.ts";

export function createNodeRuntime(): Runtime {
  return {
    name: "node",
    version: process.versions.node,
    fs: nodeFileSystem,
    listenTcp,
    serveHttp,
    watch,
    ...nodeProcess(),
  };
}
