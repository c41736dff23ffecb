// Starting and stopping the servers under test: logwisp's real CLI and the floor, on node, bun or deno,
// plus `tail -F | socat` when socat is installed. Each is its own process, stopped by its pid.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type RuntimeName = "node" | "bun" | "deno";
/**
 * "base": logwisp from another checkout (`--base DIR`), alternated with this one for an A/B. "bare": the
 * runtime's own SSE server doing nothing (bench/bare-sse.ts), the memory scenario's reference.
 */
export type SystemName = "logwisp" | "base" | "floor" | "socat" | "bare";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
const bin = `${repoRoot}/node_modules/.bin`;
/**
 * Private build of the CLI and the floor for node: compiled JavaScript, as `npx logwisp` runs it. Inside
 * this checkout (git-ignored), not under node_modules: a node_modules shared by several checkouts would let
 * one checkout's bench run another's build.
 */
export const buildDir = `${repoRoot}/.bench-build`;

/** The checkout `base` runs logwisp from (`--base DIR`); it needs a node_modules (a symlink to this one's will do). */
let baseRoot: string | undefined;
export function setBaseRoot(root: string): void {
  baseRoot = root.replace(/\/$/, "");
}

export interface ServerOptions {
  readonly runtime: RuntimeName;
  readonly cwd: string;
  /** Files (or `dir:pattern` targets for logwisp) to follow. */
  readonly targets: readonly string[];
  /** Plain file paths for the floor (it takes no patterns). */
  readonly files: readonly string[];
  readonly checkIntervalMs: number;
  /** More logwisp arguments (the nats scenario's NATS settings). */
  readonly extraArgs?: readonly string[];
}

export interface RunningServer {
  readonly pid: number;
  readonly tcpPort: number;
  readonly httpPort: number | undefined;
  stderr(): string;
  stop(): Promise<void>;
}

/** Compiles src/ (tsc) and bench/floor.ts (esbuild) for node into buildDir (and the base's src/ into its own). */
export async function buildForNode(): Promise<void> {
  mkdirSync(buildDir, { recursive: true });
  for (const root of baseRoot ? [repoRoot, baseRoot] : [repoRoot])
    execFileSync(
      `${bin}/tsc`,
      ["-p", `${root}/tsconfig.build.json`, "--outDir", `${root}/.bench-build/dist`],
      {
        stdio: "inherit",
      },
    );
  const esbuild = await import("esbuild");
  for (const name of ["floor", "bare-sse"])
    await esbuild.build({
      entryPoints: [`${repoRoot}/bench/${name}.ts`],
      outfile: `${buildDir}/${name}.mjs`,
      format: "esm",
      platform: "node",
      logLevel: "warning",
    });
}

function command(system: SystemName, options: ServerOptions): { cmd: string; args: string[] } {
  const { runtime, checkIntervalMs } = options;
  if (system === "socat") {
    const file = options.files[0] ?? "";
    return {
      cmd: "/bin/sh",
      args: [
        "-c",
        // one client: socat serves the first connection; tail -F follows renames. Ready once socat says it
        // listens (-d -d), not before: a client that came first was refused and the run failed
        `port=$(shuf -i 20000-60000 -n 1); tail -n0 -F "${file}" 2>/dev/null | socat -d -d -u STDIN TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr 2>&1 | while read -r line; do case "$line" in *"listening on"*) echo "floor: tcp server listening on 127.0.0.1:$port" >&2; echo "floor: ready" >&2;; esac; done`,
      ],
    };
  }
  if (system === "bare") {
    if (runtime === "node") return { cmd: process.execPath, args: [`${buildDir}/bare-sse.mjs`] };
    if (runtime === "bun") return { cmd: `${bin}/bun`, args: [`${repoRoot}/bench/bare-sse.ts`] };
    return { cmd: `${bin}/deno`, args: ["run", "--allow-net", `${repoRoot}/bench/bare-sse.ts`] };
  }
  if (system === "floor") {
    const args = [String(checkIntervalMs), ...options.files];
    if (runtime === "node") return { cmd: process.execPath, args: [`${buildDir}/floor.mjs`, ...args] };
    if (runtime === "bun") return { cmd: `${bin}/bun`, args: [`${repoRoot}/bench/floor.ts`, ...args] };
    return {
      cmd: `${bin}/deno`,
      args: ["run", "--allow-read", "--allow-net", `${repoRoot}/bench/floor.ts`, ...args],
    };
  }
  const cliArgs = [
    "--host",
    "127.0.0.1",
    "--enable-tcp",
    "--tcp-port",
    "0",
    "--http-port",
    "0",
    "--check-interval",
    String(checkIntervalMs),
    // e.g. BENCH_LOGWISP_ARGS="--format text" to measure logwisp with other settings (LOGWISP_* variables
    // are not passed on: the bench's own settings must not be overridden by accident)
    ...(process.env.BENCH_LOGWISP_ARGS ?? "").split(" ").filter(Boolean),
    ...(options.extraArgs ?? []),
    ...options.targets,
  ];
  const root = system === "base" && baseRoot ? baseRoot : repoRoot;
  if (runtime === "node") {
    // e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile logwisp under a scenario
    const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
    return { cmd: process.execPath, args: [...flags, `${root}/.bench-build/dist/cli.js`, ...cliArgs] };
  }
  if (runtime === "bun") return { cmd: `${bin}/bun`, args: [`${root}/src/cli.ts`, ...cliArgs] };
  // e.g. BENCH_DENO_FLAGS="--v8-flags=--prof,--logfile=/tmp/v8.log,--no-logfile-per-isolate"
  const denoFlags = (process.env.BENCH_DENO_FLAGS ?? "").split(" ").filter(Boolean);
  return {
    cmd: `${bin}/deno`,
    args: [
      "run",
      ...denoFlags,
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      `${root}/src/cli.ts`,
      ...cliArgs,
    ],
  };
}

const LISTENING = /(?:logwisp|floor): (http|tcp) server listening on 127\.0\.0\.1:(\d+)/g;
const READY = /(?:logwisp|floor): ready/;
const live = new Set<ChildProcess>();

/** Last resort if the bench itself dies: never leave a server running. */
export function killAllStarted(): void {
  for (const child of live) {
    if (child.pid !== undefined) killGroup(child.pid);
  }
}

// our children run in their own process group (detached), so a shell pipeline goes with its leader
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

export function socatInstalled(): boolean {
  return ["/usr/bin/socat", "/usr/local/bin/socat", "/bin/socat"].some((path) => existsSync(path));
}

export async function startServer(
  system: SystemName,
  options: ServerOptions,
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const { cmd, args } = command(system, options);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("LOGWISP_")) env[key] = value;
  env.HOME = options.cwd;
  // logwisp's state (on by default, as measured) goes to the run's own directory, never the user's
  env.XDG_STATE_HOME = `${options.cwd}/.local/state`;
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  live.add(child);
  const pid = child.pid as number;
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // gone already
      }
      const timer = setTimeout(() => killGroup(pid), 3000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(pid);
    live.delete(child);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${system} on ${options.runtime}: not ready after ${timeoutMs} ms\n${stderr}`)),
      timeoutMs,
    );
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderr += text;
      if (READY.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${system} on ${options.runtime} exited (${code}) before ready\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const ports = new Map<string, number>();
  for (const match of stderr.matchAll(LISTENING)) ports.set(match[1] as string, Number(match[2]));
  return {
    pid,
    tcpPort: ports.get("tcp") ?? 0,
    httpPort: ports.get("http"),
    stderr: () => stderr,
    stop,
  };
}
