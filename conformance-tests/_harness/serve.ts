// The usual set-up of a case: a temp dir with some files, logwisp serving it, and ways to reach it.
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { httpGet, openSse, openTcp, type SseClient, type TcpClient } from "./clients.ts";
import { LogDir } from "./files.ts";
import { type LogwispProcess, makeTempDir, serveArgs, startLogwisp } from "./process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";
import { pollUntil } from "./wait.ts";

export interface ServeOptions {
  /** Enable TCP on a free port (default false). */
  readonly tcp?: boolean;
  /** Serve HTTP on a free port (default true). */
  readonly http?: boolean;
  /** Pass `--check-interval 20` (default true); off when a case sets the interval another way. */
  readonly fastPoll?: boolean;
  /** Extra CLI arguments, placed after the standard ones (targets go here). */
  readonly args?: readonly string[];
  /** Extra environment, or a function of the temp dir for values that name files in it. */
  readonly env?: Record<string, string> | ((dir: string) => Record<string, string>);
  /** Files created before start: name → content. */
  readonly files?: Record<string, string | Uint8Array>;
  /** Symlinks created before start (after the files): name → what the link points to. */
  readonly symlinks?: Record<string, string>;
  /** TOML written to `logwisp.toml` in the dir and passed with `--config`. */
  readonly config?: string;
  /** Soft limit on open descriptors (`ulimit -n`) to start logwisp under. */
  readonly fdLimit?: number;
}

export interface Served {
  readonly proc: LogwispProcess;
  readonly logs: LogDir;
  readonly dir: string;
  sse(path?: string, headers?: Record<string, string>): Promise<SseClient>;
  tcp(): Promise<TcpClient>;
  status(): Promise<Status>;
}

/** The parts of GET /status the suite reads; everything else is checked as untyped JSON. */
export interface Status {
  readonly service: string;
  readonly version: string;
  readonly runtime: { readonly name: string; readonly version: string };
  readonly started_at: string;
  readonly uptime_seconds: number;
  readonly monitor: {
    readonly check_interval_ms: number;
    readonly targets: unknown[];
    readonly files: StatusFile[];
  };
  readonly servers: { readonly tcp: StatusServer; readonly http: StatusServer };
  /** The last config reload (SIGHUP, [config] watch). */
  readonly reload: {
    readonly count: number;
    readonly at: string | null;
    readonly result: "ok" | "error" | null;
    readonly error?: string;
    readonly changed?: string[];
  };
  readonly clients: StatusClient[];
  readonly totals: { readonly published: number; readonly delivered: number; readonly dropped: number };
  readonly state: {
    readonly enabled: boolean;
    readonly dir: string | null;
    readonly instance: string | null;
    readonly error: string | null;
    readonly last_saved_at: string | null;
    readonly writes: number;
    readonly write_failures: number;
    readonly last_save_pause_ms: number | null;
    readonly ring_saved_entries: number;
    readonly ring_loaded_entries: number;
    readonly resumed_from: "clean" | "crash" | "none";
  };
  readonly descriptors: {
    readonly limit: number | null;
    readonly max_connections: number | null;
    readonly connections: number;
    readonly refused: number;
  };
}

export interface StatusFile {
  readonly path: string;
  readonly source: string;
  readonly offset: number;
  readonly pending_bytes: number;
  readonly rotations: number;
  readonly truncations: number;
  readonly lines_read: number;
  readonly error: string | null;
}

export interface StatusServer {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly buffer_size: number;
  readonly max_clients: number;
  readonly max_clients_per_ip: number;
  readonly stall_timeout_seconds: number;
  readonly ssl_enabled: boolean;
  readonly heartbeat: Record<string, unknown>;
  readonly active_clients: number;
  readonly total_connections: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly stalled_disconnects: number;
  readonly half_open: number;
}

export interface StatusClient {
  readonly id: string;
  readonly transport: "tcp" | "sse";
  readonly remote_address: string;
  readonly connected_at: string;
  readonly delivered: number;
  readonly dropped: number;
  readonly queued: number;
}

/** A fresh temp dir with the given files; created before logwisp starts so they count as "existing". */
export async function prepareDir(files: Record<string, string | Uint8Array> = {}): Promise<LogDir> {
  const logs = new LogDir(await makeTempDir());
  for (const [name, content] of Object.entries(files)) await logs.write(name, content);
  return logs;
}

export async function writeConfig(logs: LogDir, toml: string, name = "logwisp.toml"): Promise<string> {
  const path = join(logs.path, name);
  await writeFile(path, toml);
  return path;
}

export async function fetchStatus(httpUrl: string): Promise<Status> {
  const response = await httpGet(`${httpUrl}/status`);
  if (response.status !== 200) throw new Error(`GET /status answered ${response.status}: ${response.body}`);
  return response.json() as Status;
}

/** Starts logwisp on a fresh dir (default target: the dir itself, `*.log`) and waits until ready. */
export async function serve(rt: RuntimeUnderTest, options: ServeOptions = {}): Promise<Served> {
  const logs = await prepareDir(options.files);
  for (const [name, target] of Object.entries(options.symlinks ?? {})) await symlink(target, logs.file(name));
  const configArgs =
    options.config === undefined ? [] : ["--config", await writeConfig(logs, options.config)];
  const proc = await startLogwisp(rt, {
    cwd: logs.path,
    args: [
      ...serveArgs({
        tcp: options.tcp ?? false,
        http: options.http ?? true,
        fastPoll: options.fastPoll ?? true,
      }),
      ...configArgs,
      ...(options.args ?? []),
    ],
    ...(options.env ? { env: typeof options.env === "function" ? options.env(logs.path) : options.env } : {}),
    ...(options.fdLimit === undefined ? {} : { fdLimit: options.fdLimit }),
  });
  return {
    proc,
    logs,
    dir: logs.path,
    sse: (path = "/stream", headers = {}) => openSse(`${proc.httpUrl}${path}`, headers),
    tcp: () => openTcp(proc.tcpPort, "127.0.0.1", undefined, undefined, proc.tcpTls),
    status: () => fetchStatus(proc.httpUrl),
  };
}

/** Opens an SSE stream and waits for its `connected` event, so later lines are certain to reach it. */
export async function connectedSse(served: Served): Promise<SseClient> {
  const client = await served.sse();
  await client.events.next((event) => event.event === "connected", undefined, "the connected event");
  return client;
}

/** Opens a TCP client and waits until /status lists one more TCP client, so no line races the accept. */
export async function connectedTcp(served: Served): Promise<TcpClient> {
  const before = (await served.status()).servers.tcp.total_connections;
  const client = await served.tcp();
  await pollUntil(async () => {
    const status = await served.status();
    return status.servers.tcp.total_connections > before ? true : undefined;
  }, "the TCP client to be registered in /status");
  return client;
}

/**
 * For servers without /status (TCP only): appends numbered probe lines to `file` until one reaches the
 * client, proving the client is subscribed. Returns the probe that arrived.
 */
export async function primeStream(
  client: { nextEntry(predicate: (entry: { message: string }) => boolean, ms?: number): Promise<unknown> },
  logs: LogDir,
  file: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (let attempt = 1; ; attempt += 1) {
    const probe = `probe ${attempt}`;
    await logs.appendLines(file, [probe]);
    try {
      await client.nextEntry((entry) => entry.message.startsWith("probe "), 250);
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
}
