// One followed path. The file at the path may change under it (rename rotation, copytruncate, delete and
// recreate, atomic replace); the Tailer notices on each poll and keeps every line exactly once.

import type { FileHandle, FileKind, FileStat, FileSystem, FsError } from "../runtime.ts";
import type { Confinement } from "./confinement.ts";
import { comparePrefix, PREFIX_BYTES, type Prefix, readPrefix } from "./fingerprint.ts";
import type { LineFlags } from "./lines.ts";
import { FileReader, type ReaderOptions, type ReadOutcome, type Truncation } from "./reader.ts";

/** Asked when a file that was there at start is opened: where to start instead of after its last newline. */
export type StartOffsetHook = (
  path: string,
  source: string,
  handle: FileHandle,
  opened: FileStat,
) => Promise<number | undefined>;

export interface TailerOptions extends ReaderOptions {
  readonly rotateWaitMs: number;
  /**
   * For a file that was there at start: a line-aligned offset to start at (e.g. after what the NATS stream
   * already holds of it), or undefined for the default (after its last newline). Ignored beyond the end.
   */
  readonly startOffset?: StartOffsetHook | undefined;
  /** A directory target's match: opened only while its real path stays inside the directory. */
  readonly confinement?: Confinement | undefined;
}

/**
 * Where a file has been read up to, line-aligned: the file (device, inode and the first bytes' fingerprint
 * as the reader remembers them) and the offset after the last line handed on.
 */
export interface FilePosition {
  readonly dev: number;
  readonly ino: number;
  readonly prefix: Prefix;
  readonly offset: number;
}

export interface TailerEvents {
  line(tailer: Tailer, text: string, flags: LineFlags | undefined): void;
  /** After lines were handed on (see ReaderPositionSink): every line before `at.offset` went to `line`. */
  position?(tailer: Tailer, at: FilePosition): void;
  /** A rotated-away file was read to its end and let go: a checkpoint of it is no longer needed. */
  released?(tailer: Tailer, file: { dev: number; ino: number }): void;
  /** Rotations, truncations and errors, for logwisp's own log and SSE `event: rotation`. */
  notice(
    tailer: Tailer,
    kind: "rotated" | "deleted" | "truncated" | "error" | "recovered",
    detail: string,
  ): void;
}

export interface TailerStatus {
  path: string;
  source: string;
  identity: { dev: number; ino: number; prefix_bytes: number; prefix_hash: string } | null;
  offset: number;
  pending_bytes: number;
  rotations: number;
  truncations: number;
  lines_read: number;
  /** Bytes read, across rotations and truncations (the offset starts over, this does not). */
  bytes_read: number;
  /** Bytes in the file (and in rotated files still drained) beyond what was read, as of their last check. */
  unread_bytes: number;
  duplicates_risked: number;
  draining: number;
  error: string | null;
}

/** A reader whose path now names another file (or none): read until the grace window ends. */
interface RetiredReader {
  readonly reader: FileReader;
  readonly until: number;
}

export class Tailer {
  private current: FileReader | undefined;
  private retired: RetiredReader[] = [];
  private rotations = 0;
  private truncations = 0;
  private duplicatesRisked = 0;
  /** Lines and bytes of readers already let go, so the counts never go back. */
  private linesReadBefore = 0;
  private bytesReadBefore = 0;
  private error: string | undefined;
  /** Where the first open of the path starts instead of `fromEnd`'s choice (see resumeFrom); used once. */
  private resumeAt: FilePosition | "beginning" | undefined;

  constructor(
    readonly path: string,
    readonly source: string,
    private readonly fs: FileSystem,
    private readonly options: TailerOptions,
    private readonly events: TailerEvents,
  ) {}

  /** Nothing is being drained and no error is pending: the path may be checked less often while quiet. */
  get settled(): boolean {
    return this.retired.length === 0 && this.error === undefined;
  }

  /** Bytes read from the path's files so far (what status() calls bytes_read), without building a status. */
  get bytesRead(): number {
    let sum = this.bytesReadBefore + (this.current?.bytesRead ?? 0);
    for (const { reader } of this.retired) sum += reader.bytesRead;
    return sum;
  }

  /** True when nothing is open: a path that is gone can be forgotten. */
  get idle(): boolean {
    return this.current === undefined && this.retired.length === 0;
  }

  /**
   * Before the first poll: open the file at the path at this checkpoint if it is still that file, grown or
   * not (same device, inode and first bytes, at least `offset` long); else from its start (truncated or
   * replaced while logwisp was down). "beginning": from its start, whenever the file was there.
   */
  resumeFrom(position: FilePosition | "beginning"): void {
    this.resumeAt = position;
  }

  /**
   * Before the first poll: the file this path named at a checkpoint, rotated away while logwisp was down and
   * found at `oldPath` by its identity, is read on from the checkpoint first (like a file rotated while
   * running, then kept for the grace window). False when `oldPath` is not that file after all.
   */
  async adoptRotated(oldPath: string, position: FilePosition, now: number): Promise<boolean> {
    let handle: FileHandle | undefined;
    try {
      handle = await this.fs.open(oldPath);
      const opened = await handle.stat();
      if (!(await this.sameFile(handle, opened, position))) return false;
      this.retired.push({
        reader: this.newReader(handle, opened, position.offset),
        until: now + this.options.rotateWaitMs,
      });
      handle = undefined;
      this.rotations++;
      this.events.notice(
        this,
        "rotated",
        `${this.path} was rotated while logwisp was down; reading the rest of the old file (now ${oldPath}) from offset ${position.offset} first`,
      );
      return true;
    } catch (cause) {
      this.reportError(cause);
      return false;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** The open file is the one of the checkpoint, and still holds at least what was read of it. */
  private async sameFile(handle: FileHandle, opened: FileStat, at: FilePosition): Promise<boolean> {
    if (opened.dev !== at.dev || opened.ino !== at.ino || opened.size < at.offset) return false;
    const current = await readPrefix(handle, opened.size, this.options.buffer);
    return comparePrefix(at.prefix, current).same;
  }

  /**
   * One poll. `fromEnd` is set for files that were there before logwisp started. Resolves "more" when a
   * file still has unread bytes after this poll's budget.
   */
  async poll(stat: FileStat | undefined, fromEnd: boolean, now: number): Promise<ReadOutcome> {
    let outcome: ReadOutcome = "eof";
    const current = this.current;
    if (current && (stat?.kind !== "file" || !current.isSameFile(stat))) {
      // read the old handle to EOF first: lines written just before a rename live only there
      await this.readDetached(current);
      this.retire(current, now, stat ? "rotated" : "deleted");
    }
    // retired readers first: their lines were written before the new file's
    for (const { reader } of this.retired) if ((await this.readDetached(reader)) === "more") outcome = "more";
    if ((await this.finishExpired(now)) === "more") outcome = "more";
    if (this.current && stat)
      outcome = (await this.readCurrent(this.current, stat, now)) === "more" ? "more" : outcome;
    else if (stat?.kind === "file" && (await this.open(fromEnd, stat))) {
      if (this.current && (await this.readOn(this.current)) === "more") outcome = "more";
    } else if (stat && stat.kind !== "file" && stat.kind !== "directory")
      this.reportError(notRegular(stat.kind));
    return outcome;
  }

  private async readCurrent(reader: FileReader, stat: FileStat, now: number): Promise<ReadOutcome> {
    await this.restartIfTruncated(reader, stat, now, false);
    if (stat.size <= reader.offset) return "eof";
    return this.readOn(reader);
  }

  /** After a stat that found new bytes: read them (the file cannot have shrunk since but by a race). */
  private async readOn(reader: FileReader): Promise<ReadOutcome> {
    const outcome = await this.readChecked(reader);
    return outcome === "shrunk" ? "eof" : outcome;
  }

  /**
   * Reads on; a truncate-and-regrow past the offset that the read itself found restarts at 0 first.
   * "shrunk": nothing read, the file is now shorter than what was read of it.
   */
  private async readChecked(reader: FileReader): Promise<ReadOutcome | "shrunk"> {
    const outcome = await reader.read();
    if (outcome !== "regrown") return outcome;
    await this.restart(reader, "regrown", PREFIX_BYTES);
    // from 0, with no bytes before the offset to check: neither regrown nor shrunk
    return (await reader.read()) === "more" ? "more" : "eof";
  }

  /** A file is open, nothing is drained and no error pending: a content hint may be answered by readOnly. */
  get canReadOn(): boolean {
    return this.current !== undefined && this.settled;
  }

  /**
   * For a hint that only the content of the file changed: reads on from the open file without a stat of
   * the path (the monitor stats it at least every check_interval_ms, and at every other hint). "stat":
   * nothing was read, the file is shorter than what was read of it (or none is open); a poll with a stat
   * must look.
   */
  async readOnly(): Promise<ReadOutcome | "stat"> {
    const reader = this.current;
    if (reader === undefined || !this.settled) return "stat";
    const outcome = await this.readChecked(reader);
    return outcome === "shrunk" ? "stat" : outcome;
  }

  /**
   * A file no longer at the path is checked through its own handle: it may have been truncated (and
   * regrown) before it left, and reading on from the old offset would start mid-line in other lines.
   */
  private async readDetached(reader: FileReader): Promise<ReadOutcome> {
    const stat = await reader.handle.stat();
    // a file that left the path is rarely written: its prefix is checked at every change, as it leaves too
    await this.restartIfTruncated(reader, stat, 0, true);
    // nothing new: the stat says so, and a read would only find the end (each poll of a rotate grace,
    // for every file retired in it: a file rotated every second has five)
    if (stat.size <= reader.offset) return "eof";
    return this.readOn(reader);
  }

  private async restartIfTruncated(
    reader: FileReader,
    stat: FileStat,
    now: number,
    force: boolean,
  ): Promise<void> {
    const truncation = await reader.detectTruncation(stat, now, force);
    if (truncation !== "none") await this.restart(reader, truncation, stat.size);
  }

  private async restart(
    reader: FileReader,
    truncation: Exclude<Truncation, "none">,
    size: number,
  ): Promise<void> {
    this.truncations++;
    // the same first bytes after a shrink may be a rewrite of lines already sent: they go out again
    if (truncation === "shrunk-same-prefix") this.duplicatesRisked++;
    this.events.notice(
      this,
      "truncated",
      `${this.path} truncated at offset ${reader.offset}; reading from 0`,
    );
    await reader.restartAfterTruncation(size);
    this.reportPosition(reader);
  }

  private reportPosition(reader: FileReader): void {
    this.events.position?.(this, {
      dev: reader.dev,
      ino: reader.ino,
      prefix: reader.prefix,
      offset: reader.offset,
    });
  }

  private async open(fromEnd: boolean, stat: FileStat): Promise<boolean> {
    // closed here unless a reader took it: a failure after the open must not leave the descriptor behind
    let unowned: FileHandle | undefined;
    try {
      const confined = await this.checkConfinement(stat);
      if (confined === false) return false;
      const handle = await this.fs.open(this.path);
      unowned = handle;
      // the path may have changed between stat and open: trust the handle
      const opened = await handle.stat();
      if (confined !== true) {
        // confirmConfinement closes the handle itself when the file is not the one checked
        unowned = undefined;
        if (!(await this.confirmConfinement(confined, handle, opened))) return false;
        unowned = handle;
      }
      const start = await this.startOffset(handle, opened, fromEnd);
      const reader = this.newReader(handle, opened, start === -1 ? opened.size : start);
      if (start === -1) reader.skipToNextLine();
      await reader.rememberPrefix(opened.size);
      this.current = reader;
      // where its lines start: a place to start again from (a file no line was read from keeps its place),
      // and the first byte a published batch names
      if (start !== -1) this.reportPosition(reader);
      unowned = undefined;
      this.clearError();
      return true;
    } catch (cause) {
      this.reportError(cause);
      return false;
    } finally {
      await unowned?.close().catch(() => undefined);
    }
  }

  /**
   * Where a newly opened file starts: a checkpoint of the same file (state), what a NATS stream already holds
   * of it (the startOffset hook: a restarted publisher doubles nothing), whichever is further; else its end
   * for a file that was there at start, its beginning for one that appeared later.
   */
  private async startOffset(handle: FileHandle, opened: FileStat, fromEnd: boolean): Promise<number> {
    const resume = this.resumeAt;
    this.resumeAt = undefined;
    if (resume === "beginning") return 0;
    const published = fromEnd || resume !== undefined ? await this.publishedUpTo(handle, opened) : undefined;
    if (resume === undefined) {
      if (published !== undefined) return published;
      return fromEnd ? FileReader.startOffsetAtEnd(handle, opened.size, this.options) : 0;
    }
    let own = 0;
    if (await this.sameFile(handle, opened, resume)) {
      own = resume.offset;
    } else {
      const how = opened.dev === resume.dev && opened.ino === resume.ino ? "truncated" : "replaced";
      this.events.notice(
        this,
        "truncated",
        `${this.path} was ${how} while logwisp was down; reading it from its start`,
      );
    }
    return published === undefined ? own : Math.max(own, published);
  }

  /** The hook's answer when it names a place inside the file. */
  private async publishedUpTo(handle: FileHandle, opened: FileStat): Promise<number | undefined> {
    const at = await this.options.startOffset?.(this.path, this.source, handle, opened);
    return at !== undefined && at >= 0 && at <= opened.size ? at : undefined;
  }

  private newReader(handle: FileHandle, opened: FileStat, start: number): FileReader {
    const reader: FileReader = new FileReader(
      handle,
      opened.dev,
      opened.ino,
      opened,
      start,
      this.options,
      (text, flags) => this.events.line(this, text, flags),
      this.events.position === undefined
        ? undefined
        : (offset) =>
            this.events.position?.(this, { dev: reader.dev, ino: reader.ino, prefix: reader.prefix, offset }),
    );
    return reader;
  }

  /**
   * Before an open: true when the path is not confined, false when it may not be opened (now), else the
   * real path to confirm the handle against.
   */
  private async checkConfinement(stat: FileStat): Promise<boolean | string> {
    const verdict = await this.options.confinement?.check(this.path, stat);
    if (verdict === undefined) return true;
    if (verdict.kind === "inside") return verdict.realPath;
    if (verdict.kind === "outside") this.report(verdict.detail);
    return false;
  }

  /** The handle is the file checked, not one a swapped link led to in between: else closed, tried next poll. */
  private async confirmConfinement(realPath: string, handle: FileHandle, opened: FileStat): Promise<boolean> {
    let same = false;
    try {
      same = (await this.options.confinement?.confirm(realPath, opened)) === true;
    } finally {
      if (!same) await handle.close();
    }
    return same;
  }

  private retire(reader: FileReader, now: number, kind: "rotated" | "deleted"): void {
    this.current = undefined;
    this.rotations++;
    this.retired.push({ reader, until: now + this.options.rotateWaitMs });
    this.events.notice(
      this,
      kind,
      `${this.path} ${kind}; draining the old file for ${this.options.rotateWaitMs} ms at offset ${reader.offset}`,
    );
  }

  /** Lets go of readers past their grace window, each once it has been read to its end. */
  private async finishExpired(now: number): Promise<ReadOutcome> {
    if (this.retired.length === 0) return "eof";
    let outcome: ReadOutcome = "eof";
    const keep: RetiredReader[] = [];
    for (const entry of this.retired) {
      if (entry.until > now) keep.push(entry);
      else if ((await this.readDetached(entry.reader)) === "more") {
        // more than one poll's budget was written near the end of the window: finish it next poll
        keep.push(entry);
        outcome = "more";
      } else {
        await entry.reader.finish();
        this.events.released?.(this, { dev: entry.reader.dev, ino: entry.reader.ino });
        // after finish: the partial line it emits counts as read too
        this.linesReadBefore += entry.reader.linesRead;
        this.bytesReadBefore += entry.reader.bytesRead;
      }
    }
    this.retired = keep;
    return outcome;
  }

  reportError(cause: unknown): void {
    const { code, message } = asFsError(cause);
    const text =
      code === "EACCES" || code === "EPERM" ? `permission denied: ${this.path}` : `${this.path}: ${message}`;
    this.report(text, " (will retry)");
  }

  /** Once per distinct problem, not once per poll; `text` is also the status's `error`. */
  private report(text: string, retry = ""): void {
    if (this.error === text) return;
    this.error = text;
    this.events.notice(this, "error", `${text}${retry}`);
  }

  private clearError(): void {
    if (this.error === undefined) return;
    this.error = undefined;
    this.events.notice(this, "recovered", `${this.path} is readable again`);
  }

  /** Stops following. Held partial lines are not emitted: logwisp stopping is not the file going away. */
  async close(): Promise<void> {
    const readers = [...this.retired.map((entry) => entry.reader), ...(this.current ? [this.current] : [])];
    this.retired = [];
    this.current = undefined;
    await Promise.all(readers.map((reader) => reader.close()));
  }

  status(): TailerStatus {
    const reader = this.current;
    const readers = [...this.retired.map((entry) => entry.reader), ...(reader ? [reader] : [])];
    return {
      path: this.path,
      source: this.source,
      identity: reader
        ? {
            dev: reader.dev,
            ino: reader.ino,
            prefix_bytes: reader.prefix.length,
            prefix_hash: reader.prefix.hash.toString(16).padStart(8, "0"),
          }
        : null,
      offset: reader?.offset ?? 0,
      pending_bytes: reader?.pendingBytes ?? 0,
      rotations: this.rotations,
      truncations: this.truncations,
      lines_read: this.linesReadBefore + readers.reduce((sum, r) => sum + r.linesRead, 0),
      bytes_read: this.bytesReadBefore + readers.reduce((sum, r) => sum + r.bytesRead, 0),
      unread_bytes: readers.reduce((sum, r) => sum + r.unreadBytes, 0),
      duplicates_risked: this.duplicatesRisked,
      draining: this.retired.length,
      error: this.error ?? null,
    };
  }
}

const KIND_NAMES: Record<Exclude<FileKind, "file" | "directory">, string> = {
  fifo: "a FIFO",
  socket: "a socket",
  "character-device": "a character device",
  "block-device": "a block device",
  other: "neither a file nor a directory",
};

/**
 * A FIFO, socket or device at the path is never opened: opening a FIFO blocks until a writer comes, and a
 * device has no end (/dev/zero never finds a newline). Reported like any error, once, naming what is there,
 * and followed if a regular file takes its place.
 */
function notRegular(kind: Exclude<FileKind, "file" | "directory">): FsError {
  return { code: "ENOTREG", message: `not a regular file (${KIND_NAMES[kind]}), not opened` };
}

export function asFsError(cause: unknown): FsError {
  if (typeof cause === "object" && cause !== null) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    return { code: typeof code === "string" ? code : "EUNKNOWN", message: String(message ?? cause) };
  }
  return { code: "EUNKNOWN", message: String(cause) };
}
