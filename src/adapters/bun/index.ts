// The Runtime for Bun: Bun.listen, Bun.serve, and Bun's native node:fs and node:path.
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { Runtime } from "../../core/runtime.ts";
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
