// The second EntrySource: a NATS JetStream stream, all hosts' entries. One ordered consumer per serving
// instance, on `<subject_prefix>.>`, feeds the hub each message's entries with their stream positions as
// ids, so every filter, backlog, heartbeat, limit and the live view work as with local files. At start it
// reaches back far enough to fill the ring (`replay_size` entries), so `?backlog=N` and the live view work
// at once. While NATS is away viewers keep their connections (heartbeats go on) and /status says so; the
// consumer goes on from the message after the last one handed to the hub, none lost and none twice.

import type { NatsLink, NatsLinkState, NatsMessage, NatsStreamInfo } from "../nats-port.ts";
import { streamIdentity } from "./entry-id.ts";
import type { EntrySource, HistoryMessage, SourceFileStatus, StreamHistory } from "./entry-source.ts";
import type { Hub } from "./hub.ts";

const decoder = new TextDecoder();

/** How long the source waits before connecting again after NATS could not be reached or hung up. */
export const RECONNECT_DELAY_MS = 1000;
/** How often the stream's size is asked for while connected (the consumer's lag in /status). */
export const STREAM_INFO_INTERVAL_MS = 2000;

export interface NatsSourceOptions {
  readonly connect: () => Promise<NatsLink>;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** The stream as logwisp makes it when it does not exist yet (the publishers make it the same way). */
  readonly streamConfig: { maxBytes: number; maxAgeMs: number; duplicateWindowMs: number };
  /** Entries the ring holds: the consumer starts far enough back to fill it. */
  readonly replaySize: number;
  readonly log: (line: string) => void;
}

/** The serve part of /status `nats`. */
export interface NatsServeStatus {
  readonly state: "connecting" | "connected" | "unreachable" | "stopped";
  readonly server: string | null;
  readonly stream: string;
  readonly stream_id: string | null;
  /** The last message the consumer handed to the hub (0: none yet). */
  readonly consumer_seq: number;
  /** Messages the stream holds after it (as of the last look at the stream). */
  readonly lag: number;
  readonly consumed_messages: number;
  readonly consumed_entries: number;
}

/** A message's payload: the entries' JSON texts, one per line (serialised JSON holds no raw newline). */
export function entriesOf(data: Uint8Array): string[] {
  const text = decoder.decode(data);
  return text === "" ? [] : text.split("\n");
}

export class NatsSource implements EntrySource {
  private link: NatsLink | undefined;
  private consumer: { stop(): Promise<void> } | undefined;
  private identity: string | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private state: NatsServeStatus["state"] = "connecting";
  /** The last message handed to the hub. */
  private consumedSeq = 0;
  private streamLastSeq = 0;
  private consumedMessages = 0;
  private consumedEntries = 0;
  private infoTimer: ReturnType<typeof setInterval> | undefined;
  private wake: (() => void) | undefined;
  /** The last failure said on stderr: said once, not on every retry. */
  private lastSaid = "";

  constructor(
    private readonly hub: Hub,
    private readonly options: NatsSourceOptions,
  ) {}

  /** Resolves after the first attempt to reach NATS, reached or not: a viewer starts while NATS is away. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.loop = this.run(resolve);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = "stopped";
    this.wake?.();
    clearInterval(this.infoTimer);
    await this.consumer?.stop().catch(() => {});
    await this.link?.close().catch(() => {});
    await this.loop;
  }

  /** No files: the entries come from other hosts. */
  status(): readonly SourceFileStatus[] {
    return [];
  }

  serveStatus(): NatsServeStatus {
    return {
      state: this.state,
      server: this.link?.server ?? null,
      stream: this.options.stream,
      stream_id: this.identity ?? null,
      consumer_seq: this.consumedSeq,
      lag: Math.max(0, this.streamLastSeq - this.consumedSeq),
      consumed_messages: this.consumedMessages,
      consumed_entries: this.consumedEntries,
    };
  }

  /** Connects, consumes until the link closes, and connects again, until stopped. */
  private async run(started: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        const link = await this.options.connect();
        this.link = link;
        const closed = new Promise<void>((resolve) => {
          link.onState((state, detail) => {
            this.onState(state, detail);
            if (state === "closed") resolve();
          });
        });
        await this.serve(link);
        started();
        this.say(`nats: serving stream ${this.options.stream} from ${link.server ?? "?"}`);
        await Promise.race([closed, this.stoppedSignal()]);
      } catch (error) {
        this.state = "unreachable";
        this.say(`nats: cannot serve stream ${this.options.stream}: ${messageOf(error)}; trying again`);
        started();
      }
      clearInterval(this.infoTimer);
      await this.consumer?.stop().catch(() => {});
      this.consumer = undefined;
      if (!this.stopped) await this.link?.close().catch(() => {});
      if (!this.stopped) await this.sleep(RECONNECT_DELAY_MS);
    }
  }

  /** Finds (or makes) the stream and starts the consumer after the last message handed to the hub. */
  private async serve(link: NatsLink): Promise<void> {
    const { stream, subjectPrefix, streamConfig } = this.options;
    const info = await link.ensureStream({ name: stream, subjects: [`${subjectPrefix}.>`], ...streamConfig });
    const identity = streamIdentity(info.name, info.created);
    const history = this.historyOf(link, identity);
    // the same stream as before a reconnect: go on after what the hub has; else start over, warm
    let startSeq = this.identity === identity ? this.consumedSeq + 1 : await this.warmStart(link, info);
    if (this.identity !== identity) this.consumedSeq = startSeq - 1;
    startSeq = Math.max(startSeq, 1);
    this.identity = identity;
    this.streamLastSeq = info.lastSeq;
    this.hub.serveStream(history, { seq: startSeq - 1, index: Number.POSITIVE_INFINITY });
    this.consumer = await link.consume(stream, `${subjectPrefix}.>`, startSeq, (message) =>
      this.handOn(message),
    );
    this.state = "connected";
    this.infoTimer = setInterval(() => {
      link.streamInfo(stream).then(
        (latest) => {
          this.streamLastSeq = latest.lastSeq;
        },
        () => {},
      );
    }, STREAM_INFO_INTERVAL_MS);
  }

  /** One message: its entries go to the hub as one batch, named by their positions in the stream. */
  private handOn(message: NatsMessage): void {
    // a message redelivered after a reconnect was handed on already
    if (message.seq <= this.consumedSeq) return;
    this.consumedSeq = message.seq;
    if (message.seq > this.streamLastSeq) this.streamLastSeq = message.seq;
    const jsons = entriesOf(message.data);
    this.consumedMessages++;
    this.consumedEntries += jsons.length;
    if (jsons.length === 0) return;
    const positions = jsons.map((_, index) => ({ seq: message.seq, index }));
    this.hub.publishBatch(jsons, undefined, positions);
  }

  /**
   * The sequence to consume from so that the ring fills with the last `replaySize` entries: walks back from
   * the stream's last message, counting each message's entries, until that many are behind it.
   */
  private async warmStart(link: NatsLink, info: NatsStreamInfo): Promise<number> {
    let entries = 0;
    let seq = info.lastSeq;
    for (; seq >= info.firstSeq && seq >= 1 && entries < this.options.replaySize; seq--) {
      const message = await link.getMessage(this.options.stream, seq);
      if (message) entries += countOf(message);
    }
    return seq + 1;
  }

  private historyOf(link: NatsLink, identity: string): StreamHistory {
    const { stream } = this.options;
    return {
      identity,
      async read(seq: number): Promise<HistoryMessage> {
        const message = await link.getMessage(stream, seq);
        if (message) return { kind: "entries", jsons: entriesOf(message.data) };
        const info = await link.streamInfo(stream);
        return seq < info.firstSeq ? { kind: "gone", firstSeq: info.firstSeq } : { kind: "missing" };
      },
    };
  }

  private onState(state: NatsLinkState, detail: string): void {
    if (this.stopped) return;
    if (state === "connected") {
      this.state = "connected";
      this.say(`nats: connected to ${this.link?.server ?? "?"}`);
    } else {
      this.state = "unreachable";
      this.say(`nats: ${state === "closed" ? "connection closed" : "reconnecting"} (${detail})`);
    }
  }

  private say(line: string): void {
    if (line === this.lastSaid) return;
    this.lastSaid = line;
    this.options.log(line);
  }

  private stoppedSignal(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (this.stopped) resolve();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Entries in a message: its `Logwisp-Count` header, else its lines. */
function countOf(message: NatsMessage): number {
  const header = Number(message.headers.get("Logwisp-Count"));
  return Number.isInteger(header) && header >= 0 ? header : entriesOf(message.data).length;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
