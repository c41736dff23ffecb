// https://nodejs.org/api/process.html — the process side of the port for the runtimes that offer Node's
// `process` (Node itself, and Bun natively): env, cwd, home, signals, stdout/stderr and exit.
import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import type { Runtime } from "../../core/runtime.ts";
import { parseDescriptorLimit } from "../../core/serve/descriptor-budget.ts";
import { loadNats } from "./nats.ts";
import { pathFunctions } from "./paths.ts";

export type ProcessPart = Omit<Runtime, "name" | "version" | "fs" | "listenTcp" | "serveHttp" | "watch">;

export function nodeProcess(): ProcessPart {
  const cwd = process.cwd();
  return {
    env: { ...process.env },
    cwd,
    homeDir: homedir(),
    ...pathFunctions(cwd),
    hostName: () => hostname(),
    loadNats,
    onSignal(listener) {
      process.on("SIGINT", () => listener("SIGINT"));
      process.on("SIGTERM", () => listener("SIGTERM"));
    },
    descriptorLimit: () => {
      try {
        return parseDescriptorLimit(readFileSync("/proc/self/limits", "utf8"));
      } catch {
        // not Linux: only EMFILE itself is reported
        return undefined;
      }
    },
    log: (line) => process.stderr.write(`logwisp: ${line}\n`),
    print: (text) => process.stdout.write(text),
    exit: (code) => process.exit(code),
  };
}
