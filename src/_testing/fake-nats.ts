// An in-memory NATS JetStream for unit tests: streams with sequence numbers, subjects with wildcards, a dedupe
// window on Nats-Msg-Id, a byte limit, ordered consumers, and switches to take the server away and back,
// refuse credentials, or hold publish acks. What the real server does that matters to logwisp, no more.
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
} from "../core/nats-port.ts";

interface FakeStream {
  readonly config: NatsStreamConfig;
  readonly created: string;
  readonly messages: NatsMessage[];
  /** Msg id → the seq and time it was first stored. */
  readonly ids: Map<string, { seq: number; timeMs: number }>;
  lastSeq: number;
  bytes: number;
  readonly consumers: Set<(msg: NatsMessage) => void>;
}

/** `a.*.c` and `a.>` against a subject. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split(".");
  const have = subject.split(".");
  for (let index = 0; index < want.length; index++) {
    if (want[index] === ">") return have.length > index;
    if (index >= have.length) return false;
    if (want[index] !== "*" && want[index] !== have[index]) return false;
  }
  return want.length === have.length;
}

function sizeOf(msg: NatsMessage): number {
  let size = msg.subject.length + msg.data.length;
  for (const [key, value] of msg.headers) size += key.length + value.length + 4;
  return size;
}

export class FakeNatsServer {
  readonly streams = new Map<string, FakeStream>();
  readonly server = "127.0.0.1:4222";
  /** Every publish call, in order (stored, duplicate or refused). */
  readonly publishes: { subject: string; msgId: string; outcome: "stored" | "duplicate" | "refused" }[] = [];
  /** The time the dedupe window and message times use. */
  now: () => number = () => Date.now();
  /** A connect refused as with wrong credentials. */
  refuseCredentials = false;
  /** Acks of publishes wait while this is set (see holdAcks / releaseAcks). */
  private held: (() => void)[] | undefined;
  private available = true;
  private readonly links = new Set<FakeNatsLink>();
  readonly connects: NatsConnectOptions[] = [];

  readonly connector: NatsConnector = {
    connect: async (options) => {
      this.connects.push(options);
      if (this.refuseCredentials) throw new NatsAuthError(this.server, "Authorization Violation");
      if (!this.available) throw new NatsUnavailableError(`no NATS server answered (${this.server})`);
      const link = new FakeNatsLink(this);
      this.links.add(link);
      return link;
    },
  };

  get up(): boolean {
    return this.available;
  }

  /** The server goes away: links are "reconnecting", publishes and requests reject. */
  stop(): void {
    this.available = false;
    for (const link of this.links) link.changeState("reconnecting", `lost ${this.server}`);
  }

  /** The server is back, with its streams. */
  start(): void {
    this.available = true;
    for (const link of this.links) link.changeState("connected", this.server);
  }

  holdAcks(): void {
    this.held ??= [];
  }

  releaseAcks(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const release of held) release();
  }

  /** Resolves once acks are not held. */
  async ackGate(): Promise<void> {
    if (this.held === undefined) return;
    await new Promise<void>((resolve) => this.held?.push(resolve));
  }

  forget(link: FakeNatsLink): void {
    this.links.delete(link);
  }

  stream(name: string): FakeStream {
    if (!this.available) throw new NatsUnavailableError("NATS server unavailable");
    const stream = this.streams.get(name);
    if (stream === undefined) throw new Error(`stream not found: ${name}`);
    return stream;
  }

  info(stream: FakeStream): NatsStreamInfo {
    const first = stream.messages[0]?.seq ?? stream.lastSeq + 1;
    return {
      name: stream.config.name,
      created: stream.created,
      messages: stream.messages.length,
      bytes: stream.bytes,
      firstSeq: stream.messages.length === 0 && stream.lastSeq === 0 ? 0 : first,
      lastSeq: stream.lastSeq,
    };
  }

  store(
    subject: string,
    data: Uint8Array,
    headers: ReadonlyMap<string, string>,
    msgId: string,
  ): { seq: number; duplicate: boolean } {
    if (!this.available) throw new NatsUnavailableError("NATS server unavailable");
    const stream = [...this.streams.values()].find((s) =>
      s.config.subjects.some((pattern) => subjectMatches(pattern, subject)),
    );
    if (stream === undefined) {
      this.publishes.push({ subject, msgId, outcome: "refused" });
      throw new NatsUnavailableError(`no stream for ${subject}`);
    }
    const now = this.now();
    const seen = stream.ids.get(msgId);
    if (seen !== undefined && now - seen.timeMs < stream.config.duplicateWindowMs) {
      this.publishes.push({ subject, msgId, outcome: "duplicate" });
      return { seq: seen.seq, duplicate: true };
    }
    const seq = ++stream.lastSeq;
    const msg: NatsMessage = {
      seq,
      subject,
      data,
      headers: new Map([...headers, ["Nats-Msg-Id", msgId]]),
      timeMs: now,
    };
    stream.messages.push(msg);
    stream.bytes += sizeOf(msg);
    stream.ids.set(msgId, { seq, timeMs: now });
    while (
      stream.config.maxBytes > 0 &&
      stream.bytes > stream.config.maxBytes &&
      stream.messages.length > 1
    ) {
      const oldest = stream.messages.shift();
      if (oldest !== undefined) stream.bytes -= sizeOf(oldest);
    }
    this.publishes.push({ subject, msgId, outcome: "stored" });
    for (const consumer of stream.consumers) consumer(msg);
    return { seq, duplicate: false };
  }

  addStream(cfg: NatsStreamConfig): FakeStream {
    const stream: FakeStream = {
      config: { ...cfg },
      created: new Date(this.now()).toISOString(),
      messages: [],
      ids: new Map(),
      lastSeq: 0,
      bytes: 0,
      consumers: new Set(),
    };
    this.streams.set(cfg.name, stream);
    return stream;
  }
}

class FakeNatsLink implements NatsLink {
  state: NatsLinkState = "connected";
  private readonly listeners: ((state: NatsLinkState, detail: string) => void)[] = [];

  constructor(private readonly fake: FakeNatsServer) {}

  get server(): string {
    return this.fake.server;
  }

  changeState(state: NatsLinkState, detail: string): void {
    if (this.state === "closed") return;
    this.state = state;
    for (const listener of this.listeners) listener(state, detail);
  }

  onState(listener: (state: NatsLinkState, detail: string) => void): void {
    this.listeners.push(listener);
  }

  async ensureStream(cfg: NatsStreamConfig): Promise<NatsStreamInfo> {
    if (!this.fake.up) throw new NatsUnavailableError("NATS server unavailable");
    const existing = this.fake.streams.get(cfg.name);
    if (existing === undefined) return this.fake.info(this.fake.addStream(cfg));
    for (const subject of cfg.subjects) {
      if (!existing.config.subjects.includes(subject)) existing.config.subjects.push(subject);
    }
    return this.fake.info(existing);
  }

  async streamInfo(stream: string): Promise<NatsStreamInfo> {
    return this.fake.info(this.fake.stream(stream));
  }

  async publish(
    subject: string,
    data: Uint8Array,
    headers: ReadonlyMap<string, string>,
    msgId: string,
  ): Promise<{ seq: number; duplicate: boolean }> {
    await this.fake.ackGate();
    // the server may have gone away while the ack was held
    return this.fake.store(subject, data, headers, msgId);
  }

  async getMessage(stream: string, seq: number): Promise<NatsMessage | undefined> {
    return this.fake.stream(stream).messages.find((msg) => msg.seq === seq);
  }

  async lastBySubject(stream: string, subject: string): Promise<NatsMessage | undefined> {
    return this.fake
      .stream(stream)
      .messages.filter((msg) => msg.subject === subject)
      .at(-1);
  }

  async consume(
    stream: string,
    filterSubject: string,
    startSeq: number,
    onMessage: (msg: NatsMessage) => void,
  ): Promise<{ stop(): Promise<void> }> {
    const target = this.fake.stream(stream);
    let stopped = false;
    const live = (msg: NatsMessage): void => {
      if (!stopped && msg.seq >= startSeq && subjectMatches(filterSubject, msg.subject)) {
        queueMicrotask(() => {
          if (!stopped) onMessage(msg);
        });
      }
    };
    queueMicrotask(() => {
      // as the real server: a start older than the stream holds starts at the first message it has
      for (const msg of target.messages) {
        if (!stopped && msg.seq >= startSeq && subjectMatches(filterSubject, msg.subject)) onMessage(msg);
      }
      target.consumers.add(live);
    });
    return {
      stop: async () => {
        stopped = true;
        target.consumers.delete(live);
      },
    };
  }

  async close(): Promise<void> {
    this.changeState("closed", "closed");
    this.fake.forget(this);
  }
}
