// The NATS port: what the core needs of a NATS JetStream client, in the core's terms. The adapters implement it
// (src/adapters/_shared/nats.ts, with @nats-io/transport-node and @nats-io/jetstream, loaded only when [nats]
// url is set); the fake runtime has an in-memory one. The core never imports @nats-io/* itself.

export interface NatsConnectOptions {
  /** `nats://host:port` or `tls://host:port`, as parseNatsServers normalised them. */
  servers: string[];
  /** The connection's name, as the server's monitoring shows it. */
  name: string;
  token?: string;
  user?: string;
  password?: string;
  /** Path of a credentials file (JWT and NKey seed). */
  credsFile?: string;
  /** Paths of PEM files. */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** One stored message of a stream. */
export interface NatsMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: ReadonlyMap<string, string>;
  /** When the server stored it, in ms since the epoch. */
  timeMs: number;
}

export interface NatsStreamInfo {
  name: string;
  /** When the stream was created (ISO 8601): with the name, what tells a stream from one re-created under it. */
  created: string;
  messages: number;
  bytes: number;
  /** 0 when the stream is empty (and firstSeq is then lastSeq + 1). */
  firstSeq: number;
  lastSeq: number;
}

export type NatsLinkState = "connected" | "reconnecting" | "closed";

/** A stream's subjects and limits, as logwisp creates it. */
export interface NatsStreamConfig {
  name: string;
  subjects: string[];
  /** 0: no limit. */
  maxBytes: number;
  /** 0: no limit. */
  maxAgeMs: number;
  duplicateWindowMs: number;
}

/** Raised by connect (and reported through onState) when the server refused the credentials. */
export class NatsAuthError extends Error {
  constructor(
    readonly server: string,
    detail: string,
  ) {
    super(`NATS server ${server} refused the credentials: ${detail}`);
    this.name = "NatsAuthError";
  }
}

/** Raised when a request got no answer in time, or the connection is down: worth retrying. */
export class NatsUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "NatsUnavailableError";
  }
}

/** One connection, with the JetStream operations logwisp uses. */
export interface NatsLink {
  readonly state: NatsLinkState;
  /** The server it is connected to (or was last), `host:port`. */
  readonly server: string | undefined;
  /** Called on every change of state; `detail` says why (the server, the error). */
  onState(listener: (state: NatsLinkState, detail: string) => void): void;
  /** The stream's info; creates it when missing, adds the subjects when it lacks them. */
  ensureStream(cfg: NatsStreamConfig): Promise<NatsStreamInfo>;
  streamInfo(stream: string): Promise<NatsStreamInfo>;
  /**
   * Publishes one message and waits for the stream's ack; `duplicate` when the stream already held `msgId`
   * within its duplicate window (stored once: `seq` is the first one's). Rejects on timeout or when down.
   */
  publish(
    subject: string,
    data: Uint8Array,
    headers: ReadonlyMap<string, string>,
    msgId: string,
    timeoutMs: number,
  ): Promise<{ seq: number; duplicate: boolean }>;
  /** The message at `seq`; undefined when the stream does not hold it (never had it, or it aged out). */
  getMessage(stream: string, seq: number): Promise<NatsMessage | undefined>;
  /** The newest message on exactly `subject`; undefined when there is none. */
  lastBySubject(stream: string, subject: string): Promise<NatsMessage | undefined>;
  /** An ordered consumer from startSeq (>= 1), for every subject under filterSubject. */
  consume(
    stream: string,
    filterSubject: string,
    startSeq: number,
    onMessage: (msg: NatsMessage) => void,
  ): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export interface NatsConnector {
  /**
   * Connects to the first server that answers. Rejects with NatsAuthError when a server refuses the
   * credentials, with NatsUnavailableError when none answers (the caller retries: see fanout/nats-link.ts).
   * Once connected, the link reconnects by itself whenever the connection is lost (state "reconnecting").
   */
  connect(options: NatsConnectOptions): Promise<NatsLink>;
}
