// The replay ring: the last `replay_size` entries published, bounded in bytes too, each stored once (its
// JSON text and what filters read first) whatever the number of clients. A client that reconnects, or asks
// for a backlog, is served from here. Sequence numbers are contiguous: every published entry has one.

/** One published entry: what every client's framing and filter needs, shared by all of them. */
export interface PublishedEntry {
  /** 1, 2, 3… per entry published in this run, before any filter. */
  readonly seq: number;
  readonly json: string;
  readonly source: string;
  /** Index in LEVEL_ORDER; -1 when the entry names no level. */
  readonly level: number;
}

/** What one held entry costs beyond its JSON text: the record, its slot, the string header (approximate). */
export const ENTRY_OVERHEAD_BYTES = 96;

export function entryBytes(entry: PublishedEntry): number {
  // a JS string holds a character in 1 or 2 bytes; its length is the honest lower bound, cheap to get
  return entry.json.length + ENTRY_OVERHEAD_BYTES;
}

export class ReplayRing {
  private readonly slots: (PublishedEntry | undefined)[];
  /** Slot of the oldest entry held. */
  private first = 0;
  private held = 0;
  private heldBytes = 0;
  /** The seq the next published entry gets; the oldest held is `nextSeq - held`. */
  private nextSeq = 1;

  constructor(
    /** Entries held at most; 0: the ring holds nothing (replay off), but still counts sequence numbers. */
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    this.slots = new Array(capacity);
  }

  /** The seq of the last entry published (0 before the first). */
  get newestSeq(): number {
    return this.nextSeq - 1;
  }

  /** The seq of the oldest entry held; `newestSeq + 1` when the ring is empty. */
  get oldestSeq(): number {
    return this.nextSeq - this.held;
  }

  get size(): number {
    return this.held;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** The seq the next published entry will get. */
  peekSeq(): number {
    return this.nextSeq;
  }

  /** Takes the next sequence number for an entry that is not kept (replay off, or nobody to serve). */
  skip(count: number): void {
    this.nextSeq += count;
    // what is held stays contiguous with what follows only if nothing was skipped in between
    this.clear();
  }

  /** Keeps an entry whose seq is the next one; evicts the oldest while a bound is exceeded. */
  push(entry: PublishedEntry): void {
    this.nextSeq = entry.seq + 1;
    if (this.capacity === 0) return;
    if (this.held === this.capacity) this.evictOldest();
    this.slots[(this.first + this.held) % this.capacity] = entry;
    this.held++;
    this.heldBytes += entryBytes(entry);
    while (this.heldBytes > this.maxBytes && this.held > 0) this.evictOldest();
  }

  /** The held entry with this seq, or undefined when it is not (or no longer) held. */
  get(seq: number): PublishedEntry | undefined {
    const offset = seq - this.oldestSeq;
    if (offset < 0 || offset >= this.held) return undefined;
    return this.slots[(this.first + offset) % this.capacity];
  }

  private evictOldest(): void {
    const entry = this.slots[this.first];
    if (entry) this.heldBytes -= entryBytes(entry);
    this.slots[this.first] = undefined;
    this.first = (this.first + 1) % this.capacity;
    this.held--;
  }

  private clear(): void {
    while (this.held > 0) this.evictOldest();
  }
}

/** An SSE id: `<run>-<seq>`, `<run>` the server run's start time in ms, base 36. */
export interface EntryId {
  readonly run: string;
  readonly seq: number;
}

export function runIdOf(startedAtMs: number): string {
  return Math.floor(startedAtMs).toString(36);
}

const ID = /^([0-9a-z]{1,16})-([0-9]{1,15})$/;

/** A `Last-Event-ID` as sent back by a client; undefined when malformed (treated as absent, never an error). */
export function parseEntryId(text: string | undefined | null): EntryId | undefined {
  const match = ID.exec(text?.trim() ?? "");
  if (!match) return undefined;
  return { run: match[1] as string, seq: Number(match[2]) };
}
