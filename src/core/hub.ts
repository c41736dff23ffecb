// Fan-out. publish() never waits for a client: each subscriber has a bounded queue of buffer_size items,
// and when it is full the new entry is dropped for that subscriber only, and counted.

import { concatBytes, encodeJsonLine, encodeSseData } from "./framing.ts";

export type Transport = "tcp" | "sse";

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
  private queuedEntries = 0;
  private waiter: (() => void) | undefined;
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
    return this.items.length;
  }

  get isEnding(): boolean {
    return this.ending;
  }

  /** Queues a frame; a full queue drops it (counted when it is a log entry). Never blocks. */
  offer(bytes: Uint8Array, isEntry: boolean): void {
    if (this.ending) return;
    if (this.items.length >= this.capacity) {
      if (isEntry) {
        this.dropped++;
        this.counters.dropped++;
      }
      return;
    }
    this.items.push(bytes);
    if (isEntry) this.queuedEntries++;
    this.wakeWaiter();
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
    this.queuedEntries = 0;
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
    this.queuedEntries = 0;
    this.wakeWaiter();
    this.onLeave(this);
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

  /** Serialised once per framing and shared by every client: no per-client encoding on the hot path. */
  publish(json: string): void {
    this.published++;
    let sse: Uint8Array | undefined;
    let jsonLine: Uint8Array | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.transport === "sse") {
        sse ??= encodeSseData(json);
        subscriber.offer(sse, true);
      } else {
        jsonLine ??= encodeJsonLine(json);
        subscriber.offer(jsonLine, true);
      }
    }
  }

  /** A frame that is not a log entry (heartbeat, named event) for every client of one transport. */
  broadcast(transport: Transport, bytes: Uint8Array): void {
    for (const subscriber of this.subscribers)
      if (subscriber.transport === transport) subscriber.offer(bytes, false);
  }
}
