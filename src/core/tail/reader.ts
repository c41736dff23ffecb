// One open file: its identity, the offset read so far and the unfinished line. A FileReader outlives the
// path it was opened by: after a rename it keeps reading the old inode until the grace window ends.

import type { FileHandle, FileStat } from "../runtime.ts";
import { comparePrefix, EMPTY_PREFIX, type Prefix, readPrefix } from "./fingerprint.ts";
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
  private readonly splitter: LineSplitter;
  /** Lines split from the last chunk, not yet handed on; parallel arrays so a line costs no tuple. */
  private readonly pendingTexts: string[] = [];
  private readonly pendingFlags: Array<LineFlags | undefined> = [];
  /** Lines handed on since the last event-loop turn, across chunks: a burst yields every LINES_PER_TURN. */
  private linesSinceYield = 0;

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
   * that differs from the one remembered: a truncate-and-regrow between two polls.
   */
  async detectTruncation(stat: FileStat): Promise<Truncation> {
    const changed = stat.size !== this.lastSize || stat.mtimeMs !== this.lastMtimeMs;
    this.lastSize = stat.size;
    this.lastMtimeMs = stat.mtimeMs;
    if (!changed && stat.size >= this.offset) return "none";
    const current = await readPrefix(this.handle, stat.size, this.options.buffer);
    const { same, prefix } = comparePrefix(this.prefix, current);
    this.prefix = prefix;
    if (stat.size < this.offset) return same ? "shrunk-same-prefix" : "shrunk";
    return same ? "none" : "regrown";
  }

  /** Remembers the file's first bytes as they are now: its fingerprint from here on. */
  async rememberPrefix(size: number): Promise<void> {
    this.prefix = comparePrefix(
      EMPTY_PREFIX,
      await readPrefix(this.handle, size, this.options.buffer),
    ).prefix;
  }

  /** Restart at 0 after a truncation: the held partial line is dropped, a leading hole of NULs skipped. */
  async restartAfterTruncation(stat: FileStat): Promise<void> {
    this.offset = 0;
    this.splitter.resetAfterTruncation();
    await this.rememberPrefix(stat.size);
  }

  /** Reads from the offset to the end of the file, or until this poll's byte budget is spent. */
  async read(): Promise<ReadOutcome> {
    const { buffer, maxBytesPerPoll } = this.options;
    let readThisPoll = 0;
    while (readThisPoll < maxBytesPerPoll) {
      const n = await this.handle.read(buffer, this.offset);
      if (n === 0) return "eof";
      this.offset += n;
      this.bytesRead += n;
      readThisPoll += n;
      // a piece at a time, handed on before the next is split: only a slice's lines are alive at once,
      // not a whole read's (they would outlive the young generation's collections and be copied by each)
      const readAt = this.offset - n;
      for (let at = 0; at < n; at += SPLIT_PIECE_BYTES) {
        const pieceEnd = Math.min(n, at + SPLIT_PIECE_BYTES);
        this.splitter.push(buffer.subarray(at, pieceEnd));
        await this.handOnLines();
        this.reportPosition(readAt + pieceEnd);
      }
      if (n < buffer.length) return "eof";
    }
    return "more";
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
