// The replay ring: the last `replay_size` entries published, bounded in bytes too, each stored once (its
// JSON text and what filters read first) whatever the number of clients. A client that reconnects, or asks
// for a backlog, is served from here. Sequence numbers are contiguous: every published entry has one.

import type { PublishedEntry, StreamPosition } from "../wire/published-entry.ts";
import { comparePositions } from "./entry-id.ts";
import type { ResumeStore } from "./entry-source.ts";

export { type EntryId, parseEntryId, runIdOf } from "./entry-id.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every entry's JSON text starts with its time: `{"time":"2026-01-01T12:00:00.000000Z"` (serializeEntry). */
const TIME_PREFIX = /^\{"time":"([^"]*)"/;
const TIME_PREFIX_BYTES = 64;

/** The ring's default bound in bytes when none is given (`replay_max_bytes`'s default). */
export const DEFAULT_REPLAY_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The text buffer's size at start; it grows (up to maxBytes) when the entries' text, not their count, would
 * evict. 10,000 entries of 200 bytes need 2 MB, not the 16 MiB bound: a fresh page costs the process a
 * fault (~15-20 µs here, 65-90 ms for 16 MiB), and an unused one costs nothing but a promise of memory.
 */
export const INITIAL_RING_BYTES = 256 * 1024;

/**
 * An entry read back from the ring. Its JSON text is decoded when asked for (a filter on level or source
 * never needs it); the bytes it reads stay valid only until the next push, so use it at once.
 */
class HeldEntry implements PublishedEntry {
  constructor(
    readonly seq: number,
    readonly source: string,
    readonly level: number,
    private readonly bytes: Uint8Array,
    readonly position?: StreamPosition,
  ) {}

  get json(): string {
    return decoder.decode(this.bytes);
  }
}

/**
 * The entries' UTF-8 text lives in one byte buffer of at most `maxBytes`, written round and round; per
 * entry the ring keeps only numbers in typed arrays (where its text is, its level, its source). No object
 * per held entry: the garbage collector never has to copy or trace thousands of retained strings, which
 * would otherwise cost more than everything else a line goes through.
 */
export class ReplayRing implements ResumeStore {
  /** Grows (see INITIAL_RING_BYTES) up to maxBytes, never shrinks. */
  private buffer: Uint8Array;
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly levels: Int8Array;
  private readonly sourceIds: Uint32Array;
  /** Entries served from a stream: each one's place there (allocated with the first such entry). */
  private streamSeqs: Float64Array | undefined;
  private streamIndexes: Uint32Array | undefined;
  /** Sources by id: few (one per file ever followed), so kept for the run. */
  private readonly sources: string[] = [];
  private readonly sourceIdOf = new Map<string, number>();
  /** Slot of the oldest entry held. */
  private first = 0;
  private held = 0;
  private heldBytes = 0;
  /** Where the next entry's text is written in the buffer. */
  private writeAt = 0;
  /** The seq the next published entry gets; the oldest held is `nextSeq - held`. */
  private nextSeq = 1;

  constructor(
    /** Entries held at most; 0: the ring holds nothing (replay off), but still counts sequence numbers. */
    readonly capacity: number,
    readonly maxBytes: number = DEFAULT_REPLAY_MAX_BYTES,
  ) {
    this.buffer = new Uint8Array(capacity === 0 ? 0 : Math.min(maxBytes, INITIAL_RING_BYTES));
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
    this.levels = new Int8Array(capacity);
    this.sourceIds = new Uint32Array(capacity);
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

  /** Bytes of the text buffer as allocated now (it grows towards maxBytes as the text needs). */
  get allocatedBytes(): number {
    return this.buffer.length;
  }

  /** Bytes of JSON text held (UTF-8). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** The seq the next published entry will get. */
  peekSeq(): number {
    return this.nextSeq;
  }

  /** Takes the next sequence numbers for entries that are not kept (replay off, or nobody to serve). */
  skip(count: number): void {
    this.nextSeq += count;
    // what is held stays contiguous with what follows only if nothing was skipped in between
    this.clear();
  }

  /**
   * Keeps an entry whose seq is the next one; evicts the oldest while a bound is exceeded. `utf8`, when the
   * caller has it, is the entry's JSON text already encoded: it is copied, not encoded again.
   */
  push(entry: PublishedEntry, utf8?: Uint8Array): void {
    this.nextSeq = entry.seq + 1;
    if (this.capacity === 0) return;
    // the UTF-8 text takes at most 3 bytes per UTF-16 unit: room for that is made, what is used is kept
    let bound = utf8 ? utf8.length : entry.json.length * 3;
    let encoded = utf8;
    if (!encoded && bound > this.maxBytes) {
      // a long entry: its exact size decides (the rare path, one more copy)
      encoded = encoder.encode(entry.json);
      bound = encoded.length;
    }
    if (bound > this.maxBytes) {
      // cannot be held: the ring starts over after it, so what it holds stays contiguous
      this.clear();
      return;
    }
    if (this.held === this.capacity) this.evictOldest();
    const at = this.makeRoom(bound);
    let written = bound;
    if (encoded) this.buffer.set(encoded, at);
    else ({ written } = encoder.encodeInto(entry.json, this.buffer.subarray(at, at + bound)));
    const slot = (this.first + this.held) % this.capacity;
    this.offsets[slot] = at;
    this.lengths[slot] = written;
    this.levels[slot] = entry.level;
    this.sourceIds[slot] = this.sourceId(entry.source);
    if (entry.position) this.keepPosition(slot, entry.position);
    this.held++;
    this.heldBytes += written;
    this.writeAt = at + written;
  }

  /**
   * Keeps entries whose seqs are the next ones, their UTF-8 text read from `jsonLines` (one per line, each
   * ending with a newline, as the TCP framing writes them). The lines are copied into the buffer in one
   * piece, newlines included, and each entry's text is found there: one copy per batch, not one per entry.
   */
  pushLines(entries: readonly PublishedEntry[], jsonLines: Uint8Array): void {
    const last = entries[entries.length - 1];
    if (last === undefined) return;
    if (this.capacity === 0) {
      this.nextSeq = last.seq + 1;
      return;
    }
    if (entries.length > this.capacity || jsonLines.length > this.maxBytes) {
      // more than the ring holds at once: entry by entry, so that what is kept is the newest
      let start = 0;
      for (const entry of entries) {
        const end = jsonLines.indexOf(0x0a, start);
        this.push(entry, jsonLines.subarray(start, end));
        start = end + 1;
      }
      return;
    }
    const at = this.makeRoom(jsonLines.length);
    this.buffer.set(jsonLines, at);
    // all ASCII (as many bytes as UTF-16 units: any other character takes more bytes than units), each
    // entry's text is as long as its JSON string; else it is found by its newline
    let units = 0;
    for (const entry of entries) units += entry.json.length + 1;
    const ascii = units === jsonLines.length;
    let start = 0;
    for (const entry of entries) {
      // serialised JSON holds no raw line break: each entry's text ends at the next newline
      const end = ascii ? start + entry.json.length : jsonLines.indexOf(0x0a, start);
      // entries of this batch are never evicted here: it holds no more than the ring's capacity
      if (this.held === this.capacity) this.evictOldest();
      const slot = (this.first + this.held) % this.capacity;
      this.offsets[slot] = at + start;
      this.lengths[slot] = end - start;
      this.levels[slot] = entry.level;
      this.sourceIds[slot] = this.sourceId(entry.source);
      if (entry.position) this.keepPosition(slot, entry.position);
      this.held++;
      this.heldBytes += end - start;
      start = end + 1;
    }
    this.writeAt = at + jsonLines.length;
    this.nextSeq = last.seq + 1;
  }

  /**
   * Whether publishing `entries` more may evict the entry `seq` (a client catching up is about to read it):
   * by count, the pushes beyond the free slots each evict the oldest; by bytes, estimated from the average
   * entry held.
   */
  wouldEvict(seq: number, entries: number): boolean {
    if (this.capacity === 0 || this.held === 0) return false;
    const before = seq - this.oldestSeq;
    if (before < 0) return false;
    const byCount = this.held + entries - this.capacity;
    const average = this.heldBytes / this.held;
    const byBytes = (this.heldBytes + average * 3 * entries - this.maxBytes) / average;
    return before < Math.max(byCount, byBytes);
  }

  /** The held entry with this seq, or undefined when it is not (or no longer) held. */
  get(seq: number): PublishedEntry | undefined {
    const offset = seq - this.oldestSeq;
    if (offset < 0 || offset >= this.held) return undefined;
    const slot = (this.first + offset) % this.capacity;
    const at = this.offsets[slot] as number;
    return new HeldEntry(
      seq,
      this.sources[this.sourceIds[slot] as number] as string,
      this.levels[slot] as number,
      this.buffer.subarray(at, at + (this.lengths[slot] as number)),
      this.positionAt(slot),
    );
  }

  /** The stream position of the held entry `seq` (entries served from NATS); undefined when not held. */
  positionOf(seq: number): StreamPosition | undefined {
    const offset = seq - this.oldestSeq;
    if (offset < 0 || offset >= this.held) return undefined;
    return this.positionAt((this.first + offset) % this.capacity);
  }

  /**
   * The seq of the first held entry at or after `position` in the stream: the ring holds what follows
   * `position` from there on. `newestSeq + 1` when everything held is before it; undefined when the ring
   * does not reach back to it (empty, or its oldest entry is after `position`).
   */
  seqAtOrAfter(position: StreamPosition): number | undefined {
    if (this.held === 0) return undefined;
    const oldest = this.positionOf(this.oldestSeq);
    if (!oldest || comparePositions(oldest, position) > 0) return undefined;
    // binary search: held positions increase with seq
    let low = this.oldestSeq;
    let high = this.newestSeq + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (comparePositions(this.positionOf(middle) as StreamPosition, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private keepPosition(slot: number, position: StreamPosition): void {
    this.streamSeqs ??= new Float64Array(this.capacity);
    this.streamIndexes ??= new Uint32Array(this.capacity);
    this.streamSeqs[slot] = position.seq;
    this.streamIndexes[slot] = position.index;
  }

  private positionAt(slot: number): StreamPosition | undefined {
    if (!this.streamSeqs || !this.streamIndexes) return undefined;
    return { seq: this.streamSeqs[slot] as number, index: this.streamIndexes[slot] as number };
  }

  /**
   * The seq of the first held entry whose time is at or after `time` (an entry's `time`, as logwisp writes
   * it: fixed-width RFC 3339 UTC, so text order is time order); `newestSeq + 1` when none is. Entries are
   * held in publish order and their times rise with it, but a JSON line may carry its own, older time: the
   * search starts from the newest entry and steps back 1, 2, 4, … entries until one is older than `time`,
   * then halves the last step. So an older line near the end is a boundary, not let through with what came
   * before it; the search reads ~2·log2(held) times, each from the first bytes of its entry's text.
   */
  firstAtOrAfter(time: string): number {
    let high = this.held;
    let low = 0;
    for (let step = 1; step <= this.held; step *= 2) {
      const probe = this.held - step;
      if (this.timeAt(probe) < time) {
        low = probe + 1;
        break;
      }
      high = probe;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.timeAt(middle) < time) low = middle + 1;
      else high = middle;
    }
    return this.oldestSeq + low;
  }

  /** The `time` of the held entry at `offset` from the oldest ("" when its text does not start with one). */
  private timeAt(offset: number): string {
    const slot = (this.first + offset) % this.capacity;
    const at = this.offsets[slot] as number;
    const text = this.buffer.subarray(at, at + Math.min(this.lengths[slot] as number, TIME_PREFIX_BYTES));
    const match = TIME_PREFIX.exec(decoder.decode(text));
    return match ? (match[1] as string) : "";
  }

  /**
   * Where `bound` free bytes start, evicting the oldest entries whose text is in the way. Text is written
   * forwards and wraps to the start of the buffer when the end has no room.
   */
  private makeRoom(bound: number): number {
    let at = this.place(bound);
    const blocked = at + bound > this.buffer.length || (this.held > 0 && this.overlapsOldest(at, bound));
    if (blocked && this.buffer.length < this.maxBytes) {
      this.grow(bound);
      at = this.place(bound);
    }
    while (this.held > 0 && this.overlapsOldest(at, bound)) this.evictOldest();
    return at;
  }

  /** Where `bound` bytes go next: after the newest text, or at the start when the end has no room. */
  private place(bound: number): number {
    return this.writeAt + bound > this.buffer.length ? 0 : this.writeAt;
  }

  /**
   * A larger buffer, the held text copied to its start: room for what the count bound would hold at the
   * entries' average size, and at least half as much again, up to maxBytes.
   */
  private grow(bound: number): void {
    const used = this.heldBytes + this.held + bound;
    const wanted = Math.ceil((used / (this.held + 1)) * this.capacity * 1.25);
    const size = Math.min(this.maxBytes, Math.max(wanted, used, Math.ceil(this.buffer.length * 1.5)));
    const next = new Uint8Array(size);
    let writeAt = 0;
    for (let i = 0; i < this.held; i++) {
      const slot = (this.first + i) % this.capacity;
      const at = this.offsets[slot] as number;
      const length = this.lengths[slot] as number;
      next.set(this.buffer.subarray(at, at + length), writeAt);
      this.offsets[slot] = writeAt;
      writeAt += length;
    }
    this.buffer = next;
    this.writeAt = writeAt;
  }

  /** Whether [at, at + bound) overlaps the text of the oldest held entry, or of any held after it. */
  private overlapsOldest(at: number, bound: number): boolean {
    const oldest = this.offsets[this.first] as number;
    // held text runs from the oldest entry's offset to writeAt, possibly wrapping past the buffer's end
    if (oldest < this.writeAt) return at < this.writeAt && at + bound > oldest;
    return at + bound > oldest || at < this.writeAt;
  }

  /**
   * What the ring holds, for saving: its entries' text as JSON lines (each ending with a newline), with
   * their levels and sources. One copy of the held text and no object per entry: 10,000 entries take about
   * a millisecond, and it is synchronous, so it is exactly the ring as of this turn. From `fromSeq` on when
   * given (a save of what was added since the last one): the held entries at or after it, no others.
   */
  exportEntries(fromSeq = this.oldestSeq): RingExport {
    const skipped = Math.min(this.held, Math.max(0, fromSeq - this.oldestSeq));
    const count = this.held - skipped;
    let textBytes = this.heldBytes + this.held;
    if (skipped > 0) {
      textBytes = count;
      for (let i = skipped; i < this.held; i++)
        textBytes += this.lengths[(this.first + i) % this.capacity] as number;
    }
    const text = new Uint8Array(textBytes);
    const levels: number[] = new Array(count);
    const sourceIds: number[] = new Array(count);
    const buffer = this.buffer;
    let at = 0;
    // entries pushed as a batch lie back to back with their newlines: a run of them is copied in one piece
    let runStart = -1;
    let runEnd = -1;
    for (let i = 0; i < count; i++) {
      const slot = (this.first + skipped + i) % this.capacity;
      const offset = this.offsets[slot] as number;
      const end = offset + (this.lengths[slot] as number);
      levels[i] = this.levels[slot] as number;
      sourceIds[i] = this.sourceIds[slot] as number;
      if (offset !== runEnd) {
        if (runStart !== -1) at = copyInto(text, at, buffer, runStart, runEnd);
        runStart = offset;
      }
      if (end < buffer.length && buffer[end] === 0x0a) {
        runEnd = end + 1;
        continue;
      }
      // its text is not followed by a newline in the buffer (pushed alone): copied with one added
      at = copyInto(text, at, buffer, runStart, end);
      text[at++] = 0x0a;
      runStart = -1;
      runEnd = -1;
    }
    if (runStart !== -1) at = copyInto(text, at, buffer, runStart, runEnd);
    return {
      oldestSeq: this.oldestSeq + skipped,
      nextSeq: this.nextSeq,
      sources: [...this.sources],
      sourceIds,
      levels,
      text,
    };
  }

  /**
   * Takes back what exportEntries gave (a saved ring), before anything is published: its entries, up to
   * this ring's bounds (the newest kept), and the seq the next entry gets.
   */
  restore(saved: RingExport): void {
    this.clear();
    this.nextSeq = saved.oldestSeq;
    const count = saved.levels.length;
    let start = 0;
    for (let i = 0; i < count; i++) {
      const end = saved.text.indexOf(0x0a, start);
      if (end === -1) break;
      const utf8 = saved.text.subarray(start, end);
      start = end + 1;
      const seq = saved.oldestSeq + i;
      // entries the ring cannot hold now (a smaller replay_size) only take their seq
      if (count - i > this.capacity) {
        this.nextSeq = seq + 1;
        continue;
      }
      const source = saved.sources[saved.sourceIds[i] as number] ?? "";
      this.push({ seq, source, level: saved.levels[i] as number, json: "" }, utf8);
    }
    this.nextSeq = Math.max(this.nextSeq, saved.nextSeq);
  }

  private sourceId(source: string): number {
    let id = this.sourceIdOf.get(source);
    if (id === undefined) {
      id = this.sources.length;
      this.sources.push(source);
      this.sourceIdOf.set(source, id);
    }
    return id;
  }

  private evictOldest(): void {
    this.heldBytes -= this.lengths[this.first] as number;
    this.first = (this.first + 1) % this.capacity;
    this.held--;
    if (this.held === 0) {
      this.first = 0;
      this.writeAt = 0;
    }
  }

  /** Lets go of everything held (the stream it came from is not the one served any more). */
  clear(): void {
    this.first = 0;
    this.held = 0;
    this.heldBytes = 0;
    this.writeAt = 0;
  }
}

/** Copies `from[start, end)` to `to` at `at`; answers where the copy ends. */
function copyInto(to: Uint8Array, at: number, from: Uint8Array, start: number, end: number): number {
  to.set(from.subarray(start, end), at);
  return at + end - start;
}

/** The ring's entries as saved in the state directory (see exportEntries). */
export interface RingExport {
  /** The seq of the first entry exported (`nextSeq` when there is none). */
  readonly oldestSeq: number;
  /** The seq the next published entry gets (entries skipped after the newest held count too). */
  readonly nextSeq: number;
  readonly sources: readonly string[];
  /** Per entry, oldest first: its source's index in `sources`, and its level index. */
  readonly sourceIds: readonly number[];
  readonly levels: readonly number[];
  /** The entries' JSON text, one line each, newline-terminated. */
  readonly text: Uint8Array;
}
