// Wires config → entry source (local files) → hub → servers. start() listens, scans, and says "ready"; stop() says goodbye
// to every client and releases every file and socket.

import type { Config } from "./config/schema.ts";
import type { TlsMaterial, TlsServer } from "./config/tls.ts";
import { Hub, type Transport } from "./fanout/hub.ts";
import { LocalFiles } from "./fanout/local-files.ts";
import { natsConnectOptions, natsEnabled, natsStreamConfig, openNatsLink } from "./fanout/nats-link.ts";
import { NatsPublisher } from "./fanout/nats-publisher.ts";
import { NatsSource } from "./fanout/nats-source.ts";
import { runIdOf } from "./fanout/replay.ts";
import { NatsAuthError, type NatsLink, type NatsStreamInfo } from "./nats-port.ts";
import { type Listener, type ListenOptions, type Runtime, TlsSetupError } from "./runtime.ts";
import { isLoopback, TokenCheck } from "./serve/auth.ts";
import { HalfOpenGate } from "./serve/connection-gate.ts";
import { DescriptorBudget } from "./serve/descriptor-budget.ts";
import { createHttpApp } from "./serve/http-app.ts";
import type { LiveViewFiles } from "./serve/live-view.ts";
import { encodeMetrics } from "./serve/metrics.ts";
import { buildNatsStatus, type NatsStatusInput } from "./serve/nats-status.ts";
import { buildStatus } from "./serve/status.ts";
import { StreamServer } from "./serve/stream-server.ts";
import { serveTcpClient } from "./serve/tcp-session.ts";
import { settleWithin } from "./util/deadline.ts";
import { encodeNamedEvent } from "./wire/framing.ts";
import { encodeSseHeartbeat, encodeTcpHeartbeat } from "./wire/heartbeat.ts";

/** How long a shutdown lets each client's queue drain before hanging up. */
export const SHUTDOWN_GRACE_MS = 2000;

/** How often /status's view of the NATS stream (messages, bytes, sequences) is refreshed. */
const STREAM_INFO_INTERVAL_MS = 1000;

export interface ServiceOptions {
  /** The live view's files (GET /, GET /app.js); the CLI knows where they were built. */
  readonly liveView?: LiveViewFiles;
  /** PEM certificate and key per server with `ssl_enabled` (read and checked with the config). */
  readonly tls?: TlsMaterial;
}

const DISCONNECT_FRAME = encodeNamedEvent("disconnect", { reason: "server_shutdown" });

export class Service {
  readonly hub: Hub;
  readonly startedAtMs = Date.now();
  /** Where entries come from: this machine's files. */
  private readonly files: LocalFiles;
  private readonly tcp: StreamServer | undefined;
  private readonly sse: StreamServer | undefined;
  /** The process's descriptors, shared by both servers' connections. */
  private readonly descriptors: DescriptorBudget;
  /** Each server's half-open connections (see connection-gate.ts). */
  private readonly gates: { tcp?: HalfOpenGate; http?: HalfOpenGate } = {};
  private readonly listeners: { tcp?: Listener; http?: Listener } = {};
  private readonly auth: TokenCheck | undefined;
  private stopping: Promise<void> | undefined;
  /** With `[nats] serve`: where the hub's entries come from, every host's (the stream's consumer). */
  private readonly natsSource: NatsSource | undefined;
  /** Waiting for the NATS connection (the consumer): answered when it is made, or undefined at shutdown. */
  private natsLinkWaiters: ((link: NatsLink | undefined) => void)[] = [];
  /** NATS ([nats] url set): the connection once made, the publisher, the stream as last read. */
  private readonly nats:
    | {
        link?: NatsLink;
        publisher?: NatsPublisher;
        stream?: NatsStreamInfo;
        timer?: ReturnType<typeof setInterval>;
        readonly host: string;
      }
    | undefined;
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
    this.auth = config.auth.token === undefined ? undefined : new TokenCheck(config.auth.token);
    // with NATS every entry names its host (the stream holds many); without, only when one was set
    const nats = natsEnabled(config);
    const host = monitor.hostname ?? (nats ? runtime.hostName() : undefined);
    const publisher =
      nats && config.nats.publish && host !== undefined
        ? new NatsPublisher({
            stream: config.nats.stream,
            subjectPrefix: config.nats.subject_prefix,
            host,
            log: (line) => runtime.log(line),
          })
        : undefined;
    if (nats && host !== undefined) this.nats = { host, publisher };
    // publishing and serving: this instance's lines reach its clients through the stream, like every host's;
    // an agent with no server of its own keeps no ring either
    const toHub =
      !(nats && config.nats.publish && config.nats.serve) &&
      (!nats || tcpserver.enabled || httpserver.enabled);
    this.files = new LocalFiles(runtime, monitor, this.hub, { host, publisher, toHub });
    if (nats && config.nats.serve) {
      this.natsSource = new NatsSource(this.hub, {
        link: () => this.natsLink(),
        streamConfig: natsStreamConfig(config),
        replaySize: monitor.replay_size,
        log: (line) => runtime.log(line),
      });
    }
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
          metrics: () => this.metrics(),
          auth: this.auth,
          liveView: this.options.liveView,
          corsOrigins: this.config.httpserver.cors_origins,
          allowedHosts: this.config.httpserver.allowed_hosts,
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
      await this.startNats();
      await this.files.start();
      await this.natsSource?.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.runtime.log(`ready, following ${this.files.fileCount} files`);
  }

  /** Idempotent: SSE clients get `event: disconnect`, queues drain (bounded), then everything closes. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const publisher = this.nats?.publisher;
      // the Monitor may be waiting for the publisher's room: no more waiting, it is stopping
      publisher?.release();
      await this.files.stop();
      this.answerNatsLinkWaiters(undefined);
      await this.natsSource?.stop();
      await this.stopNats();
      await Promise.all([
        this.sse?.shutdown(DISCONNECT_FRAME, SHUTDOWN_GRACE_MS),
        this.tcp?.shutdown(undefined, SHUTDOWN_GRACE_MS),
      ]);
      // every session has ended (or its grace ran out): the listeners may now hang up on whatever is left
      await Promise.all([this.listeners.http?.close(), this.listeners.tcp?.close()]);
    })();
    return this.stopping;
  }

  /**
   * Connects to NATS before the files are opened, so the publisher can continue each file after what the
   * stream holds. Refused credentials stop start-up; no server answering does not: it is said, and retried
   * in the background while everything else runs (the files wait, being the buffer).
   */
  private async startNats(): Promise<void> {
    const nats = this.nats;
    if (nats === undefined) return;
    const connector = await this.runtime.loadNats();
    const options = natsConnectOptions(this.config, `logwisp ${nats.host}`);
    const log = (line: string): void => this.runtime.log(line);
    try {
      await this.attachNats(await connector.connect(options));
      return;
    } catch (error) {
      if (error instanceof NatsAuthError) throw error;
      log(`NATS: ${error instanceof Error ? error.message : String(error)}; retrying in the background`);
    }
    void openNatsLink(connector, options, { log, cancelled: () => this.stopping !== undefined })
      .then((link) => (link === undefined ? undefined : this.attachNats(link)))
      .catch((error: unknown) => {
        log(`NATS: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  private async attachNats(link: NatsLink): Promise<void> {
    const nats = this.nats;
    if (nats === undefined) return;
    if (this.stopping !== undefined) {
      await link.close();
      return;
    }
    nats.link = link;
    this.answerNatsLinkWaiters(link);
    link.onState((state, detail) => {
      if (state === "reconnecting") this.runtime.log(`NATS: connection lost (${detail}); reconnecting`);
      else if (state === "connected") this.runtime.log(`NATS: reconnected to ${detail}`);
    });
    this.runtime.log(`NATS: connected to ${link.server ?? "?"}`);
    try {
      nats.stream = await link.ensureStream(natsStreamConfig(this.config));
    } catch (error) {
      this.runtime.log(
        `NATS: could not create or read stream ${this.config.nats.stream}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    nats.timer = setInterval(() => {
      link.streamInfo(this.config.nats.stream).then(
        (info) => {
          nats.stream = info;
        },
        () => undefined,
      );
    }, STREAM_INFO_INTERVAL_MS);
    nats.publisher?.attach(link);
  }

  /** The NATS connection once made (at once when it is); undefined when the instance stops first. */
  private natsLink(): Promise<NatsLink | undefined> {
    const link = this.nats?.link;
    if (link !== undefined || this.stopping !== undefined) return Promise.resolve(link);
    return new Promise((resolve) => this.natsLinkWaiters.push(resolve));
  }

  private answerNatsLinkWaiters(link: NatsLink | undefined): void {
    const waiters = this.natsLinkWaiters;
    this.natsLinkWaiters = [];
    for (const waiter of waiters) waiter(link);
  }

  /** What was read is sent and acked (within the grace), then the connection is closed. */
  private async stopNats(): Promise<void> {
    const nats = this.nats;
    if (nats === undefined) return;
    clearInterval(nats.timer);
    const publisher = nats.publisher;
    if (publisher !== undefined) {
      publisher.flush();
      await settleWithin(publisher.whenIdle(), SHUTDOWN_GRACE_MS, undefined);
      publisher.stop();
      if (publisher.pendingMessages > 0) {
        this.runtime.log(
          `NATS: ${publisher.pendingMessages} messages not acked at shutdown; the next start continues each file after what the stream holds`,
        );
      }
    }
    await nats.link?.close();
  }

  private natsStatusInput(): NatsStatusInput | undefined {
    const nats = this.nats;
    if (nats === undefined) return undefined;
    return {
      state: nats.link?.state ?? "connecting",
      server: nats.link?.server,
      servers: natsConnectOptions(this.config, "").servers,
      streamName: this.config.nats.stream,
      stream: nats.stream,
      publisher: nats.publisher,
    };
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
    const nats = this.natsStatusInput();
    const status = buildStatus({
      runtime: this.runtime,
      version: this.version,
      startedAtMs: this.startedAtMs,
      config: this.config,
      hub: this.hub,
      files: this.files.status(),
      listeners: this.listeners,
      rejected: { tcp: this.tcp?.limits.rejected ?? 0, sse: this.sse?.limits.rejected ?? 0 },
      halfOpen: { tcp: this.gates.tcp?.halfOpen ?? 0, sse: this.gates.http?.halfOpen ?? 0 },
      descriptors: this.descriptors,
      stalledDisconnects: {
        tcp: this.tcp?.stalledDisconnects ?? 0,
        sse: this.sse?.stalledDisconnects ?? 0,
      },
    });
    if (nats === undefined) return status;
    return { ...status, nats: { ...buildNatsStatus(nats), serve: this.natsSource?.serveStatus() ?? null } };
  }

  /** The Prometheus text of GET /metrics. */
  metrics(): string {
    return encodeMetrics({
      runtime: this.runtime,
      version: this.version,
      startedAtMs: this.startedAtMs,
      hub: this.hub,
      files: this.files.status(),
      servers: [this.tcp, this.sse].filter((server) => server !== undefined),
      nats: this.natsStatusInput(),
      natsServe: this.natsSource?.serveStatus(),
    });
  }
}

export function formatAddress(listener: Listener): string {
  return listener.host.includes(":")
    ? `[${listener.host}]:${listener.port}`
    : `${listener.host}:${listener.port}`;
}
