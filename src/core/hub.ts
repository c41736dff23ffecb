// Fan-out. publish() never waits for a client: each subscriber has a bounded queue of buffer_size items,
// and when it is full the new entry is dropped for that subscriber only, and counted.

import { concatBytes, encodeJsonLines, encodeSseDataFrames, endOfFrames } from "./framing.ts";

export type Transport = "tcp" | "sse";

/**
 * How long the reader waits for one client to take its queue before that client counts as slow. A slow
 * client is not waited for during SLOW_CLIENT_COOLDOWN_MS: it loses what does not fit instead, and the
 * others go on at full speed (a stuck client costs them at most ROOM_WAIT_MS per cool-down).
 */
export const ROOM_WAIT_MS = 250;
export const SLOW_CLIENT_COOLDOWN_MS = 10_000;
/**
 * The most the reader waits for room in any one second, all clients together. A client that takes its
 * queue steadily but slower than the log grows is never stuck long enough to count as slow: without this
 * budget it would pace the reader, and every other client, to its own speed.
 */
export const ROOM_WAIT_BUDGET_MS_PER_SECOND = 250;

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

export class Subscriber {
  delivered = 0;
  dropped = 0;
  readonly connectedAt = Date.now();
  private items: Uint8Array[] = [];
  /** Frames queued (entries, heartbeats, events): what buffer_size bounds. An item may hold many. */
  private queuedFrames = 0;
  private queuedEntries = 0;
  private waiter: (() => void) | undefined;
  /** Woken when the session takes the queue: the reader waiting for room may go on. */
  private progressWaiters: Array<(moved: boolean) => void> = [];
  /** Until when (epoch ms) the reader does not wait for this client: it did not take its queue in time. */
  private slowUntil = 0;
  /** When (epoch ms) the session last took its queue (or connected): what a stall is measured from. */
  private lastTakenAt = Date.now();
  private ending = false;

  constructor(
    readonly id: string,
    readonly transport: Transport,
    readonly remoteAddress: string,
    private readonly capacity: number,
    private readonly counters: TransportCounters,
    private readonly onLeave: (subscriber: Subscriber) => void,
  ) {}

  get queued(): number {
    return this.queuedFrames;
  }

  get isEnding(): boolean {
    return this.ending;
  }

  /** Queues a frame; a full queue drops it (counted when it is a log entry). Never blocks. */
  offer(bytes: Uint8Array, isEntry: boolean): void {
    if (this.ending) return;
    if (this.queuedFrames >= this.capacity) {
      if (isEntry) this.drop(1);
      return;
    }
    this.items.push(bytes);
    this.queuedFrames++;
    if (isEntry) this.queuedEntries++;
    this.wakeWaiter();
  }

  /**
   * Queues `count` entries encoded back to back (bytes shared with every subscriber of this framing). What
   * does not fit is dropped from the end, as if offered one by one: the same entries arrive, the same count.
   */
  offerEntries(bytes: Uint8Array, count: number): void {
    if (this.ending) return;
    const room = this.capacity - this.queuedFrames;
    let taken = bytes;
    let entries = count;
    if (room < count) {
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

  private drop(entries: number): void {
    this.dropped += entries;
    this.counters.dropped += entries;
  }

  /**
   * Everything queued, as one write; waits while the queue is empty. Resolves undefined once the
   * subscriber ended and its queue is empty.
   */
  async next(): Promise<Batch | undefined> {
    while (this.items.length === 0) {
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

  /** Called by the session once a batch was handed to the transport. */
  markDelivered(entries: number): void {
    this.delivered += entries;
    this.counters.delivered += entries;
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
    this.onLeave(this);
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
   * queue: worth a short wait by the reader. (A queue smaller than the slice overflows whatever we do.)
   */
  needsRoomFor(entries: number, nowMs: number): boolean {
    return (
      entries <= this.capacity &&
      this.queuedFrames + entries > this.capacity &&
      nowMs >= this.slowUntil &&
      !this.ending
    );
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

export interface SubscribeOptions {
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly bufferSize: number;
}

export class Hub {
  published = 0;
  readonly counters: Record<Transport, TransportCounters> = {
    tcp: { connections: 0, delivered: 0, dropped: 0 },
    sse: { connections: 0, delivered: 0, dropped: 0 },
  };
  private readonly subscribers = new Set<Subscriber>();
  /** The reader's waits for room in the current one-second window (see ROOM_WAIT_BUDGET_MS_PER_SECOND). */
  private waitWindowStart = 0;
  private waitedInWindow = 0;
  private nextId = 1;

  subscribe(options: SubscribeOptions): Subscriber {
    const counters = this.counters[options.transport];
    counters.connections++;
    const id = `${options.transport}-${this.nextId++}`;
    const subscriber = new Subscriber(
      id,
      options.transport,
      options.remoteAddress,
      options.bufferSize,
      counters,
      (s) => this.subscribers.delete(s),
    );
    this.subscribers.add(subscriber);
    return subscriber;
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

  /**
   * Entries read together, encoded once per framing into one buffer that every client of that framing
   * shares: per entry there is no encode per client, and per client one queue push per batch, not per entry.
   */
  publishBatch(jsons: readonly string[]): void {
    const count = jsons.length;
    if (count === 0) return;
    this.published += count;
    let sse: Uint8Array | undefined;
    let jsonLines: Uint8Array | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.transport === "sse") {
        sse ??= encodeSseDataFrames(jsons);
        subscriber.offerEntries(sse, count);
      } else {
        jsonLines ??= encodeJsonLines(jsons);
        subscriber.offerEntries(jsonLines, count);
      }
    }
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

  /** A frame that is not a log entry (heartbeat, named event) for every client of one transport. */
  broadcast(transport: Transport, bytes: Uint8Array): void {
    for (const subscriber of this.subscribers)
      if (subscriber.transport === transport) subscriber.offer(bytes, false);
  }
}
