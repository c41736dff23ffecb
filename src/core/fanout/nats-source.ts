// The second EntrySource: a NATS JetStream stream, all hosts' entries. One ordered consumer per serving
// instance, on `<subject_prefix>.>`, feeds the hub each message's entries with their stream positions as
// ids, so every filter, backlog, heartbeat, limit and the live view work as with local files. At start it
// reaches back far enough to fill the ring (`replay_size` entries), so `?backlog=N` and the live view work
// at once. While NATS is away viewers keep their connections (heartbeats go on) and /status says so; the
// consumer goes on from the message after the last one handed to the hub, none lost and none twice.

import type { NatsLink, NatsLinkState, NatsMessage, NatsStreamConfig, NatsStreamInfo } from "../nats-port.ts";
import { COUNT_HEADER, decodeBatch } from "../wire/nats-batch.ts";
import type { StreamPosition } from "../wire/published-entry.ts";
import { streamIdentity } from "./entry-id.ts";
import type { EntrySource, HistoryMessage, SourceFileStatus, StreamHistory } from "./entry-source.ts";
import { hintWindowMs } from "./hint-window.ts";
import type { Hub } from "./hub.ts";

/** How long the source waits before trying again after it could not start consuming. */
export const RETRY_DELAY_MS = 1000;
/** How often the stream's size is asked for while connected (the consumer's lag in /status). */
export const STREAM_INFO_INTERVAL_MS = 2000;
/** How long start() waits for NATS (then the instance is ready, serving its clients while it tries on). */
export const START_GRACE_MS = 3000;
/** How long start() waits for the warm-up (the ring filled from the stream) once consuming. */
export const WARM_UP_GRACE_MS = 10_000;

export interface NatsSourceOptions {
  /** The instance's one connection (shared with its publisher); undefined once the instance stops. */
  readonly link: () => Promise<NatsLink | undefined>;
  /** The stream as logwisp makes it when it does not exist yet (the publishers make it the same way). */
  readonly streamConfig: NatsStreamConfig;
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
  /** Resolved when the warm-up reached the stream's last message at start. */
  private warmedUp: (() => void) | undefined;
  private warmUpSeq = 0;
  private wake: (() => void) | undefined;
  /** Entries of messages consumed and not yet handed to the hub (see handOn), with their positions. */
  private pendingJsons: string[] = [];
  private pendingPositions: StreamPosition[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushQueued = false;
  /** The last line said on stderr: a failure is said once, not on every retry. */
  private lastSaid = "";

  constructor(
    private readonly hub: Hub,
    private readonly options: NatsSourceOptions,
  ) {}

  /**
   * Resolves once consuming with the ring filled, or after the first failure, or after START_GRACE_MS
   * without NATS: a viewer starts (and keeps its clients) while NATS is away.
   */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, START_GRACE_MS);
      this.loop = this.run(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = "stopped";
    this.wake?.();
    this.warmedUp?.();
    clearInterval(this.infoTimer);
    await this.consumer?.stop().catch(() => {});
    this.consumer = undefined;
    this.flush();
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
      stream: this.options.streamConfig.name,
      stream_id: this.identity ?? null,
      consumer_seq: this.consumedSeq,
      lag: Math.max(0, this.streamLastSeq - this.consumedSeq),
      consumed_messages: this.consumedMessages,
      consumed_entries: this.consumedEntries,
    };
  }

  /** Waits for the link, then starts consuming, retrying until it could (the link reconnects by itself). */
  private async run(started: () => void): Promise<void> {
    let link: NatsLink | undefined;
    try {
      link = await this.options.link();
    } catch (error) {
      this.state = "unreachable";
      this.say(`NATS: cannot serve stream ${this.options.streamConfig.name}: ${messageOf(error)}`);
    }
    if (!link || this.stopped) {
      started();
      return;
    }
    this.link = link;
    if (link.state !== "connected") this.state = "unreachable";
    link.onState((state) => this.onState(state));
    while (!this.stopped) {
      try {
        await this.serve(link);
        started();
        return;
      } catch (error) {
        await this.consumer?.stop().catch(() => {});
        this.consumer = undefined;
        this.state = "unreachable";
        this.say(
          `NATS: cannot serve stream ${this.options.streamConfig.name}: ${messageOf(error)}; retrying`,
        );
        started();
        await this.sleep(RETRY_DELAY_MS);
      }
    }
  }

  /** Finds (or makes) the stream and starts the consumer: warm (filling the ring), or after what the hub has. */
  private async serve(link: NatsLink): Promise<void> {
    const { streamConfig } = this.options;
    const info = await link.ensureStream(streamConfig);
    const identity = streamIdentity(info.name, info.created);
    const startSeq = this.identity === identity ? this.consumedSeq + 1 : await this.warmStart(link, info);
    this.identity = identity;
    this.consumedSeq = startSeq - 1;
    this.streamLastSeq = info.lastSeq;
    this.flush();
    this.hub.serveStream(this.historyOf(link, identity), {
      seq: startSeq - 1,
      index: Number.POSITIVE_INFINITY,
    });
    const warm = new Promise<void>((resolve) => {
      this.warmUpSeq = info.lastSeq;
      this.warmedUp = resolve;
      if (this.consumedSeq >= info.lastSeq) resolve();
    });
    const filter = streamConfig.subjects[0] as string;
    this.consumer = await link.consume(streamConfig.name, filter, startSeq, (message) =>
      this.handOn(message),
    );
    this.state = link.state === "connected" ? "connected" : "unreachable";
    this.say(`NATS: serving stream ${streamConfig.name} from sequence ${startSeq}`);
    clearInterval(this.infoTimer);
    this.infoTimer = setInterval(() => this.refreshInfo(link), STREAM_INFO_INTERVAL_MS);
    await Promise.race([warm, new Promise((resolve) => setTimeout(resolve, WARM_UP_GRACE_MS))]);
  }

  /**
   * One message: its entries, named by their positions in the stream, join the batch the hub gets next.
   * Messages are small when a host writes a little at a time (one per read); each hub batch is one write
   * to every client, so the messages of one turn — or, with many clients, of a few ms (hint-window.ts) —
   * go as one batch.
   */
  private handOn(message: NatsMessage): void {
    // a message delivered again (the consumer made anew after a reconnect) was handed on already
    if (message.seq <= this.consumedSeq) return;
    this.consumedSeq = message.seq;
    if (message.seq > this.streamLastSeq) this.streamLastSeq = message.seq;
    if (message.seq >= this.warmUpSeq) this.warmedUp?.();
    const jsons = decodeBatch(message.data);
    this.consumedMessages++;
    this.consumedEntries += jsons.length;
    if (jsons.length === 0) return;
    for (let index = 0; index < jsons.length; index++) {
      this.pendingJsons.push(jsons[index] as string);
      this.pendingPositions.push({ seq: message.seq, index });
    }
    if (this.flushQueued) return;
    this.flushQueued = true;
    const windowMs = hintWindowMs(this.hub.activeClients());
    if (windowMs === 0) queueMicrotask(this.flush);
    else this.flushTimer = setTimeout(this.flush, windowMs);
  }

  private readonly flush = (): void => {
    clearTimeout(this.flushTimer);
    this.flushQueued = false;
    if (this.pendingJsons.length === 0) return;
    const jsons = this.pendingJsons;
    const positions = this.pendingPositions;
    this.pendingJsons = [];
    this.pendingPositions = [];
    this.hub.publishBatch(jsons, undefined, positions);
  };

  private refreshInfo(link: NatsLink): void {
    link.streamInfo(this.options.streamConfig.name).then(
      (latest) => {
        this.streamLastSeq = Math.max(this.streamLastSeq, latest.lastSeq);
      },
      () => {},
    );
  }

  /**
   * The sequence to consume from so that the ring fills with the last `replaySize` entries: walks back from
   * the stream's last message, counting each message's entries, until that many are behind it.
   */
  private async warmStart(link: NatsLink, info: NatsStreamInfo): Promise<number> {
    let entries = 0;
    let seq = info.lastSeq;
    for (; seq >= Math.max(info.firstSeq, 1) && entries < this.options.replaySize; seq--) {
      const message = await link.getMessage(this.options.streamConfig.name, seq);
      if (message) entries += countOf(message);
    }
    return seq + 1;
  }

  private historyOf(link: NatsLink, identity: string): StreamHistory {
    const stream = this.options.streamConfig.name;
    return {
      identity,
      async read(seq: number): Promise<HistoryMessage> {
        const message = await link.getMessage(stream, seq);
        if (message) return { kind: "entries", jsons: decodeBatch(message.data) };
        const info = await link.streamInfo(stream);
        // an empty stream says firstSeq = lastSeq + 1
        return seq < info.firstSeq ? { kind: "gone", firstSeq: info.firstSeq } : { kind: "missing" };
      },
    };
  }

  /** The connection's state as /status shows it (the service says on stderr when it is lost or back). */
  private onState(state: NatsLinkState): void {
    if (this.stopped) return;
    if (state !== "connected") this.state = "unreachable";
    else if (this.consumer) this.state = "connected";
  }

  private say(line: string): void {
    if (line === this.lastSaid) return;
    this.lastSaid = line;
    this.options.log(line);
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
  const header = Number(message.headers.get(COUNT_HEADER));
  return Number.isInteger(header) && header >= 0 ? header : decodeBatch(message.data).length;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
