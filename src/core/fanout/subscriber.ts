// One client's side of the hub: a bounded queue of frames, its counters, and — while it starts with a
// backlog or a resume — a cursor into the replay ring. A client catching up reads from the ring at the pace
// it takes its queue (a backlog larger than buffer_size is delivered in queue-sized batches, nothing held
// twice); once it reaches the newest entry it takes live batches like every other client, in the same
// synchronous step, so nothing is missed or repeated between the two.

import { concatBytes } from "../util/bytes.ts";
import type { GapReason } from "../wire/contract.ts";
import { encodeNamedEvent, endOfFrames } from "../wire/framing.ts";
import type { PublishedEntry, StreamPosition } from "../wire/published-entry.ts";
import { successorOf } from "./entry-id.ts";
import type { ReplayRing } from "./replay.ts";
import type { StreamCatchUp } from "./stream-catch-up.ts";
import type { StreamFilter } from "./stream-filter.ts";

export type Transport = "tcp" | "sse";

/**
 * How long the reader waits for one client to take its queue before that client counts as slow. A slow
 * client is not waited for during SLOW_CLIENT_COOLDOWN_MS: it loses what does not fit instead, and the
 * others go on at full speed (a stuck client costs them at most ROOM_WAIT_MS per cool-down).
 */
export const ROOM_WAIT_MS = 250;
export const SLOW_CLIENT_COOLDOWN_MS = 10_000;

/** Ring entries looked at per batch while catching up: a filter that rarely matches cannot hog the loop. */
export const REPLAY_SCAN_PER_TURN = 4096;

/** How long a client catching up from a stream that cannot be reached waits before trying again. */
export const STREAM_RETRY_MS = 500;
/** How long a client ahead of the hub's consumer (resuming from a faster instance) waits before looking again. */
export const STREAM_BEHIND_RETRY_MS = 20;

/** Counters of one transport, including clients that already left. */
export interface TransportCounters {
  connections: number;
  delivered: number;
  dropped: number;
}

export interface Batch {
  readonly bytes: Uint8Array;
  /** Log entries in the batch (heartbeats and named events are not counted). */
  readonly entries: number;
}

/** What a subscriber catching up reads: the hub's ring and its encoders. */
export interface ReplaySource {
  readonly ring: ReplayRing;
  encode(entries: readonly PublishedEntry[], transport: Transport): Uint8Array;
  /** Served from NATS: a reader of the stream from `next` on, for a client the ring let go past. */
  streamReaderFrom(next: StreamPosition): StreamCatchUp | undefined;
}

/** SSE `event: gap`: entries this client will not get, before filtering (null: unknown, after a restart). */
export function encodeGapEvent(missed: number | null, reason: GapReason): Uint8Array {
  return encodeNamedEvent("gap", { missed, reason });
}

export interface SubscriberInit {
  readonly id: string;
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly capacity: number;
  readonly filter: StreamFilter | undefined;
  readonly counters: TransportCounters;
  readonly replay: ReplaySource;
  readonly onLeave: (subscriber: Subscriber) => void;
}

export class Subscriber {
  delivered = 0;
  dropped = 0;
  readonly connectedAt = Date.now();
  readonly id: string;
  readonly transport: Transport;
  readonly remoteAddress: string;
  private readonly capacity: number;
  /** Undefined: every entry. */
  private entryFilter: StreamFilter | undefined;
  /** Let in but not started: it takes nothing until release() says from where and through which filter. */
  private held = false;
  private items: Uint8Array[] = [];
  /** Frames queued (entries, heartbeats, events): what buffer_size bounds. An item may hold many. */
  private queuedFrames = 0;
  private queuedEntries = 0;
  /** The next ring entry to deliver while catching up; undefined once live. */
  private replayFrom: number | undefined;
  /** Served from NATS: the stream position of the ring entry `replayFrom` (where to read if it is let go). */
  private replayPosition: StreamPosition | undefined;
  /** Served from NATS, catching up from before the ring: reads the stream until it joins the ring or live. */
  private streamReader: StreamCatchUp | undefined;
  private waiter: (() => void) | undefined;
  /** Woken when the session takes the queue: the reader waiting for room may go on. */
  private progressWaiters: Array<(moved: boolean) => void> = [];
  /** Until when (epoch ms) the reader does not wait for this client: it did not take its queue in time. */
  private slowUntil = 0;
  /** When (epoch ms) the session last took its queue (or connected): what a stall is measured from. */
  private lastTakenAt = Date.now();
  private ending = false;

  constructor(private readonly init: SubscriberInit) {
    this.id = init.id;
    this.transport = init.transport;
    this.remoteAddress = init.remoteAddress;
    this.capacity = init.capacity;
    this.entryFilter = init.filter;
  }

  get filter(): StreamFilter | undefined {
    return this.entryFilter;
  }

  get queued(): number {
    return this.queuedFrames;
  }

  get isEnding(): boolean {
    return this.ending;
  }

  /**
   * Still reading older entries from the ring, or held: live batches are not queued for it (the ring has
   * them, or it has not started).
   */
  get isCatchingUp(): boolean {
    return this.replayFrom !== undefined || this.held || this.streamReader !== undefined;
  }

  /**
   * Takes nothing (entries, heartbeats, events) until released; it shows in /status meanwhile. `fromSeq`
   * is where its stream will start at the latest: the reader does not let the ring evict it meanwhile.
   */
  hold(fromSeq: number): void {
    this.held = true;
    this.replayFrom = fromSeq;
  }

  /** Ends a hold: from now on it takes what passes `filter` (the hub then says from where). */
  release(filter: StreamFilter | undefined): void {
    this.held = false;
    this.replayFrom = undefined;
    this.entryFilter = filter;
    // a hold may have outlasted the reader's wait: that made it count as slow, which it is not
    this.slowUntil = 0;
  }

  /**
   * Starts by delivering the ring's entries from `seq` on (those that pass the filter), then live ones.
   * `position` (served from NATS) is entry `seq`'s place in the stream: where to read if the ring lets it go.
   */
  catchUpFrom(seq: number, position?: StreamPosition): void {
    this.replayFrom = seq;
    this.replayPosition = position;
    this.wakeWaiter();
  }

  /** Starts by reading the stream (served from NATS), then the ring, then live entries. */
  catchUpFromStream(reader: StreamCatchUp): void {
    this.streamReader = reader;
    this.wakeWaiter();
  }

  /**
   * Entries this client cannot have. SSE says so with `event: gap`; a TCP client has no such frame, and
   * counts them as dropped when they were published while it was connected.
   */
  reportGap(missed: number | null, reason: GapReason, whileConnected: boolean): void {
    if (whileConnected && missed !== null) this.drop(missed);
    if (this.transport === "sse") this.offer(encodeGapEvent(missed, reason), false);
  }

  /** Queues a frame, answering whether it was; a full queue drops it (counted when it is a log entry). Never blocks. */
  offer(bytes: Uint8Array, isEntry: boolean): boolean {
    if (this.ending || this.held) return false;
    if (this.queuedFrames >= this.capacity) {
      if (isEntry) this.drop(1);
      return false;
    }
    this.items.push(bytes);
    this.queuedFrames++;
    if (isEntry) this.queuedEntries++;
    this.wakeWaiter();
    return true;
  }

  /**
   * Queues `count` entries encoded back to back (bytes shared with every subscriber of this framing). What
   * does not fit is dropped from the end, as if offered one by one: the same entries arrive, the same count.
   * Served from a stream (`published` carry their positions), what does not fit is not dropped: the client
   * reads it back from the ring, or the stream, at its own pace, and then goes on live.
   */
  offerEntries(bytes: Uint8Array, count: number, published?: readonly PublishedEntry[]): void {
    if (this.ending || this.isCatchingUp) return;
    const room = this.capacity - this.queuedFrames;
    let taken = bytes;
    let entries = count;
    if (room < count) {
      const firstLeft = published?.[Math.max(room, 0)];
      if (firstLeft?.position !== undefined) {
        this.fallBehind(bytes, room, firstLeft);
        return;
      }
      this.drop(count - Math.max(room, 0));
      if (room <= 0) return;
      taken = bytes.subarray(0, endOfFrames(bytes, room, this.transport === "sse" ? "sse" : "json-lines"));
      entries = room;
    }
    this.items.push(taken);
    this.queuedFrames += entries;
    this.queuedEntries += entries;
    this.wakeWaiter();
  }

  /** Queues the first `room` entries of a batch; the rest, from `firstLeft` on, it catches up on. */
  private fallBehind(bytes: Uint8Array, room: number, firstLeft: PublishedEntry): void {
    if (room > 0) {
      this.items.push(
        bytes.subarray(0, endOfFrames(bytes, room, this.transport === "sse" ? "sse" : "json-lines")),
      );
      this.queuedFrames += room;
      this.queuedEntries += room;
    }
    this.replayFrom = firstLeft.seq;
    this.replayPosition = firstLeft.position;
    this.wakeWaiter();
  }

  private drop(entries: number): void {
    this.dropped += entries;
    this.init.counters.dropped += entries;
  }

  /**
   * Everything queued, as one write; waits while the queue is empty. Resolves undefined once the
   * subscriber ended and its queue is empty.
   */
  async next(): Promise<Batch | undefined> {
    for (;;) {
      if (this.streamReader !== undefined && !this.ending && !this.held) {
        if (await this.readStream()) break;
        continue;
      }
      if (this.replayFrom !== undefined && !this.ending && !this.held) {
        if (this.readReplay()) break;
        // a stretch of the ring without a match: let the loop breathe before the next stretch
        if (this.replayFrom !== undefined) await new Promise((resolve) => setTimeout(resolve, 0));
        continue;
      }
      if (this.items.length > 0) break;
      if (this.ending) return undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    const items = this.items;
    const entries = this.queuedEntries;
    this.items = [];
    this.queuedFrames = 0;
    this.queuedEntries = 0;
    this.lastTakenAt = Date.now();
    this.wakeProgressWaiters(true);
    return { bytes: concatBytes(items), entries };
  }

  /**
   * Queues the next ring entries for this client, up to its free room; switches to live when it reached
   * the newest. An entry evicted before this client read it is counted as dropped (and SSE gets a gap).
   * True when something is queued.
   */
  private readReplay(): boolean {
    // a full queue goes out first (what fell behind from a live batch may have filled it)
    if (this.queuedFrames >= this.capacity) return true;
    const { ring } = this.init.replay;
    let seq = this.replayFrom as number;
    const reader =
      seq < ring.oldestSeq && this.replayPosition && this.init.replay.streamReaderFrom(this.replayPosition);
    if (reader) {
      // served from NATS: what the ring let go is still in the stream
      this.replayFrom = undefined;
      this.streamReader = reader;
      return false;
    }
    if (seq < ring.oldestSeq) {
      this.reportGap(ring.oldestSeq - seq, "evicted", true);
      seq = ring.oldestSeq;
    }
    const newest = ring.newestSeq;
    const last = Math.min(newest, seq + REPLAY_SCAN_PER_TURN - 1);
    const room = Math.max(1, this.capacity - this.queuedFrames);
    const taken: PublishedEntry[] = [];
    let position: StreamPosition | undefined;
    for (; seq <= last && taken.length < room; seq++) {
      const entry = ring.get(seq) as PublishedEntry;
      position = entry.position;
      if (!this.entryFilter || this.entryFilter.matches(entry)) taken.push(entry);
    }
    if (position) this.replayPosition = successorOf(position);
    // caught up: from here on the hub queues live batches for it (nothing can be published in between)
    this.replayFrom = seq > newest ? undefined : seq;
    if (taken.length > 0) {
      this.items.push(this.init.replay.encode(taken, this.transport));
      this.queuedFrames += taken.length;
      this.queuedEntries += taken.length;
    }
    return this.items.length > 0;
  }

  /**
   * One step of reading the stream: queues what it read, reports a gap, or moves on to the ring or to
   * live. True when something is queued (heartbeats too: a client waiting for NATS still gets them).
   */
  private async readStream(): Promise<boolean> {
    if (this.queuedFrames >= this.capacity) return true;
    const reader = this.streamReader as StreamCatchUp;
    const step = await reader.step(Math.max(1, this.capacity - this.queuedFrames), this.entryFilter);
    // closed, or released elsewhere, while it read
    if (this.streamReader !== reader || this.ending) return this.items.length > 0;
    switch (step.kind) {
      case "entries":
        this.items.push(this.init.replay.encode(step.entries, this.transport));
        this.queuedFrames += step.entries.length;
        this.queuedEntries += step.entries.length;
        break;
      case "gap":
        this.reportGap(step.missed, "retention", false);
        break;
      case "ring":
        this.streamReader = undefined;
        this.catchUpFrom(step.seq, this.init.replay.ring.positionOf(step.seq));
        break;
      case "live":
        this.streamReader = undefined;
        break;
      case "waiting":
        if (this.items.length === 0) await this.pause(STREAM_RETRY_MS);
        break;
      case "behind":
        if (this.items.length === 0) await this.pause(STREAM_BEHIND_RETRY_MS);
        break;
    }
    return this.items.length > 0;
  }

  /** Waits `ms`, or less when something is queued meanwhile (a heartbeat) or the client ends. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Called by the session once a batch was handed to the transport. */
  markDelivered(entries: number): void {
    this.delivered += entries;
    this.init.counters.delivered += entries;
  }

  /** No more frames will be offered; next() drains what is queued and then resolves undefined. */
  end(): void {
    this.ending = true;
    this.wakeWaiter();
  }

  /** The client is gone: drop the queue and leave the hub at once. */
  close(): void {
    this.ending = true;
    this.items = [];
    this.queuedFrames = 0;
    this.queuedEntries = 0;
    this.wakeWaiter();
    this.wakeProgressWaiters(true);
    this.init.onLeave(this);
  }

  /**
   * Stalled: the queue is full (new entries are dropped) and the session has not taken it for `timeoutMs`.
   * A client that is merely idle (empty queue, no log traffic) never is.
   */
  isStalled(timeoutMs: number, nowMs: number): boolean {
    return !this.ending && this.queuedFrames >= this.capacity && nowMs - this.lastTakenAt >= timeoutMs;
  }

  /**
   * A client that keeps reading, has no room for `entries` more, and would have room once it takes its
   * queue: worth a short wait by the reader. (A queue smaller than the slice overflows whatever we do.) A
   * client catching up from the ring needs the ring not to evict what it has yet to read.
   */
  needsRoomFor(entries: number, nowMs: number): boolean {
    if (this.ending || nowMs < this.slowUntil || this.streamReader !== undefined) return false;
    // catching up (or held): its queue is the ring, so the room it needs is the ring not turning over past it
    if (this.replayFrom !== undefined) return this.init.replay.ring.wouldEvict(this.replayFrom, entries);
    return entries <= this.capacity && this.queuedFrames + entries > this.capacity;
  }

  /** Resolves true when the session takes the queue; false after waitMs, and the client counts as slow. */
  waitForProgress(waitMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.slowUntil = Date.now() + SLOW_CLIENT_COOLDOWN_MS;
        this.wakeProgressWaiters(false);
      }, waitMs);
      this.progressWaiters.push((moved) => {
        clearTimeout(timer);
        resolve(moved);
      });
    });
  }

  private wakeProgressWaiters(moved: boolean): void {
    if (this.progressWaiters.length === 0) return;
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const waiter of waiters) waiter(moved);
  }

  private wakeWaiter(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
