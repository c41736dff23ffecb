// The NATS port (src/core/nats-port.ts) on the official client: @nats-io/transport-node for the connection and
// @nats-io/jetstream for streams, publishing and consumers. Node, Bun and Deno all run it unchanged (Deno
// needs --allow-net for the servers, and --allow-read for a creds file or TLS files).
// https://github.com/nats-io/nats.js (transport-node, jetstream)
// Loaded only through loadNats(): a run without [nats] never imports these modules.
import { readFile } from "node:fs/promises";
import type { JetStreamClient, JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import type { ConnectionOptions, MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import {
  NatsAuthError,
  type NatsConnectOptions,
  type NatsConnector,
  type NatsLink,
  type NatsLinkState,
  type NatsMessage,
  type NatsStreamConfig,
  type NatsStreamInfo,
  NatsUnavailableError,
} from "../../core/nats-port.ts";

type Core = typeof import("@nats-io/transport-node");
type Js = typeof import("@nats-io/jetstream");

/** How long a first connection attempt to one server may take. */
const CONNECT_TIMEOUT_MS = 5000;
/** Between reconnection attempts once connected (the client keeps trying forever). */
const RECONNECT_WAIT_MS = 1000;
/** JetStream API requests (stream info, get message); a publish has its own timeout. */
const API_TIMEOUT_MS = 5000;
/** JetStream's "stream not found" API error code. */
const STREAM_NOT_FOUND = 10059;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function headerMap(headers: MsgHdrs | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (headers === undefined) return map;
  for (const key of headers.keys()) map.set(key, headers.get(key));
  return map;
}

function streamInfoOf(info: {
  config: { name: string };
  created: string;
  state: { messages: number; bytes: number; first_seq: number; last_seq: number };
}): NatsStreamInfo {
  return {
    name: info.config.name,
    created: info.created,
    messages: info.state.messages,
    bytes: info.state.bytes,
    firstSeq: info.state.first_seq,
    lastSeq: info.state.last_seq,
  };
}

function storedMessage(stored: StoredMsg): NatsMessage {
  return {
    seq: stored.seq,
    subject: stored.subject,
    data: stored.data,
    headers: headerMap(stored.header),
    timeMs: stored.time.getTime(),
  };
}

async function connectionOptions(core: Core, options: NatsConnectOptions): Promise<ConnectionOptions> {
  const connection: ConnectionOptions = {
    servers: options.servers,
    name: options.name,
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
  };
  if (options.token !== undefined) connection.token = options.token;
  if (options.user !== undefined) connection.user = options.user;
  if (options.password !== undefined) connection.pass = options.password;
  if (options.credsFile !== undefined) {
    connection.authenticator = core.credsAuthenticator(await readFile(options.credsFile));
  }
  const tls = options.tls;
  // the client strips the scheme and negotiates TLS from the server's INFO; a `tls://` URL means "require
  // it", which the client does when given TLS options, even empty ones
  if (tls === undefined && options.servers.some((server) => server.startsWith("tls://"))) connection.tls = {};
  if (tls !== undefined) {
    connection.tls = {
      ...(tls.ca === undefined ? {} : { caFile: tls.ca }),
      ...(tls.cert === undefined ? {} : { certFile: tls.cert }),
      ...(tls.key === undefined ? {} : { keyFile: tls.key }),
    };
  }
  return connection;
}

class NatsClientLink implements NatsLink {
  state: NatsLinkState = "connected";
  server: string | undefined;
  private readonly listeners: ((state: NatsLinkState, detail: string) => void)[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly core: Core,
    private readonly jsModule: Js,
  ) {
    this.server = nc.getServer();
    void this.followStatus();
  }

  private setState(state: NatsLinkState, detail: string): void {
    this.state = state;
    for (const listener of this.listeners) listener(state, detail);
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") this.setState("reconnecting", `lost ${status.server}`);
      else if (status.type === "reconnect") {
        this.server = status.server;
        this.setState("connected", status.server);
      } else if (status.type === "error") {
        const detail = messageOf(status.error);
        if (this.state === "reconnecting") this.setState("reconnecting", detail);
      }
    }
    this.setState("closed", "connection closed");
  }

  onState(listener: (state: NatsLinkState, detail: string) => void): void {
    this.listeners.push(listener);
  }

  async ensureStream(cfg: NatsStreamConfig): Promise<NatsStreamInfo> {
    const { nanos } = this.core;
    try {
      const info = await this.jsm.streams.info(cfg.name);
      const missing = cfg.subjects.filter((subject) => !info.config.subjects?.includes(subject));
      if (missing.length === 0) return streamInfoOf(info);
      const subjects = [...(info.config.subjects ?? []), ...missing];
      return streamInfoOf(await this.jsm.streams.update(cfg.name, { subjects }));
    } catch (error) {
      if (!(error instanceof this.jsModule.JetStreamApiError) || error.code !== STREAM_NOT_FOUND) throw error;
    }
    // the window may not be longer than the age limit
    const windowMs = cfg.maxAgeMs > 0 ? Math.min(cfg.duplicateWindowMs, cfg.maxAgeMs) : cfg.duplicateWindowMs;
    const info = await this.jsm.streams.add({
      name: cfg.name,
      subjects: cfg.subjects,
      storage: this.jsModule.StorageType.File,
      retention: this.jsModule.RetentionPolicy.Limits,
      discard: this.jsModule.DiscardPolicy.Old,
      max_bytes: cfg.maxBytes > 0 ? cfg.maxBytes : -1,
      max_age: cfg.maxAgeMs > 0 ? nanos(cfg.maxAgeMs) : 0,
      duplicate_window: nanos(windowMs),
    });
    return streamInfoOf(info);
  }

  async streamInfo(stream: string): Promise<NatsStreamInfo> {
    return streamInfoOf(await this.jsm.streams.info(stream));
  }

  async publish(
    subject: string,
    data: Uint8Array,
    headers: ReadonlyMap<string, string>,
    msgId: string,
    timeoutMs: number,
  ): Promise<{ seq: number; duplicate: boolean }> {
    const natsHeaders = this.core.headers();
    for (const [key, value] of headers) natsHeaders.set(key, value);
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: msgId,
        timeout: timeoutMs,
        headers: natsHeaders,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      throw new NatsUnavailableError(`publish to ${subject}: ${messageOf(error)}`);
    }
  }

  async getMessage(stream: string, seq: number): Promise<NatsMessage | undefined> {
    const stored = await this.jsm.streams.getMessage(stream, { seq });
    return stored === null ? undefined : storedMessage(stored);
  }

  async lastBySubject(stream: string, subject: string): Promise<NatsMessage | undefined> {
    const stored = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    return stored === null ? undefined : storedMessage(stored);
  }

  async consume(
    stream: string,
    filterSubject: string,
    startSeq: number,
    onMessage: (msg: NatsMessage) => void,
  ): Promise<{ stop(): Promise<void> }> {
    // one filter subject (a string, not an array): nats-server 2.9 has no filter_subjects
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: filterSubject,
      deliver_policy: this.jsModule.DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, startSeq),
    });
    const messages = await consumer.consume({
      callback: (msg) => {
        onMessage({
          seq: msg.seq,
          subject: msg.subject,
          data: msg.data,
          headers: headerMap(msg.headers),
          timeMs: msg.time.getTime(),
        });
      },
    });
    return {
      stop: async () => {
        await messages.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function isAuthError(core: Core, error: unknown): boolean {
  return (
    error instanceof core.AuthorizationError ||
    error instanceof core.UserAuthenticationExpiredError ||
    /authori[sz]ation|authentication/i.test(messageOf(error))
  );
}

async function connect(core: Core, jsModule: Js, options: NatsConnectOptions): Promise<NatsLink> {
  const servers = options.servers.join(", ");
  let nc: NatsConnection;
  try {
    nc = await core.connect(await connectionOptions(core, options));
  } catch (error) {
    if (isAuthError(core, error)) throw new NatsAuthError(servers, messageOf(error));
    throw new NatsUnavailableError(`no NATS server answered (${servers}): ${messageOf(error)}`);
  }
  try {
    const jsm = await jsModule.jetstreamManager(nc, { timeout: API_TIMEOUT_MS });
    const js = jsModule.jetstream(nc, { timeout: API_TIMEOUT_MS });
    return new NatsClientLink(nc, js, jsm, core, jsModule);
  } catch (error) {
    await nc.close();
    throw new NatsUnavailableError(`JetStream is not available on ${nc.getServer()}: ${messageOf(error)}`);
  }
}

/** The Runtime's loadNats: imports the client now, and only now. */
export async function loadNats(): Promise<NatsConnector> {
  const [core, jsModule] = await Promise.all([
    import("@nats-io/transport-node"),
    import("@nats-io/jetstream"),
  ]);
  return { connect: (options) => connect(core, jsModule, options) };
}
