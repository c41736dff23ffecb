// Starts the real logwisp CLI as a child process in a fresh temp dir and watches its stdout/stderr.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "./cleanup.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";
import { DEFAULT_TIMEOUT_MS, waitUntil } from "./wait.ts";

export interface ExitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** CLI arguments after the entry point. */
  readonly args?: readonly string[];
  /** Working directory; defaults to a fresh temp dir (which is also HOME). */
  readonly cwd?: string;
  /** Extra environment; HOME defaults to the temp dir and inherited LOGWISP_* variables are removed. */
  readonly env?: Record<string, string>;
  /** Resolve only once stderr shows the ready line (default true). */
  readonly waitReady?: boolean;
  readonly readyTimeoutMs?: number;
  /** Soft limit on open descriptors (`ulimit -n`) to start it under; default: the suite's own. */
  readonly fdLimit?: number;
}

export interface LogwispProcess {
  readonly pid: number;
  /** The temp dir the process runs in (its cwd and HOME unless overridden). */
  readonly dir: string;
  /** Bound HTTP port from `logwisp: http server listening on HOST:PORT`; throws when there was none. */
  readonly httpPort: number;
  readonly tcpPort: number;
  /** `https://127.0.0.1:PORT` when the listening line says `(https)`, else `http://…`. */
  readonly httpUrl: string;
  /** The listening line says `(tls)`. */
  readonly tcpTls: boolean;
  stdout(): string;
  stderr(): string;
  waitForStderr(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  signal(sig: NodeJS.Signals): void;
  readonly exit: Promise<ExitResult>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  stop(graceMs?: number): Promise<ExitResult>;
}

export const READY_LINE = /^logwisp: ready, following (\d+) files?/m;
const LISTENING_LINE =
  /^logwisp: (http|tcp) server listening on (?:\[([^\]]+)\]|([^\s:]+)):(\d+)( \((?:https|tls)\))?/gm;

const live = new Set<ChildProcess>();
// Last resort if the test process itself is torn down: never leave a logwisp running.
const liveDirs = new Set<string>();
const killLive = (): void => {
  for (const child of live) child.kill("SIGKILL");
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
};
process.on("exit", killLive);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killLive();
    // The handler is gone now: re-raising applies the default action, so the test process still ends.
    process.kill(process.pid, signal);
  });
}

/** Creates a temp dir under os.tmpdir() that is removed after the case. */
export async function makeTempDir(prefix = "logwisp-conformance-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  liveDirs.add(dir);
  onCleanup(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    liveDirs.delete(dir);
  });
  return dir;
}

/**
 * The child's environment: ours without LOGWISP_* (and node:test's marker), HOME = the temp dir, and its
 * state directory (on by default) in the temp dir too: XDG_STATE_HOME is set, so one inherited from the
 * user's session never points a test's logwisp at the user's own state.
 */
function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("LOGWISP_") || key === "NODE_TEST_CONTEXT") continue;
    env[key] = value;
  }
  return { ...env, HOME: home, XDG_STATE_HOME: join(home, ".local", "state"), NO_COLOR: "1", ...extra };
}

export async function startLogwisp(
  rt: RuntimeUnderTest,
  options: StartOptions = {},
): Promise<LogwispProcess> {
  const dir = options.cwd ?? (await makeTempDir());
  const command = rt.command(options.args ?? []);
  // the shell sets the limit and then becomes the runtime (exec), so the pid and signals are logwisp's own
  const { cmd, args } =
    options.fdLimit === undefined
      ? command
      : {
          cmd: "/bin/sh",
          args: ["-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, command.cmd, ...command.args],
        };
  const child = spawn(cmd, args, {
    cwd: dir,
    env: childEnv(options.env?.HOME ?? dir, options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start ${cmd}: ${error.message}`);
  }
  const pid = child.pid;
  live.add(child);

  let stdoutText = "";
  let stderrText = "";
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdoutText += chunk;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderrText += chunk;
    notify();
  });
  let exited: ExitResult | undefined;
  const exit = new Promise<ExitResult>((resolve) => {
    // "close" (not "exit"): resolves only after stdout/stderr are fully read.
    child.once("close", (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      notify();
      resolve(exited);
    });
  });

  onCleanup(async () => {
    if (exited === undefined) {
      child.kill("SIGKILL");
      await exit;
    }
  });

  const describeProcess = (): string =>
    `${rt.name} logwisp (pid ${pid}, args ${JSON.stringify(options.args ?? [])})` +
    `${exited ? ` exited with ${JSON.stringify(exited)}` : ""}\n--- stderr ---\n${stderrText}--- stdout ---\n${stdoutText}`;

  const waitForStderr = (pattern: RegExp, ms = DEFAULT_TIMEOUT_MS): Promise<RegExpMatchArray> =>
    waitUntil(
      () => {
        const match = stderrText.match(pattern);
        if (match) return match;
        if (exited) throw new Error(`process ended before stderr matched ${pattern}: ${describeProcess()}`);
        return undefined;
      },
      {
        ms,
        describe: () =>
          `timed out after ${ms} ms waiting for stderr to match ${pattern}: ${describeProcess()}`,
        subscribe: (wake) => {
          listeners.add(wake);
          return () => listeners.delete(wake);
        },
      },
    );

  const listening = (server: "http" | "tcp"): { port: number; tls: boolean } => {
    for (const match of stderrText.matchAll(LISTENING_LINE)) {
      if (match[1] === server) return { port: Number(match[4]), tls: match[5] !== undefined };
    }
    throw new Error(`no "${server} server listening" line: ${describeProcess()}`);
  };
  const port = (server: "http" | "tcp"): number => listening(server).port;

  const stop = async (graceMs = DEFAULT_TIMEOUT_MS): Promise<ExitResult> => {
    if (exited) return exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };

  const handle: LogwispProcess = {
    pid,
    dir,
    get httpPort() {
      return port("http");
    },
    get tcpPort() {
      return port("tcp");
    },
    get httpUrl() {
      const { port, tls } = listening("http");
      return `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    },
    get tcpTls() {
      return listening("tcp").tls;
    },
    stdout: () => stdoutText,
    stderr: () => stderrText,
    waitForStderr,
    signal: (sig) => {
      if (!exited) process.kill(pid, sig);
    },
    exit,
    stop,
  };
  if (options.waitReady ?? true) {
    // The first start of a runtime may compile the sources: allow it more than the usual deadline.
    await waitForStderr(READY_LINE, options.readyTimeoutMs ?? 15_000);
  }
  return handle;
}

export interface RunResult extends ExitResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion (for --help, --version and start-up errors); kills it after `ms`. */
export async function runLogwisp(
  rt: RuntimeUnderTest,
  options: Omit<StartOptions, "waitReady"> & { ms?: number } = {},
): Promise<RunResult> {
  const proc = await startLogwisp(rt, { ...options, waitReady: false });
  const ms = options.ms ?? 15_000;
  const timer = setTimeout(() => proc.signal("SIGKILL"), ms);
  const result = await proc.exit;
  clearTimeout(timer);
  if (result.signal === "SIGKILL") {
    throw new Error(`logwisp did not exit within ${ms} ms:\n--- stderr ---\n${proc.stderr()}`);
  }
  return { ...result, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Standard arguments for a served process: loopback, free ports, fast polling. */
export function serveArgs(options: { tcp?: boolean; http?: boolean; fastPoll?: boolean } = {}): string[] {
  const args = ["--host", "127.0.0.1"];
  if (options.fastPoll ?? true) args.push("--check-interval", "20");
  if (options.http ?? true) args.push("--http-port", "0");
  if (options.tcp) args.push("--enable-tcp", "--tcp-port", "0");
  return args;
}
