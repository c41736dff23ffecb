// Wires config → monitor → hub → servers. start() listens, scans, and says "ready"; stop() says goodbye
// to every client and releases every file and socket.

import { isLoopback, TokenCheck } from "./auth.ts";
import type { Config } from "./config/schema.ts";
import type { TlsMaterial, TlsServer } from "./config/tls.ts";
import { HalfOpenGate } from "./connection-gate.ts";
import { DescriptorBudget } from "./descriptor-budget.ts";
import { type LogEntry, parseLine, serializeEntry } from "./entry.ts";
import { encodeSseEvent } from "./framing.ts";
import { encodeSseHeartbeat, encodeTcpHeartbeat } from "./heartbeat.ts";
import { hintWindowMs } from "./hint-window.ts";
import { createHttpApp } from "./http.ts";
import { Hub, type Transport } from "./hub.ts";
import type { LiveViewFiles } from "./live-view.ts";
import { runIdOf } from "./replay.ts";
import { type Listener, type ListenOptions, type Runtime, TlsSetupError } from "./runtime.ts";
import { buildStatus } from "./status.ts";
import { StreamServer } from "./stream-server.ts";
import type { LineFlags } from "./tail/lines.ts";
import { Monitor, yieldToEventLoop } from "./tail/monitor.ts";
import { LINES_PER_TURN } from "./tail/reader.ts";
import { TargetFilter } from "./target-filter.ts";
import { serveTcpClient } from "./tcp.ts";
import { nowMicros } from "./time.ts";

/** How long a shutdown lets each client's queue drain before hanging up. */
export const SHUTDOWN_GRACE_MS = 2000;

export interface ServiceOptions {
  /** The live view's files (GET /, GET /app.js); the CLI knows where they were built. */
  readonly liveView?: LiveViewFiles;
  /** PEM certificate and key per server with `ssl_enabled` (read and checked with the config). */
  readonly tls?: TlsMaterial;
}

const DISCONNECT_FRAME = encodeSseEvent("disconnect", JSON.stringify({ reason: "server_shutdown" }));

export class Service {
  readonly hub: Hub;
  readonly startedAtMs = Date.now();
  private readonly monitor: Monitor;
  /** Targets' include/exclude; undefined when none sets them. */
  private readonly targetFilter: TargetFilter | undefined;
  private readonly tcp: StreamServer | undefined;
  private readonly sse: StreamServer | undefined;
  /** The process's descriptors, shared by both servers' connections. */
  private readonly descriptors: DescriptorBudget;
  /** Each server's half-open connections (see connection-gate.ts). */
  private readonly gates: { tcp?: HalfOpenGate; http?: HalfOpenGate } = {};
  private readonly listeners: { tcp?: Listener; http?: Listener } = {};
  private readonly auth: TokenCheck | undefined;
  private stopping: Promise<void> | undefined;
  /** Entries serialised in this event-loop turn (and the entries themselves, for filters), handed to the hub as one batch at its end. */
  private pending: string[] = [];
  private pendingEntries: LogEntry[] = [];
  private flushQueued = false;
  /** When the lines of this turn's batch were read: the reader hands on a slice of one read at once. */
  private batchReadMicros = 0;

  constructor(
    private readonly runtime: Runtime,
    readonly config: Config,
    readonly version: string,
    private readonly options: ServiceOptions = {},
  ) {
    const { monitor, tcpserver, httpserver } = config;
    this.hub = new Hub({
      replaySize: monitor.replay_size,
      replayMaxBytes: monitor.replay_max_bytes,
      runId: runIdOf(this.startedAtMs),
    });
    this.targetFilter = TargetFilter.from(runtime, monitor.targets);
    this.auth = config.auth.token === undefined ? undefined : new TokenCheck(config.auth.token);
    this.monitor = new Monitor(
      runtime,
      {
        checkIntervalMs: monitor.check_interval_ms,
        rotateWaitMs: monitor.rotate_wait_ms,
        maxLineBytes: monitor.max_line_bytes,
        targets: monitor.targets,
        yieldToEventLoop: async () => {
          await yieldToEventLoop();
          await this.hub.waitForRoom(LINES_PER_TURN);
        },
        hintWindowMs: () => hintWindowMs(this.hub.activeClients()),
      },
      {
        line: (source, path, text, flags) => {
          if (this.targetFilter === undefined || this.targetFilter.passes(path, text)) {
            this.publishLine(source, text, flags);
          }
        },
        notice: (kind, path, detail) => {
          runtime.log(detail);
          // the lines read before the rotation go out before its event
          this.flushPending();
          if (kind === "rotated" || kind === "deleted" || kind === "truncated") {
            this.hub.broadcast("sse", encodeSseEvent("rotation", JSON.stringify({ path, kind })));
          }
        },
      },
    );
    if (tcpserver.enabled) this.tcp = this.streamServer("tcp", tcpserver, encodeTcpHeartbeat);
    if (httpserver.enabled) this.sse = this.streamServer("sse", httpserver, encodeSseHeartbeat);
    this.descriptors = new DescriptorBudget(runtime.descriptorLimit?.(), (line) => runtime.log(line));
    for (const [name, server] of [
      ["tcp", this.tcp],
      ["http", this.sse],
    ] as const) {
      if (server) this.gates[name] = new HalfOpenGate(this.descriptors, () => server.limits.rejected++);
    }
  }

  private streamServer(
    transport: Transport,
    server: Config["tcpserver"] | Config["httpserver"],
    encode: typeof encodeTcpHeartbeat,
  ): StreamServer {
    const { heartbeat } = server;
    return new StreamServer(this.hub, {
      transport,
      bufferSize: server.buffer_size,
      maxClients: server.max_clients,
      maxClientsPerIp: server.max_clients_per_ip,
      stallTimeoutSeconds: server.stall_timeout_seconds,
      heartbeatIntervalSeconds: heartbeat.enabled ? heartbeat.interval_seconds : undefined,
      encodeHeartbeat: (stats, nowMs) => encode(heartbeat, stats, nowMs),
      startedAtMs: this.startedAtMs,
    });
  }

  /** Listens first (a port in use fails before anything else starts), then scans the targets. */
  async start(): Promise<void> {
    try {
      const sse = this.sse;
      if (sse) {
        const app = createHttpApp({
          sse,
          status: () => this.status(),
          auth: this.auth,
          liveView: this.options.liveView,
        });
        this.listeners.http = await this.withTls("httpserver", (options) =>
          this.runtime.serveHttp(app, options),
        );
        this.runtime.log(
          `http server listening on ${formatAddress(this.listeners.http)}${this.options.tls?.httpserver ? " (https)" : ""}`,
        );
        sse.startHeartbeat();
      }
      const tcp = this.tcp;
      if (tcp) {
        this.listeners.tcp = await this.withTls("tcpserver", (options) =>
          this.runtime.listenTcp(options, (connection) =>
            serveTcpClient(tcp, connection, { auth: this.auth }),
          ),
        );
        this.runtime.log(
          `tcp server listening on ${formatAddress(this.listeners.tcp)}${this.options.tls?.tcpserver ? " (tls)" : ""}`,
        );
        tcp.startHeartbeat();
      }
      this.warnIfOpen();
      await this.monitor.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.runtime.log(`ready, following ${this.monitor.fileCount} files`);
  }

  /** Idempotent: SSE clients get `event: disconnect`, queues drain (bounded), then everything closes. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.monitor.stop();
      await Promise.all([
        this.sse?.shutdown(DISCONNECT_FRAME, SHUTDOWN_GRACE_MS),
        this.tcp?.shutdown(undefined, SHUTDOWN_GRACE_MS),
      ]);
      // every session has ended (or its grace ran out): the listeners may now hang up on whatever is left
      await Promise.all([this.listeners.http?.close(), this.listeners.tcp?.close()]);
    })();
    return this.stopping;
  }

  /** Listens with the server's host, port and TLS files; a pair the runtime refuses names both keys. */
  private async withTls(server: TlsServer, listen: (options: ListenOptions) => Promise<Listener>) {
    const { host, port, ssl_cert_file, ssl_key_file } = this.config[server];
    const tls = this.options.tls?.[server];
    const gate = this.gates[server === "tcpserver" ? "tcp" : "http"];
    try {
      return await listen({ host, port, gate, ...(tls ? { tls } : {}) });
    } catch (error) {
      if (!(error instanceof TlsSetupError)) throw error;
      throw new TlsSetupError(
        `${server}.ssl_cert_file ${JSON.stringify(ssl_cert_file)} and ${server}.ssl_key_file ${JSON.stringify(ssl_key_file)} were refused (${error.message}): expected a PEM certificate and the private key it was made for`,
      );
    }
  }

  /** One line when a server is reachable beyond this machine and anyone reaching it may read the logs. */
  private warnIfOpen(): void {
    if (this.auth) return;
    const open = [this.listeners.http, this.listeners.tcp].filter(
      (listener): listener is Listener => listener !== undefined && !isLoopback(listener.host),
    );
    if (open.length === 0) return;
    this.runtime.log(
      `warning: serving on ${open.map(formatAddress).join(" and ")} without auth: anyone who can reach it reads the logs (set --auth-token or LOGWISP_AUTH_TOKEN, or --host 127.0.0.1)`,
    );
  }

  status(): unknown {
    return buildStatus({
      runtime: this.runtime,
      version: this.version,
      startedAtMs: this.startedAtMs,
      config: this.config,
      hub: this.hub,
      files: this.monitor.status().map((file) => ({
        ...file,
        excluded: this.targetFilter?.excludedLines(file.path) ?? 0,
      })),
      listeners: this.listeners,
      rejected: { tcp: this.tcp?.limits.rejected ?? 0, sse: this.sse?.limits.rejected ?? 0 },
      halfOpen: { tcp: this.gates.tcp?.halfOpen ?? 0, sse: this.gates.http?.halfOpen ?? 0 },
      descriptors: this.descriptors,
      stalledDisconnects: {
        tcp: this.tcp?.stalledDisconnects ?? 0,
        sse: this.sse?.stalledDisconnects ?? 0,
      },
    });
  }

  private publishLine(source: string, text: string, flags: LineFlags | undefined): void {
    if (!this.hub.replays && this.hub.activeClients() === 0) {
      // nobody to send it to and no ring to keep it for later: count it, skip the parse and serialisation
      this.flushPending();
      this.hub.countUnsent(1);
      return;
    }
    // one clock read per batch, not per line: its lines came out of the same read, and an entry's time
    // string (with its JSON) is then made once per batch
    if (this.pending.length === 0) this.batchReadMicros = nowMicros();
    const entry: LogEntry = parseLine(text, source, this.batchReadMicros);
    if (flags) entry.fields = { ...entry.fields, ...flags };
    this.pending.push(serializeEntry(entry));
    this.pendingEntries.push(entry);
    // the reader hands lines on synchronously, a slice at a time: one batch per slice, sent at the end of
    // the turn (a microtask: before any timer, heartbeat or new connection can observe the hub)
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushPending);
    }
  }

  private readonly flushPending = (): void => {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const entries = this.pendingEntries;
    this.pending = [];
    this.pendingEntries = [];
    this.hub.publishBatch(batch, entries);
  };
}

export function formatAddress(listener: Listener): string {
  return listener.host.includes(":")
    ? `[${listener.host}]:${listener.port}`
    : `${listener.host}:${listener.port}`;
}
