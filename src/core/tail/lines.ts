// Bytes → lines. Lines are split on `\n` before decoding, so a character split across two reads is
// decoded whole; invalid UTF-8 becomes U+FFFD; one trailing `\r` is removed; empty lines are skipped.

import { concatBytes } from "../util/bytes.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NUL = 0x00;

export interface LineFlags {
  /** The line was longer than maxLineBytes: this is its head, the rest up to the newline was skipped. */
  readonly truncated?: true;
  /** The file went away before this line's newline was written. */
  readonly partial?: true;
}

export type LineSink = (text: string, flags: LineFlags | undefined) => void;

const TRUNCATED: LineFlags = { truncated: true };
const PARTIAL: LineFlags = { partial: true };
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Most bytes decoded into one string. Node makes a string over 128 KiB a large object (its own mapping,
 * fresh pages, and pressure for a full GC): one 256 KiB read decoded whole cost ~10x the same bytes
 * decoded 32 KiB at a time (node 20, 200,000 lines of 120 bytes: 120–180 ms against 13 ms). At most two
 * bytes of string per byte decoded, so a window's string stays under that size.
 */
export const DECODE_WINDOW_BYTES = 32 * 1024;

/**
 * Splits a byte stream into lines. Memory is bounded by maxLineBytes: a longer line is emitted once, cut on
 * a character boundary and marked truncated, and the rest of it is skipped up to its newline.
 */
export class LineSplitter {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Inside an over-long line whose head was already emitted: drop bytes up to the next newline. */
  private skippingRest = false;
  /** After a truncation the writer may leave a hole of NULs (no O_APPEND): skip them. */
  private skippingNuls = false;
  /** Bytes pushed since the last newline: the unfinished line, held, skipped or NULs. */
  private sinceNewline = 0;
  /** False from skipToNextLine until the next newline: where the current line starts is not known. */
  private lineStartKnown = true;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  /** Bytes of the unfinished last line held until its newline arrives. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * How many bytes before the end of what was pushed the current (unfinished) line starts: every line
   * before that point was handed to the sink. Undefined while the start is not known (begun mid-line).
   */
  get lineStartBack(): number | undefined {
    return this.lineStartKnown ? this.sinceNewline : undefined;
  }

  push(chunk: Uint8Array): void {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.sinceNewline += chunk.length;
    } else {
      this.sinceNewline = chunk.length - last - 1;
      this.lineStartKnown = true;
    }
    let start = 0;
    if (this.skippingNuls) {
      while (start < chunk.length && chunk[start] === NUL) start++;
      if (start === chunk.length) return;
      this.skippingNuls = false;
    }
    // the first line may finish a held one, or end a skipped one: byte by byte
    if (this.heldBytes > 0 || this.skippingRest) {
      start = this.takeLine(chunk, start);
      if (start === -1) return;
    }
    // the complete lines, a window at a time: one decode per window, not one per line (a newline is never
    // part of a UTF-8 sequence, so each line decodes as it would alone); no line in a window can be over
    // the limit, and a line longer than the window is taken on its own
    const window = Math.min(DECODE_WINDOW_BYTES, this.maxLineBytes);
    while (start <= last) {
      const end = last - start <= window ? last : chunk.lastIndexOf(NEWLINE, start + window);
      if (end < start) {
        start = this.takeLine(chunk, start);
        continue;
      }
      this.emitDecodedLines(decoder.decode(chunk.subarray(start, end)));
      start = end + 1;
    }
    while (start !== -1 && start < chunk.length) start = this.takeLine(chunk, start);
  }

  /**
   * Finishes the line starting at `start`, or holds it while it has no newline: where the next line starts,
   * or -1 when the chunk is used up.
   */
  private takeLine(chunk: Uint8Array, start: number): number {
    const newline = chunk.indexOf(NEWLINE, start);
    if (newline === -1) {
      this.hold(chunk.subarray(start));
      return -1;
    }
    this.finishLine(chunk.subarray(start, newline));
    return newline + 1;
  }

  /** Complete lines, decoded together and joined by `\n`: emitted as emit() would each one. */
  private emitDecodedLines(text: string): void {
    let from = 0;
    for (;;) {
      const newline = text.indexOf("\n", from);
      const end = newline === -1 ? text.length : newline;
      const stop = end > from && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
      if (stop > from) this.sink(text.slice(from, stop), undefined);
      if (newline === -1) return;
      from = newline + 1;
    }
  }

  /** Emits the held unfinished line, marked partial; used when its file is gone for good. */
  flushPartial(): void {
    if (this.heldBytes > 0 && !this.skippingRest) this.emit(this.takeHeld(), PARTIAL);
    this.reset();
  }

  /** Forgets the held line (the file was truncated under it) and skips a leading run of NULs next. */
  resetAfterTruncation(): void {
    this.reset();
    this.skippingNuls = true;
  }

  /** Starts in the middle of a line whose beginning is not ours to emit: skip up to its newline. */
  skipToNextLine(): void {
    this.reset();
    this.skippingRest = true;
    this.lineStartKnown = false;
  }

  private reset(): void {
    this.held = [];
    this.heldBytes = 0;
    this.skippingRest = false;
    this.skippingNuls = false;
    this.sinceNewline = 0;
    this.lineStartKnown = true;
  }

  private finishLine(tail: Uint8Array): void {
    if (this.skippingRest) {
      this.skippingRest = false;
      return;
    }
    if (this.heldBytes === 0) {
      if (tail.length > this.maxLineBytes) this.emitTruncated(tail);
      else this.emit(tail, undefined);
      return;
    }
    if (this.heldBytes + tail.length > this.maxLineBytes) {
      this.hold(tail); // emits the head, marked truncated, and starts skipping the rest
      this.skippingRest = false; // …which ends here, at this line's newline
      return;
    }
    this.held.push(tail);
    this.heldBytes += tail.length;
    this.emit(this.takeHeld(), undefined);
  }

  private hold(bytes: Uint8Array): void {
    if (this.skippingRest || bytes.length === 0) return;
    // copy: the caller's read buffer is reused for the next read
    this.held.push(bytes.slice());
    this.heldBytes += bytes.length;
    if (this.heldBytes > this.maxLineBytes) {
      this.emitTruncated(this.takeHeld());
      this.skippingRest = true;
    }
  }

  private takeHeld(): Uint8Array {
    const joined = concatBytes(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    return joined;
  }

  private emitTruncated(bytes: Uint8Array): void {
    this.emit(bytes.subarray(0, utf8Boundary(bytes, this.maxLineBytes)), TRUNCATED);
  }

  private emit(bytes: Uint8Array, flags: LineFlags | undefined): void {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CARRIAGE_RETURN) end--;
    if (end === 0) return;
    this.sink(decoder.decode(bytes.subarray(0, end)), flags);
  }
}

/** The largest length <= limit that does not end inside a UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let end = limit;
  // back off continuation bytes (10xxxxxx), at most 3, to the start of the character that crosses the limit
  while (end > 0 && limit - end < 3 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return end;
}
