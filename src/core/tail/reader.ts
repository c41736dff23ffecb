// One open file: its identity, the offset read so far and the unfinished line. A FileReader outlives the
// path it was opened by: after a rename it keeps reading the old inode until the grace window ends.

import type { FileHandle, FileStat } from "../runtime.ts";
import type { DirectReads } from "./direct-reads.ts";
import {
  comparePrefix,
  EMPTY_PREFIX,
  extendPrefix,
  PREFIX_BYTES,
  type Prefix,
  readPrefix,
} from "./fingerprint.ts";
import { type LineFlags, LineSplitter } from "./lines.ts";

/** Receives each complete line. */
export type ReaderLineSink = (text: string, flags: LineFlags | undefined) => void;

/**
 * Receives the offset just after the last line handed to the line sink, each time a piece of a read has
 * been handed on: the place to start again from without losing or repeating a line (a checkpoint, the end
 * of what a published batch carries). Never inside a line; not called while the start of the current
 * line is unknown (begun mid-line, until its newline).
 */
export type ReaderPositionSink = (offset: number) => void;

export interface ReaderOptions {
  readonly maxLineBytes: number;
  /** Bytes read from one file in one poll before giving the other files (and the clients) a turn. */
  readonly maxBytesPerPoll: number;
  /** Shared scratch buffer for reads; the monitor reads one file at a time. */
  readonly buffer: Uint8Array;
  /** Gives the event loop a turn (I/O included) so client queues drain during a burst. */
  readonly yieldToEventLoop: () => Promise<void>;
  /**
   * Shortest gap (ms) between two re-checks of the first KiB of a file that grows (the monitor's
   * check_interval_ms); 0 or absent: at every poll that saw the size or mtime change. A shrink below the
   * offset is checked at once whatever the gap, and a truncate-and-regrow past the offset shows at once in
   * the bytes just before the offset (see TAIL_CHECK_BYTES).
   */
  readonly prefixCheckIntervalMs?: () => number;
  /** Which files may be read on the event loop's thread once caught up (see direct-reads.ts); none: never. */
  readonly directReads?: DirectReads | undefined;
}

export type ReadOutcome = "eof" | "more";

/**
 * Lines handed to the hub between two event-loop turns. Well under the default buffer_size (1000), so a
 * client that keeps reading drains its queue during a burst instead of losing entries to it.
 */
export const LINES_PER_TURN = 256;

/** Bytes of a read split into lines at once: about LINES_PER_TURN lines of 120 bytes. */
const SPLIT_PIECE_BYTES = 32 * 1024;

/** How far back one read looks for the last newline of a file that was there before logwisp started. */
const BACKWARD_WINDOW_BYTES = 16 * 1024;

/**
 * Bytes just before the offset read again with each poll's first read (one read(2) all the same) and compared
 * with the bytes read there: an append leaves them as they were, a truncate-and-regrow past the offset
 * almost never does. What lets the prefix re-check (a read of its own) wait for check_interval_ms.
 */
export const TAIL_CHECK_BYTES = 64;

/** How a file was truncated under the reader, if it was. */
export type Truncation = "none" | "shrunk" | "shrunk-same-prefix" | "regrown";

export class FileReader {
  offset: number;
  prefix: Prefix = EMPTY_PREFIX;
  linesRead = 0;
  /** Bytes read from the file since it was opened, across truncations (the offset starts over, this does not). */
  bytesRead = 0;
  /** Last size and mtime seen at the path, to know when the prefix must be checked again. */
  private lastSize: number;
  private lastMtimeMs: number;
  /** The size or mtime changed since the prefix was last read: it is re-checked once its gap is over. */
  private prefixStale = false;
  /** When the prefix was last read to check it (the poll's clock). */
  private prefixCheckedAt = Number.NEGATIVE_INFINITY;
  /** The last bytes read, ending at the offset (the first tailLength bytes of tail); 0: none known. */
  private readonly tail = new Uint8Array(TAIL_CHECK_BYTES);
  private tailLength = 0;
  private readonly splitter: LineSplitter;
  /** Lines split from the last chunk, not yet handed on; parallel arrays so a line costs no tuple. */
  private readonly pendingTexts: string[] = [];
  private readonly pendingFlags: Array<LineFlags | undefined> = [];
  /** Lines handed on since the last event-loop turn, across chunks: a burst yields every LINES_PER_TURN. */
  private linesSinceYield = 0;
  /**
   * The last read found the end of the file: what the next one reads was written since, most likely just
   * now and still in the page cache, and may be read directly (see readAt). A read that fills the buffer
   * (a burst, a catch-up) clears it until the end is reached again.
   */
  private caughtUp = false;

  constructor(
    readonly handle: FileHandle,
    readonly dev: number,
    readonly ino: number,
    stat: FileStat,
    startOffset: number,
    private readonly options: ReaderOptions,
    private readonly sink: ReaderLineSink,
    private readonly positionSink?: ReaderPositionSink,
  ) {
    this.offset = startOffset;
    this.lastSize = stat.size;
    this.lastMtimeMs = stat.mtimeMs;
    this.splitter = new LineSplitter(options.maxLineBytes, (text, flags) => {
      this.pendingTexts.push(text);
      this.pendingFlags.push(flags);
    });
  }

  /** Opens a file that was there before logwisp started: begin after its last newline, never mid-line. */
  static async startOffsetAtEnd(handle: FileHandle, size: number, options: ReaderOptions): Promise<number> {
    const { maxLineBytes } = options;
    // the last line is usually short: look back a window at a time, not a whole read chunk per file
    const buffer = options.buffer.subarray(0, Math.min(options.buffer.length, BACKWARD_WINDOW_BYTES));
    let end = size;
    while (end > 0 && size - end <= maxLineBytes) {
      const start = Math.max(0, end - buffer.length);
      const n = await handle.read(buffer.subarray(0, end - start), start);
      const newline = buffer.subarray(0, n).lastIndexOf(0x0a);
      if (newline !== -1) return start + newline + 1;
      end = start;
    }
    // no newline at all: the whole file is one unfinished line, ours to read once it ends
    return end === 0 ? 0 : -1;
  }

  /** Bytes the file had at its last check beyond what was read: how far behind the reader is. */
  get unreadBytes(): number {
    return Math.max(0, this.lastSize - this.offset);
  }

  /** Bytes of the unfinished last line, held until its newline. */
  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  isSameFile(stat: FileStat): boolean {
    return stat.dev === this.dev && stat.ino === this.ino;
  }

  /** Starting inside a line longer than maxLineBytes: skip to its end. */
  skipToNextLine(): void {
    this.splitter.skipToNextLine();
  }

  /**
   * Was the file truncated under us? Size below the offset, or (when size or mtime changed) a first KiB
   * that differs from the one remembered: a truncate-and-regrow between two polls. A file that grows has its
   * prefix re-checked at most once per prefixCheckIntervalMs (at `now`, the poll's clock) unless `force`d;
   * in between, read() catches a regrow past the offset by the bytes before it.
   */
  async detectTruncation(stat: FileStat, now: number, force = false): Promise<Truncation> {
    if (stat.size !== this.lastSize || stat.mtimeMs !== this.lastMtimeMs) this.prefixStale = true;
    this.lastSize = stat.size;
    this.lastMtimeMs = stat.mtimeMs;
    const shrunk = stat.size < this.offset;
    if (!shrunk && !this.prefixStale) return "none";
    const gapMs = this.options.prefixCheckIntervalMs?.() ?? 0;
    if (!shrunk && !force && now - this.prefixCheckedAt < gapMs) return "none";
    this.prefixStale = false;
    this.prefixCheckedAt = now;
    const same = await this.checkPrefix(stat.size);
    if (shrunk) return same ? "shrunk-same-prefix" : "shrunk";
    return same ? "none" : "regrown";
  }

  /** Reads the first bytes again: do they still start as remembered? The prefix grows with the file. */
  private async checkPrefix(size: number): Promise<boolean> {
    const current = await readPrefix(this.handle, size, this.options.buffer);
    const { same, prefix } = comparePrefix(this.prefix, current);
    this.prefix = prefix;
    return same;
  }

  /** Remembers the file's first bytes as they are now: its fingerprint from here on. */
  async rememberPrefix(size: number): Promise<void> {
    this.prefix = comparePrefix(
      EMPTY_PREFIX,
      await readPrefix(this.handle, size, this.options.buffer),
    ).prefix;
  }

  /** Restart at 0 after a truncation: the held partial line is dropped, a leading hole of NULs skipped. */
  async restartAfterTruncation(size: number): Promise<void> {
    this.offset = 0;
    this.tailLength = 0;
    this.splitter.resetAfterTruncation();
    await this.rememberPrefix(size);
  }

  /**
   * Reads from the offset to the end of the file, or until this poll's byte budget is spent. The first read
   * starts up to TAIL_CHECK_BYTES before the offset: when those bytes are no longer the ones read there and
   * the first KiB changed too, the file was truncated and regrown past the offset, and nothing is read
   * ("regrown": the caller restarts at 0); when they are no longer all there, neither ("shrunk": the file is
   * shorter than what was read, for a stat of it to tell).
   */
  async read(): Promise<ReadOutcome | "regrown" | "shrunk"> {
    const { buffer, maxBytesPerPoll } = this.options;
    let readThisPoll = 0;
    // at most half the buffer, so that a read always has room for new bytes
    let back = Math.min(this.tailLength, buffer.length >> 1);
    while (readThisPoll < maxBytesPerPoll) {
      const got = await this.readAt(this.offset - back);
      const skip = back;
      back = 0;
      this.caughtUp = got < buffer.length;
      if (got < skip) return "shrunk";
      if (skip > 0 && !sameBytes(buffer, this.tail.subarray(this.tailLength - skip), skip)) {
        if (!(await this.checkPrefix(PREFIX_BYTES))) return "regrown";
        // the same first bytes: rewritten in the middle, read on from the offset (the prefix read took the buffer)
        continue;
      }
      this.rememberTail(got);
      this.growPrefix(this.offset - skip, got);
      const n = got - skip;
      if (n === 0) return "eof";
      this.offset += n;
      this.bytesRead += n;
      readThisPoll += n;
      // a piece at a time, handed on before the next is split: only a slice's lines are alive at once,
      // not a whole read's (they would outlive the young generation's collections and be copied by each)
      const readAt = this.offset - n;
      for (let at = 0; at < n; at += SPLIT_PIECE_BYTES) {
        const pieceEnd = Math.min(n, at + SPLIT_PIECE_BYTES);
        this.splitter.push(buffer.subarray(skip + at, skip + pieceEnd));
        await this.handOnLines();
        this.reportPosition(readAt + pieceEnd);
      }
      if (got < buffer.length) return "eof";
    }
    return "more";
  }

  /**
   * Reads into the shared buffer at `position`: on the event loop's own thread when the file was caught up
   * and its filesystem is local (a steady stream's few new bytes: no round trip to an I/O thread), else
   * through the runtime's I/O threads (a burst, a catch-up, a network filesystem: a read that may wait).
   */
  private readAt(position: number): Promise<number> | number {
    const { buffer, directReads } = this.options;
    if (!this.caughtUp || this.handle.readNow === undefined || directReads?.allowed(this.dev) !== true)
      return this.handle.read(buffer, position);
    const started = performance.now();
    const got = this.handle.readNow(buffer, position);
    directReads.took(this.dev, performance.now() - started);
    return got;
  }

  /**
   * A read of `got` bytes at `position` that reaches past the end of the remembered prefix (shorter than a
   * KiB: the file was shorter when it was last taken) grows it, so that the prefix stays as long as what
   * was read of the first KiB without a read of its own while its re-check waits (see detectTruncation).
   */
  private growPrefix(position: number, got: number): void {
    const { prefix } = this;
    const limit = Math.min(PREFIX_BYTES, this.options.buffer.length);
    if (position > prefix.length || prefix.length >= limit || position + got <= prefix.length) return;
    this.prefix = extendPrefix(prefix, this.options.buffer.subarray(prefix.length - position, got), limit);
  }

  /** Keeps the last bytes of a read of `got` bytes into the buffer: they end at the offset. */
  private rememberTail(got: number): void {
    const length = Math.min(got, TAIL_CHECK_BYTES);
    this.tail.set(this.options.buffer.subarray(got - length, got));
    this.tailLength = length;
  }

  /** Hands the split lines on, LINES_PER_TURN at a time, with an event-loop turn between two slices. */
  private async handOnLines(): Promise<void> {
    const texts = this.pendingTexts;
    const flags = this.pendingFlags;
    for (let i = 0; i < texts.length; i++) {
      if (this.linesSinceYield >= LINES_PER_TURN) {
        this.linesSinceYield = 0;
        await this.options.yieldToEventLoop();
      }
      this.linesSinceYield++;
      this.linesRead++;
      this.sink(texts[i] as string, flags[i]);
    }
    texts.length = 0;
    flags.length = 0;
  }

  /** After the lines of everything pushed up to `pushedEnd` were handed on: where the next line starts. */
  private reportPosition(pushedEnd: number): void {
    if (this.positionSink === undefined) return;
    const back = this.splitter.lineStartBack;
    if (back !== undefined) this.positionSink(pushedEnd - back);
  }

  /** The file is gone for good: emit the unfinished line, marked partial, and close. */
  async finish(): Promise<void> {
    this.splitter.flushPartial();
    await this.handOnLines();
    this.reportPosition(this.offset);
    await this.close();
  }

  async close(): Promise<void> {
    try {
      await this.handle.close();
    } catch {
      // already closed, or the runtime lost it: nothing left to release
    }
  }
}

/** The first `length` bytes of `a` and `b` are equal. */
function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
