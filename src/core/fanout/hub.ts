// Fan-out. publish() never waits for a client: each subscriber has a bounded queue of buffer_size items,
// and when it is full the new entry is dropped for that subscriber only, and counted. Every entry gets the
// next sequence number and, with replay on, a place in the ring, whether or not anyone is connected.

import type { LogEntry } from "../entry/entry.ts";
import { encodeJsonLines, encodeSseDataFrames } from "../wire/framing.ts";
import type { PublishedEntry, StreamPosition } from "../wire/published-entry.ts";
import { describeJson } from "./describe-json.ts";
import { type EntryId, runIdOf } from "./entry-id.ts";
import type { StreamHistory } from "./entry-source.ts";
import { ReplayRing, type RingExport } from "./replay.ts";
import { planStreamStart, StreamCatchUp, type StreamReplayHost } from "./stream-catch-up.ts";
import { levelIndex, type StreamFilter } from "./stream-filter.ts";
import {
  type ReplaySource,
  ROOM_WAIT_MS,
  Subscriber,
  type Transport,
  type TransportCounters,
} from "./subscriber.ts";

export {
  type Batch,
  ROOM_WAIT_MS,
  SLOW_CLIENT_COOLDOWN_MS,
  Subscriber,
  type Transport,
  type TransportCounters,
} from "./subscriber.ts";

/**
 * The most the reader waits for room in any one second, all clients together. A client that takes its
 * queue steadily but slower than the log grows is never stuck long enough to count as slow: without this
 * budget it would pace the reader, and every other client, to its own speed.
 */
export const ROOM_WAIT_BUDGET_MS_PER_SECOND = 250;

export interface HubOptions {
  /** `[monitor] replay_size`: entries the ring keeps; 0 (the default here) keeps none. */
  readonly replaySize?: number;
  /** `[monitor] replay_max_bytes`: the ring's bound in bytes of JSON text (default 16 MiB). */
  readonly replayMaxBytes?: number;
  /** The `<run>` part of every id; by default this hub's creation time. */
  readonly runId?: string;
}

/** Where a new client's stream starts; by default with the next entry published. */
export interface StreamStart {
  /** Resume after this entry: the ring's entries after it, or after a gap everything it holds. */
  readonly after?: EntryId | undefined;
  /** Also the last N entries that pass the filter, up to `after` (or up to now). */
  readonly backlog?: number | undefined;
  /**
   * Also the held entries whose time is at or after this (an entry's `time` text); with `backlog`, at most
   * that many of them (the newest).
   */
  readonly since?: string | undefined;
}

export interface SubscribeOptions {
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly bufferSize: number;
  readonly filter?: StreamFilter | undefined;
  readonly start?: StreamStart;
  /**
   * The client was connected since `start.after` (a TCP client waiting for its options line): entries it
   * can no longer have count as dropped for it.
   */
  readonly connectedSinceStart?: boolean;
  /** Let in now, started later by start() (a TCP client given time for its options line). */
  readonly held?: boolean;
}

/** What start() decides for a held subscriber. */
export interface StartOptions {
  readonly filter?: StreamFilter | undefined;
  readonly start: StreamStart;
  readonly connectedSinceStart?: boolean;
}

const NO_BYTES = new Uint8Array(0);

/**
 * An earlier run whose ids this hub still honours, up to `upToSeq`: the ids of the entries saved with the
 * ring before a crash. Its later ids name entries that were lost with the process.
 */
export interface EarlierRun {
  readonly run: string;
  readonly upToSeq: number;
}

/** Earlier runs remembered at most (each crash in a row adds one). */
const EARLIER_RUNS_KEPT = 16;

export class Hub implements StreamReplayHost {
  readonly counters: Record<Transport, TransportCounters> = {
    tcp: { connections: 0, delivered: 0, dropped: 0 },
    sse: { connections: 0, delivered: 0, dropped: 0 },
  };
  /** Replaced (its newest entries copied) when a reload changes replay_size or replay_max_bytes. */
  ring: ReplayRing;
  private run: string;
  private idPrefix: string;
  private earlier: EarlierRun[] = [];
  /** The newest seq of a ring restored at start (see restore). */
  private restoredSeq = 0;
  /** Served from NATS: the stream, and how far the hub has been fed from it. */
  private served: StreamHistory | undefined;
  private newestServed: StreamPosition | undefined;
  private readonly subscribers = new Set<Subscriber>();
  /** The reader's waits for room in the current one-second window (see ROOM_WAIT_BUDGET_MS_PER_SECOND). */
  private waitWindowStart = 0;
  private waitedInWindow = 0;
  private nextId = 1;
  /** What a client catching up reads from. */
  private readonly replaySource: ReplaySource;

  constructor(options: HubOptions = {}) {
    this.ring = new ReplayRing(options.replaySize ?? 0, options.replayMaxBytes);
    const hub = this;
    this.replaySource = {
      get ring() {
        return hub.ring;
      },
      encode: (entries, transport) => this.encode(entries, transport),
      streamReaderFrom: (next) => (this.served ? new StreamCatchUp(this, next) : undefined),
    };
    this.run = options.runId ?? runIdOf(Date.now());
    this.idPrefix = `${this.run}-`;
  }

  /** The `<run>` part of every id. */
  get runId(): string {
    return this.run;
  }

  /** Earlier runs whose ids are honoured up to a seq (see restore). */
  get earlierRuns(): readonly EarlierRun[] {
    return this.earlier;
  }

  /**
   * Before anything is published: the ring saved by an earlier run, and its ids. `run`: the run to go on
   * as (after a clean stop, the saved one, so every id stays valid); `earlier`: runs whose ids stay valid
   * up to a seq (after a crash, the saved run up to the newest entry saved).
   */
  restore(saved: RingExport, run: string, earlier: readonly EarlierRun[]): void {
    this.ring.restore(saved);
    this.restoredSeq = this.ring.newestSeq;
    this.run = run;
    this.idPrefix = `${run}-`;
    // a run whose ids all lie before what the ring holds adds nothing that an unknown run would not
    this.earlier = earlier
      .filter((entry) => entry.run !== run && entry.upToSeq >= this.ring.oldestSeq - 1)
      .slice(-EARLIER_RUNS_KEPT);
  }

  /** Entries published by this process (seqs go on from a restored ring's: those are not counted). */
  get published(): number {
    return this.ring.newestSeq - this.restoredSeq;
  }

  /** Whether the ring keeps entries (`replay_size` > 0): then every entry is parsed and kept. */
  get replays(): boolean {
    return this.ring.capacity > 0;
  }

  /** The SSE id of an entry. */
  idOf(seq: number): string {
    const position = this.served && this.ring.positionOf(seq);
    return position ? `${this.idPrefix}${position.seq}.${position.index}` : `${this.idPrefix}${seq}`;
  }

  /** The stream served (from NATS), once reached. */
  get history(): StreamHistory | undefined {
    return this.served;
  }

  /** Served from NATS: everything up to here was published (index Infinity: all of that message). */
  get newestPosition(): StreamPosition | undefined {
    return this.newestServed;
  }

  /**
   * From now on entries come from `history` (NATS), the next one after `consumedThrough`: ids name stream
   * positions, and a resume before the ring reads the stream. Another stream than before (deleted and
   * made again) empties the ring: its positions are not this stream's.
   */
  serveStream(history: StreamHistory, consumedThrough: StreamPosition): void {
    if (this.served && this.served.identity !== history.identity) this.ring.clear();
    this.served = history;
    this.newestServed = consumedThrough;
    this.idPrefix = `${history.identity}-`;
  }

  /** Every subscriber's way out (one function for all of them, not a closure each). */
  private readonly leave = (subscriber: Subscriber): void => {
    this.subscribers.delete(subscriber);
  };

  /**
   * A new client. With `start`, its stream begins with entries from the ring (a backlog or a resume), then
   * goes on live; decided and set up in one synchronous step, so no entry published meanwhile is missed or
   * delivered twice.
   */
  subscribe(options: SubscribeOptions): Subscriber {
    const counters = this.counters[options.transport];
    counters.connections++;
    const subscriber = new Subscriber({
      id: `${options.transport}-${this.nextId++}`,
      transport: options.transport,
      remoteAddress: options.remoteAddress,
      capacity: options.bufferSize,
      filter: options.filter,
      counters,
      replay: this.replaySource,
      onLeave: this.leave,
    });
    if (options.held) subscriber.hold((options.start?.after?.seq ?? this.ring.newestSeq) + 1);
    else if (options.start) this.startFrom(subscriber, options.start, options.connectedSinceStart ?? false);
    this.subscribers.add(subscriber);
    return subscriber;
  }

  /** Starts a held subscriber: its filter, and where its stream begins (like subscribe's `start`). */
  start(subscriber: Subscriber, options: StartOptions): void {
    subscriber.release(options.filter);
    this.startFrom(subscriber, options.start, options.connectedSinceStart ?? false);
  }

  private startFrom(subscriber: Subscriber, start: StreamStart, connectedSinceStart: boolean): void {
    if (this.served) {
      this.startFromStream(subscriber, start);
      return;
    }
    const { ring } = this;
    const newest = ring.newestSeq;
    let from = newest + 1;
    const { backlog } = start;
    let after = start.after;
    const earlier =
      after && after.run !== this.run ? this.earlier.find((e) => e.run === after?.run) : undefined;
    if (after && earlier && after.seq > earlier.upToSeq) {
      // an id from after the last save of a run that crashed: the entries it came after were lost with that
      // process and read again since, so what it missed is unknown; from the first entry after the save
      subscriber.reportGap(null, "restart", false);
      after = { run: this.run, seq: earlier.upToSeq };
    } else if (after && earlier) after = { run: this.run, seq: after.seq };
    if (after && after.run !== this.run) {
      // the id is from an earlier run: what it missed is unknown, everything this run has is new to it
      subscriber.reportGap(null, "restart", false);
      from = ring.oldestSeq;
    } else if (after) {
      const wanted = Math.min(after.seq, newest) + 1;
      from = Math.max(wanted, ring.oldestSeq);
      if (wanted < ring.oldestSeq)
        subscriber.reportGap(ring.oldestSeq - wanted, "evicted", connectedSinceStart);
    }
    // the history asked for: from `since`, cut to the last `backlog` entries when both are given
    let history = start.since === undefined ? undefined : ring.firstAtOrAfter(start.since);
    if (backlog !== undefined && backlog > 0) {
      const backlogFrom = this.backlogStart(backlog, subscriber.filter, from - 1);
      history = history === undefined ? backlogFrom : Math.max(history, backlogFrom);
    }
    if (history !== undefined) from = Math.min(from, history);
    if (from <= newest) subscriber.catchUpFrom(from);
  }

  /**
   * Served from NATS: an id of this stream resumes after its position, from the ring or the stream; one of
   * this run (a TCP client given time for its options line) after the entry the hub numbered so; any other
   * is treated as absent.
   */
  private startFromStream(subscriber: Subscriber, start: StreamStart): void {
    const { after } = start;
    let position: StreamPosition | undefined;
    if (after?.index !== undefined && after.run === this.served?.identity)
      position = { seq: after.seq, index: after.index };
    else if (after && after.index === undefined && after.run === this.runId)
      position = after.seq >= this.ring.newestSeq ? this.newestServed : this.ring.positionOf(after.seq);
    const plan = planStreamStart(this, position, start.backlog ?? 0, subscriber.filter);
    if (plan.kind === "ring") subscriber.catchUpFrom(plan.seq, plan.next);
    else if (plan.kind === "stream") subscriber.catchUpFromStream(plan.reader);
  }

  /** The seq from which the last `count` held entries up to `upTo` that pass `filter` begin. */
  private backlogStart(count: number, filter: StreamFilter | undefined, upTo: number): number {
    const oldest = this.ring.oldestSeq;
    if (!filter) return Math.max(oldest, upTo - count + 1);
    let found = 0;
    for (let seq = upTo; seq >= oldest; seq--) {
      if (filter.matches(this.ring.get(seq) as PublishedEntry) && ++found === count) return seq;
    }
    return oldest;
  }

  clients(): Subscriber[] {
    return [...this.subscribers];
  }

  activeClients(transport?: Transport): number {
    if (!transport) return this.subscribers.size;
    let count = 0;
    for (const subscriber of this.subscribers) if (subscriber.transport === transport) count++;
    return count;
  }

  publish(json: string): void {
    this.publishBatch([json]);
  }

  /** Entries nobody will see (replay off, no client): they take their sequence numbers, nothing else. */
  countUnsent(count: number): void {
    this.ring.skip(count);
  }

  /**
   * Entries read together, numbered, kept in the ring, and encoded once per framing into one buffer that
   * every unfiltered client of that framing shares: per entry there is no encode per client, and per
   * client one queue push per batch, not per entry. Filtered clients share one encoding per distinct
   * filter. `parsed` (same order) spares filters re-reading the JSON; without it, it is read from `jsons`.
   */
  publishBatch(
    jsons: readonly string[],
    parsed?: readonly LogEntry[],
    positions?: readonly StreamPosition[],
  ): void {
    const count = jsons.length;
    if (count === 0) return;
    const entries = this.number(jsons, parsed, positions);
    if (positions) this.newestServed = positions[count - 1];
    let sse: Uint8Array | undefined;
    let jsonLines: Uint8Array | undefined;
    if (this.replays) {
      // the ring copies the JSON-lines batch in one piece: one encode for the ring and the TCP clients
      // (encoding each entry into the ring on its own cost twice the batch's one encode)
      jsonLines = this.encode(entries, "tcp");
      this.ring.pushLines(entries, jsonLines);
    } else for (const entry of entries) this.ring.push(entry);
    let subsets: Map<string, PublishedEntry[]> | undefined;
    let encoded: Map<string, Uint8Array> | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.isCatchingUp) continue;
      const { filter, transport } = subscriber;
      if (filter === undefined) {
        if (transport === "sse") {
          sse ??= this.encode(entries, "sse");
          subscriber.offerEntries(sse, count, entries);
        } else {
          jsonLines ??= this.encode(entries, "tcp");
          subscriber.offerEntries(jsonLines, count, entries);
        }
        continue;
      }
      subsets ??= new Map();
      encoded ??= new Map();
      let subset = subsets.get(filter.key);
      if (!subset) {
        subset = entries.filter((entry, i) => filter.matches(entry, parsed?.[i]));
        subsets.set(filter.key, subset);
      }
      if (subset.length === 0) continue;
      const key = `${transport} ${filter.key}`;
      let bytes = encoded.get(key);
      if (!bytes) {
        bytes = this.encode(subset, transport);
        encoded.set(key, bytes);
      }
      subscriber.offerEntries(bytes, subset.length, subset);
    }
  }

  /** Gives each entry the next sequence number (the ring takes it when the entry is pushed). */
  private number(
    jsons: readonly string[],
    parsed: readonly LogEntry[] | undefined,
    positions: readonly StreamPosition[] | undefined,
  ): PublishedEntry[] {
    const entries: PublishedEntry[] = new Array(jsons.length);
    let seq = this.ring.peekSeq();
    for (let i = 0; i < jsons.length; i++) {
      const json = jsons[i] as string;
      const entry = parsed?.[i] ?? describeJson(json);
      entries[i] = positions
        ? { seq: seq++, json, source: entry.source, level: levelIndex(entry.level), position: positions[i] }
        : { seq: seq++, json, source: entry.source, level: levelIndex(entry.level) };
    }
    return entries;
  }

  private encode(entries: readonly PublishedEntry[], transport: Transport): Uint8Array {
    if (entries.length === 0) return NO_BYTES;
    return transport === "sse" ? encodeSseDataFrames(entries, this.idPrefix) : encodeJsonLines(entries);
  }

  /**
   * Resolves once every client that keeps reading has room for `entries` more: a burst is read at the pace
   * of the clients that keep up, so they lose nothing, and the file (not a queue) holds the backlog. A
   * client that does not take its queue within ROOM_WAIT_MS is then not waited for (SLOW_CLIENT_COOLDOWN_MS):
   * publish itself never blocks, and a slow client slows no one for long.
   */
  async waitForRoom(entries: number): Promise<void> {
    for (let subscriber = this.needingRoom(entries); subscriber; subscriber = this.needingRoom(entries)) {
      const started = Date.now();
      if (started - this.waitWindowStart >= 1000) {
        this.waitWindowStart = started;
        this.waitedInWindow = 0;
      }
      const budget = ROOM_WAIT_BUDGET_MS_PER_SECOND - this.waitedInWindow;
      if (budget <= 0) return;
      // only a wait that ended in progress is charged: a stuck client is benched by its cool-down instead,
      // and must not spend the budget that a client that keeps reading needs in the same second
      if (await subscriber.waitForProgress(Math.min(ROOM_WAIT_MS, budget)))
        this.waitedInWindow += Date.now() - started;
    }
  }

  private needingRoom(entries: number): Subscriber | undefined {
    const now = Date.now();
    for (const subscriber of this.subscribers) if (subscriber.needsRoomFor(entries, now)) return subscriber;
    return undefined;
  }

  /**
   * A frame that is not a log entry (heartbeat, named event) for every client of one transport; answers how
   * many queued it (a client with a full queue, held or ending does not).
   */
  broadcast(transport: Transport, bytes: Uint8Array): number {
    let queued = 0;
    for (const subscriber of this.subscribers)
      if (subscriber.transport === transport && subscriber.offer(bytes, false)) queued++;
    return queued;
  }

  /**
   * A reload's new replay_size / replay_max_bytes: a new ring holding the newest entries of the old one that
   * fit it, with the same sequence numbers, so ids and resumes go on as if it had always had this size.
   */
  reconfigure(options: { readonly replaySize: number; readonly replayMaxBytes: number }): void {
    const old = this.ring;
    if (old.capacity === options.replaySize && old.maxBytes === options.replayMaxBytes) return;
    const ring = new ReplayRing(options.replaySize, options.replayMaxBytes);
    const keep = Math.min(old.size, options.replaySize);
    const first = old.newestSeq - keep + 1;
    // the numbers before the kept entries are taken, not held: the next entry gets the next seq
    ring.skip(first - 1);
    for (let seq = first; seq <= old.newestSeq; seq++) {
      const entry = old.get(seq);
      if (entry === undefined) continue;
      const { json, source, level, position } = entry;
      // served from NATS, each entry keeps its stream position (its id)
      ring.push(position ? { seq, json, source, level, position } : { seq, json, source, level });
    }
    this.ring = ring;
  }

  /** The ring, for /status. */
  replayStatus() {
    const { ring } = this;
    return {
      replay_size: ring.capacity,
      replay_max_bytes: ring.maxBytes,
      entries: ring.size,
      bytes: ring.bytes,
      oldest_id: ring.size > 0 ? this.idOf(ring.oldestSeq) : null,
      newest_id: ring.size > 0 ? this.idOf(ring.newestSeq) : null,
    };
  }
}
