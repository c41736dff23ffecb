// Wires config → entry source (local files) → hub → servers. start() listens, scans, and says "ready"; stop() says goodbye
// to every client and releases every file and socket.

import { planReload, type ReloadPlan } from "./config/diff.ts";
import { ConfigError } from "./config/errors.ts";
import type { Config } from "./config/schema.ts";
import type { TlsMaterial, TlsServer } from "./config/tls.ts";
import { ConfigFileWatch } from "./config/watch-file.ts";
import { Hub, type Transport } from "./fanout/hub.ts";
import { LocalFiles } from "./fanout/local-files.ts";
import { natsConnectOptions, natsEnabled, natsStreamConfig, openNatsLink } from "./fanout/nats-link.ts";
import { NatsPublisher } from "./fanout/nats-publisher.ts";
import { NatsSource } from "./fanout/nats-source.ts";
import { runIdOf } from "./fanout/replay.ts";
import { StateKeeper } from "./fanout/state-keeper.ts";
import { NatsAuthError, type NatsLink, type NatsStreamInfo } from "./nats-port.ts";
import {
  AddressInUseError,
  type FetchHandler,
  type Listener,
  type ListenOptions,
  type Runtime,
  TlsSetupError,
} from "./runtime.ts";
import { isLoopback, TokenCheck } from "./serve/auth.ts";
import { HalfOpenGate } from "./serve/connection-gate.ts";
import { DescriptorBudget } from "./serve/descriptor-budget.ts";
import { createHttpApp } from "./serve/http-app.ts";
import type { LiveViewFiles } from "./serve/live-view.ts";
import { encodeMetrics } from "./serve/metrics.ts";
import { buildNatsStatus, type NatsStatusInput } from "./serve/nats-status.ts";
import { buildStatus } from "./serve/status.ts";
import { StreamServer, type StreamServerOptions } from "./serve/stream-server.ts";
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

/** What a reload reads: the config from file, env and flags, checked, and the TLS files it names. */
export interface ReloadedConfig {
  readonly config: Config;
  readonly tls: TlsMaterial;
}

/** The last reload, for /status: when, how it went, why it failed, and how many there were. */
export interface ReloadStatus {
  readonly count: number;
  readonly at: string | null;
  readonly result: "ok" | "error" | null;
  readonly error?: string;
  /** The keys it changed (an ok reload). */
  readonly changed?: readonly string[];
}

type ServerName = "tcpserver" | "httpserver";

export class Service {
  readonly hub: Hub;
  readonly startedAtMs = Date.now();
  /** Where entries come from: this machine's files. */
  private readonly files: LocalFiles;
  private tcp: StreamServer | undefined;
  private sse: StreamServer | undefined;
  /** The process's descriptors, shared by both servers' connections. */
  private readonly descriptors: DescriptorBudget;
  /** Each server's half-open connections (see connection-gate.ts). */
  private readonly gates: { tcp?: HalfOpenGate; http?: HalfOpenGate } = {};
  private readonly listeners: { tcp?: Listener; http?: Listener } = {};
  private auth: TokenCheck | undefined;
  private stopping: Promise<void> | undefined;
  /** The state that outlives the process; opened by start(), before any file is read. */
  private state: StateKeeper | undefined;
  /** The HTTP server's handler; a reload that changes the token, CORS origins or host names replaces it. */
  private httpApp: FetchHandler | undefined;
  /** The TLS files' text as last read (at start, then by each reload). */
  private tls: TlsMaterial;
  private reloads: ReloadStatus = { count: 0, at: null, result: null };
  /** Reloads run one after the other. */
  private reloading: Promise<void> = Promise.resolve();
  private reloader: { load: () => Promise<ReloadedConfig>; configFile: string | undefined } | undefined;
  private configWatch: ConfigFileWatch | undefined;
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
    /** The running config: replaced by a reload that succeeds. */
    public config: Config,
    readonly version: string,
    private readonly options: ServiceOptions = {},
  ) {
    this.tls = options.tls ?? {};
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
            // a checkpoint follows the stream's acks: a restart never skips what NATS did not store
            acked: (path, at) => this.state?.advance(path, at),
          })
        : undefined;
    if (nats && host !== undefined) this.nats = { host, publisher };
    // publishing and serving: this instance's lines reach its clients through the stream, like every host's;
    // an agent with no server of its own keeps no ring either
    const toHub =
      !(nats && config.nats.publish && config.nats.serve) &&
      (!nats || tcpserver.enabled || httpserver.enabled);
    this.files = new LocalFiles(
      runtime,
      monitor,
      this.hub,
      {
        positions: {
          advance: (path, at) => this.state?.advance(path, at),
          release: (path, file) => this.state?.release(path, file),
          forget: (path) => this.state?.forget(path),
        },
        saved: () => this.state?.saved,
      },
      { host, publisher, toHub },
    );
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
    return new StreamServer(this.hub, this.streamServerOptions(transport, server, encode));
  }

  private streamServerOptions(
    transport: Transport,
    server: Config["tcpserver"] | Config["httpserver"],
    encode: typeof encodeTcpHeartbeat,
  ): StreamServerOptions {
    const { heartbeat } = server;
    return {
      transport,
      bufferSize: server.buffer_size,
      maxClients: server.max_clients,
      maxClientsPerIp: server.max_clients_per_ip,
      stallTimeoutSeconds: server.stall_timeout_seconds,
      heartbeatIntervalSeconds: heartbeat.enabled ? heartbeat.interval_seconds : undefined,
      encodeHeartbeat: (stats, nowMs) => encode(heartbeat, stats, nowMs),
      startedAtMs: this.startedAtMs,
    };
  }

  /**
   * Takes the state directory's lock and restores the ring (a second instance fails before it listens),
   * listens (a port in use fails before anything is read), then scans the targets.
   */
  async start(): Promise<void> {
    try {
      this.state = await StateKeeper.open(
        this.runtime,
        this.config,
        this.hub,
        this.startedAtMs,
        this.natsSource !== undefined,
      );
      const sse = this.sse;
      if (sse) {
        this.httpApp = this.buildHttpApp(sse, this.config, this.auth);
        this.listeners.http = await this.withTls("httpserver", (options) =>
          this.runtime.serveHttp(this.routeHttp, options),
        );
        this.runtime.log(
          `http server listening on ${formatAddress(this.listeners.http)}${this.tls.httpserver ? " (https)" : ""}`,
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
          `tcp server listening on ${formatAddress(this.listeners.tcp)}${this.tls.tcpserver ? " (tls)" : ""}`,
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
      await this.configWatch?.close();
      this.configWatch = undefined;
      await this.reloading;
      const publisher = this.nats?.publisher;
      // the Monitor may be waiting for the publisher's room: no more waiting, it is stopping
      publisher?.release();
      await this.files.stop();
      this.answerNatsLinkWaiters(undefined);
      await this.natsSource?.stop();
      await this.stopNats();
      // saved before the clients' grace (and after the publisher's last acks): what was published is kept
      // even if the stop is cut short
      await this.state?.stop();
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
    const tls = this.tls[server];
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

  // ---- reload (SIGHUP, [config] watch) ----

  private readonly routeHttp: FetchHandler = (request, info) => {
    const app = this.httpApp;
    if (!app) return new Response(null, { status: 503 });
    return app(request, info);
  };

  private buildHttpApp(sse: StreamServer, config: Config, auth: TokenCheck | undefined): FetchHandler {
    return createHttpApp({
      sse,
      status: () => this.status(),
      metrics: () => this.metrics(),
      auth,
      liveView: this.options.liveView,
      corsOrigins: config.httpserver.cors_origins,
      allowedHosts: config.httpserver.allowed_hosts,
    });
  }

  /**
   * Makes the service reloadable: `load` reads file, env and flags again (as at start). With `[config] watch`
   * a change of `configFile` reloads it too.
   */
  async enableReload(load: () => Promise<ReloadedConfig>, configFile: string | undefined): Promise<void> {
    this.reloader = { load, configFile };
    await this.syncConfigWatch();
  }

  /** The last reload, for /status. */
  get reloadStatus(): ReloadStatus {
    return this.reloads;
  }

  /**
   * Reads the config again and applies what changed, without dropping a client or losing a line. A config
   * that does not pass every check changes nothing: each problem is logged as at start, and /status says so.
   */
  reload(trigger: string): Promise<void> {
    const run = this.reloading.then(() => this.reloadOnce(trigger));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async reloadOnce(trigger: string): Promise<void> {
    if (!this.reloader || this.stopping) return;
    this.runtime.log(`${trigger}: reloading the config`);
    let next: ReloadedConfig;
    try {
      next = await this.reloader.load();
    } catch (error) {
      if (!(error instanceof ConfigError)) return this.reloadFailed(error);
      const lines = error.format().split("\n");
      for (const line of lines) this.runtime.log(line);
      const count = error.issues.length;
      this.recordReload("error", `${count} config problem${count === 1 ? "" : "s"}: ${lines.join("; ")}`);
      this.runtime.log("reload failed: the running config is kept");
      return;
    }
    const plan = planReload(this.config, next.config, { before: this.tls, after: next.tls });
    try {
      await this.applyReload(plan, next);
    } catch (error) {
      // an address in use, a pair the runtime refuses, a port the process may not bind: never fatal here
      return this.reloadFailed(error);
    }
    this.recordReload("ok", undefined, plan.changed);
    const changed = plan.changed.length === 0 ? "nothing changed" : `changed ${plan.changed.join(", ")}`;
    this.runtime.log(`reloaded the config: ${changed}`);
  }

  private reloadFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.recordReload("error", message);
    this.runtime.log(`reload failed: ${message}`);
  }

  private recordReload(result: "ok" | "error", error?: string, changed?: readonly string[]): void {
    this.reloads = {
      count: this.reloads.count + 1,
      at: new Date().toISOString(),
      result,
      ...(error === undefined ? {} : { error }),
      ...(changed === undefined ? {} : { changed }),
    };
  }

  /**
   * Listeners first (what can fail: a port in use, a certificate the runtime refuses), then everything that
   * cannot fail. A failed rebind leaves the rest of the running config in place.
   */
  private async applyReload(plan: ReloadPlan, next: ReloadedConfig): Promise<void> {
    const { config } = next;
    const auth = plan.access
      ? config.auth.token === undefined
        ? undefined
        : new TokenCheck(config.auth.token)
      : this.auth;
    for (const name of ["httpserver", "tcpserver"] as const) {
      const server = plan.servers[name];
      if (server.rebind) await this.rebindServer(name, next, auth);
      else if (server.rotateTls) await this.rotateTls(name, next, auth);
    }
    const previous = this.config;
    this.config = config;
    this.tls = next.tls;
    this.auth = auth;
    if (plan.access && this.sse && !plan.servers.httpserver.rebind)
      this.httpApp = this.buildHttpApp(this.sse, config, auth);
    if (plan.monitor) this.files.reconfigure(config.monitor);
    if (plan.replay)
      this.hub.reconfigure({
        replaySize: config.monitor.replay_size,
        replayMaxBytes: config.monitor.replay_max_bytes,
      });
    for (const [name, server, encode] of [
      ["tcpserver", this.tcp, encodeTcpHeartbeat],
      ["httpserver", this.sse, encodeSseHeartbeat],
    ] as const) {
      const plan_ = plan.servers[name];
      if (server && plan_.reconfigure && !plan_.rebind)
        server.reconfigure(this.streamServerOptions(server.transport, config[name], encode));
    }
    // no token any more, or a server bound beyond loopback without one: the warning of the start again
    const rebound = plan.servers.tcpserver.rebind || plan.servers.httpserver.rebind;
    if ((plan.access && previous.auth.token !== undefined) || rebound) this.warnIfOpen();
    if (plan.watch) await this.syncConfigWatch();
  }

  /** A new certificate and key on the same address: swapped in place where the runtime can, else a rebind. */
  private async rotateTls(name: ServerName, next: ReloadedConfig, auth: TokenCheck | undefined) {
    const listener = this.listeners[name === "tcpserver" ? "tcp" : "http"];
    const tls = next.tls[name];
    if (listener?.updateTls && tls) {
      try {
        listener.updateTls(tls);
      } catch (error) {
        if (!(error instanceof TlsSetupError)) throw error;
        throw this.refusedTls(name, next.config, error);
      }
      this.runtime.log(`${name}: new TLS certificate and key in use for new connections`);
      return;
    }
    await this.rebindServer(name, next, auth);
  }

  private refusedTls(name: ServerName, config: Config, error: TlsSetupError): TlsSetupError {
    const { ssl_cert_file, ssl_key_file } = config[name];
    return new TlsSetupError(
      `${name}.ssl_cert_file ${JSON.stringify(ssl_cert_file)} and ${name}.ssl_key_file ${JSON.stringify(ssl_key_file)} were refused (${error.message}): expected a PEM certificate and the private key it was made for`,
    );
  }

  /**
   * A server on a new address (or with TLS turned on or off, or a certificate its runtime cannot swap): the
   * new listener is bound first where it can be (another port), else after the old one closed (the same
   * port); the old server's clients are told (SSE: `event: disconnect`), drained as at shutdown, then closed.
   * If the new address cannot be bound, the old one is bound again and the reload fails.
   */
  private async rebindServer(name: ServerName, next: ReloadedConfig, auth: TokenCheck | undefined) {
    const key = name === "tcpserver" ? "tcp" : "http";
    const old = { server: name === "tcpserver" ? this.tcp : this.sse, listener: this.listeners[key] };
    const settings = next.config[name];
    let fresh: { server: StreamServer; listener: Listener } | undefined;
    if (settings.enabled) {
      try {
        fresh = await this.bringUp(name, next.config, next.tls, auth);
      } catch (error) {
        // the same port, still held by the old listener: it has to go first. Another port in use: the
        // reload fails with the old server untouched
        const samePort = old.listener !== undefined && old.listener.port === settings.port;
        if (!(error instanceof AddressInUseError) || !samePort) throw error;
      }
    }
    await old.server?.shutdown(name === "httpserver" ? DISCONNECT_FRAME : undefined, SHUTDOWN_GRACE_MS);
    await old.listener?.close();
    if (settings.enabled && !fresh) {
      try {
        fresh = await this.bringUp(name, next.config, next.tls, auth);
      } catch (error) {
        const restored = await this.bringUp(name, this.config, this.tls, this.auth);
        this.placeServer(name, restored, old.server);
        throw error;
      }
    }
    this.placeServer(name, fresh, old.server);
    if (fresh) this.runtime.log(`${key} server now listening on ${formatAddress(fresh.listener)}`);
    else this.runtime.log(`${key} server stopped`);
  }

  private placeServer(
    name: ServerName,
    fresh: { server: StreamServer; listener: Listener } | undefined,
    previous: StreamServer | undefined,
  ): void {
    const key = name === "tcpserver" ? "tcp" : "http";
    if (fresh && previous) fresh.server.inheritCounters(previous);
    if (name === "tcpserver") this.tcp = fresh?.server;
    else this.sse = fresh?.server;
    if (fresh) this.listeners[key] = fresh.listener;
    else delete this.listeners[key];
  }

  /** A stream server and its listener for `config[name]`, with its own half-open gate, heartbeat started. */
  private async bringUp(
    name: ServerName,
    config: Config,
    tlsMaterial: TlsMaterial,
    auth: TokenCheck | undefined,
  ): Promise<{ server: StreamServer; listener: Listener }> {
    const settings = config[name];
    const isTcp = name === "tcpserver";
    const server = this.streamServer(
      isTcp ? "tcp" : "sse",
      settings,
      isTcp ? encodeTcpHeartbeat : encodeSseHeartbeat,
    );
    const gate = new HalfOpenGate(this.descriptors, () => server.limits.rejected++);
    const tls = tlsMaterial[name];
    const options: ListenOptions = {
      host: settings.host,
      port: settings.port,
      gate,
      ...(tls ? { tls } : {}),
    };
    let listener: Listener;
    try {
      if (isTcp) {
        listener = await this.runtime.listenTcp(options, (connection) =>
          serveTcpClient(server, connection, { auth: this.auth }),
        );
      } else {
        const app = this.buildHttpApp(server, config, auth);
        listener = await this.runtime.serveHttp(this.routeHttp, options);
        // from here on both the new listener and the old one (while it drains) serve the new app
        this.httpApp = app;
      }
    } catch (error) {
      if (!(error instanceof TlsSetupError)) throw error;
      throw this.refusedTls(name, config, error);
    }
    this.gates[isTcp ? "tcp" : "http"] = gate;
    server.startHeartbeat();
    return { server, listener };
  }

  /** `[config] watch`: a watch on the config file while it is on (and there is a file). */
  private async syncConfigWatch(): Promise<void> {
    const path = this.reloader?.configFile;
    const wanted = this.config.config.watch && path !== undefined && !this.stopping;
    if (wanted && !this.configWatch) {
      this.configWatch = new ConfigFileWatch(
        this.runtime,
        path,
        () => void this.reload("config file changed"),
      );
      await this.configWatch.start();
    } else if (!wanted && this.configWatch) {
      await this.configWatch.close();
      this.configWatch = undefined;
    }
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
      state: this.state?.status(),
      stalledDisconnects: {
        tcp: this.tcp?.stalledDisconnects ?? 0,
        sse: this.sse?.stalledDisconnects ?? 0,
      },
      reload: this.reloads,
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
      state: this.state?.status(),
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
