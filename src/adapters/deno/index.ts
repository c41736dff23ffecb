// The Runtime for Deno: Deno.stat/open/readDir, Deno.listen (with Deno.serveHttp for HTTP) and Deno.watchFs.
// https://docs.deno.com/api/deno/

import type { Runtime } from "../../core/runtime.ts";
import { parseDescriptorLimit } from "../../core/serve/descriptor-budget.ts";
import { loadNats } from "../_shared/nats.ts";
import { pathFunctions } from "../_shared/paths.ts";
import { Deno, type DenoSignal } from "./_deno-types.ts";
import { MissingPermissionError } from "./_errors.ts";
import { denoFileSystem, lockFile } from "./fs.ts";
import { serveHttp } from "./http.ts";
import { listenTcp } from "./tcp.ts";
import { watch } from "./watch.ts";

const encoder = new TextEncoder();

/** Synchronous, so nothing is lost when exit() follows at once; writeSync may take only part of the bytes. */
function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  for (let offset = 0; offset < bytes.length; ) offset += stream.writeSync(bytes.subarray(offset));
}

let orphanResetsIgnored = false;

/**
 * The NATS client runs on Deno's node:net. A connection it already gave up on (refused credentials, a
 * server gone) may still report a reset from the socket, with no listener left: on Deno that is an uncaught
 * error that ends the process before logwisp can say what happened. A reset or broken pipe nobody listens
 * for names nothing to act on, so it is said once and not fatal; any other uncaught error still is.
 */
function ignoreOrphanSocketResets(log: (line: string) => void): void {
  if (orphanResetsIgnored) return;
  orphanResetsIgnored = true;
  let said = false;
  globalThis.addEventListener("error", (event: ErrorEvent) => {
    const code: unknown = (event.error as { code?: unknown } | null | undefined)?.code;
    if (code !== "ECONNRESET" && code !== "EPIPE") return;
    event.preventDefault();
    if (!said) log(`a connection the NATS client had let go of was reset (${code}); ignored`);
    said = true;
  });
}

export function createDenoRuntime(): Runtime {
  const log = (line: string): void => writeAll(Deno.stderr, `logwisp: ${line}\n`);
  /**
   * Env is read on first use, not here, so --help and --version need no --allow-env of the adapter's own;
   * without it the run stops like a bad config value does (exit 2), naming the flag.
   */
  let env: Record<string, string> | undefined;
  const readEnv = (): Record<string, string> => {
    try {
      env ??= Deno.env.toObject();
      return env;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotCapable)) throw error;
      log(new MissingPermissionError("--allow-env", "LOGWISP_* variables and HOME").message);
      return Deno.exit(2);
    }
  };
  const cwd = Deno.cwd();
  return {
    name: "deno",
    version: Deno.version.deno,
    fs: denoFileSystem,
    get env() {
      return readEnv();
    },
    cwd,
    get homeDir() {
      return readEnv().HOME;
    },
    ...pathFunctions(cwd),
    pid: Deno.pid,
    // Deno.kill needs --allow-run, and /proc/<pid> --allow-all: with less, it cannot tell (see lockFile)
    isProcessAlive(pid) {
      try {
        Deno.statSync(`/proc/${pid}`);
        return true;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        return undefined;
      }
    },
    lockFile,
    listenTcp,
    serveHttp,
    watch,
    // https://docs.deno.com/api/deno/~/Deno.hostname (needs --allow-sys=hostname)
    hostName: () => {
      try {
        return Deno.hostname();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotCapable)) throw error;
        log(
          new MissingPermissionError("--allow-sys=hostname", "the host name ([monitor] hostname unset)")
            .message,
        );
        return Deno.exit(2);
      }
    },
    loadNats: () => {
      ignoreOrphanSocketResets(log);
      return loadNats();
    },
    onSignal(listener) {
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const satisfies DenoSignal[]) {
        Deno.addSignalListener(signal, () => listener(signal));
      }
    },
    descriptorLimit: () => {
      const path = "/proc/self/limits";
      try {
        // asked first: without --allow-read a read would prompt on a terminal
        if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
        return parseDescriptorLimit(Deno.readTextFileSync(path));
      } catch {
        // not Linux: only EMFILE itself is reported
        return undefined;
      }
    },
    log,
    print: (text) => writeAll(Deno.stdout, text),
    exit: (code) => Deno.exit(code),
  };
}
