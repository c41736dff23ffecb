// The Runtime for Node: node:fs (files and watch hints), node:net and @hono/node-server.
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { Runtime } from "../../core/runtime.ts";
import { nodeFileSystem } from "./fs.ts";
import { serveHttp } from "./http.ts";
import { listenTcp } from "./tcp.ts";
import { watch } from "./watch.ts";

export function createNodeRuntime(): Runtime {
  return {
    name: "node",
    version: process.versions.node,
    fs: nodeFileSystem,
    env: { ...process.env },
    cwd: process.cwd(),
    homeDir: homedir(),
    resolvePath: (path, base) => resolve(base ?? process.cwd(), path),
    joinPath: (...parts) => join(...parts),
    basename: (path) => basename(path),
    dirname: (path) => dirname(path),
    listenTcp,
    serveHttp,
    watch,
    onSignal(listener) {
      process.on("SIGINT", () => listener("SIGINT"));
      process.on("SIGTERM", () => listener("SIGTERM"));
    },
    log: (line) => process.stderr.write(`logwisp: ${line}\n`),
    print: (text) => process.stdout.write(text),
    exit: (code) => process.exit(code),
  };
}
