// Starting and stopping the servers under test: logwisp's real CLI and the floor, on node, bun or deno,
// plus `tail -F | socat` when socat is installed. Each is its own process, stopped by its pid.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type RuntimeName = "node" | "bun" | "deno";
export type SystemName = "logwisp" | "floor" | "socat";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
const bin = `${repoRoot}/node_modules/.bin`;
/**
 * Private build of the CLI and the floor for node: compiled JavaScript, as `npx logwisp` runs it. Inside
 * this checkout (git-ignored), not under node_modules: a node_modules shared by several checkouts would let
 * one checkout's bench run another's build.
 */
export const buildDir = `${repoRoot}/.bench-build`;

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

/** Compiles src/ (tsc) and bench/floor.ts (esbuild) for node into buildDir. */
export async function buildForNode(): Promise<void> {
  mkdirSync(buildDir, { recursive: true });
  execFileSync(`${bin}/tsc`, ["-p", `${repoRoot}/tsconfig.build.json`, "--outDir", `${buildDir}/dist`], {
    stdio: "inherit",
  });
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [`${repoRoot}/bench/floor.ts`],
    outfile: `${buildDir}/floor.mjs`,
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
        // one client: socat serves the first connection; tail -F follows renames; port chosen by the caller
        `port=$(shuf -i 20000-60000 -n 1); echo "floor: tcp server listening on 127.0.0.1:$port" >&2; echo "floor: ready" >&2; exec tail -n0 -F "${file}" 2>/dev/null | socat -u STDIN TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr`,
      ],
    };
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
  if (runtime === "node") {
    // e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile logwisp under a scenario
    const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
    return { cmd: process.execPath, args: [...flags, `${buildDir}/dist/cli.js`, ...cliArgs] };
  }
  if (runtime === "bun") return { cmd: `${bin}/bun`, args: [`${repoRoot}/src/cli.ts`, ...cliArgs] };
  // e.g. BENCH_DENO_FLAGS="--v8-flags=--prof,--logfile=/tmp/v8.log,--no-logfile-per-isolate"
  const denoFlags = (process.env.BENCH_DENO_FLAGS ?? "").split(" ").filter(Boolean);
  return {
    cmd: `${bin}/deno`,
    args: [
      "run",
      ...denoFlags,
      "--allow-read",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      `${repoRoot}/src/cli.ts`,
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
