// The lines of each followed file, gathered between the tail's positions into batches that know exactly which
// bytes of which file they carry (see wire/nats-batch.ts), and sealed into messages: one busy read's pieces
// into a few large messages, a quiet file's line at once. Also how far each file was read and acked.
import type { FilePosition } from "../tail/tailer.ts";
import {
  type BatchFile,
  type BatchOrigin,
  batchHeaders,
  batchMsgId,
  encodeBatch,
} from "../wire/nats-batch.ts";
import { entrySubject } from "../wire/nats-subject.ts";

/** One message, sealed: what it carries and its id never change, whatever retries it takes. */
export interface SealedMessage {
  readonly order: number;
  readonly file: FileState;
  readonly offsets: FileOffsets;
  readonly subject: string;
  readonly msgId: string;
  readonly data: Uint8Array;
  readonly headers: ReadonlyMap<string, string>;
  readonly count: number;
  readonly end: number;
}

/** The lines of one file gathered since the last seal. */
interface OpenBatch {
  readonly origin: { file: BatchFile; start: number };
  end: number;
  readonly jsons: string[];
  bytes: number;
}

/** How far one file (one identity at the path) was read and acked. */
export interface FileOffsets {
  /** Offset after the last line handed on (the last position). */
  readOffset: number;
  /** End offset of the newest message acked. */
  ackedOffset: number;
}

/** A rotated-away file is drained for rotate_wait_ms while the new one is read: both are remembered. */
const IDENTITIES_PER_PATH = 4;

export interface FileState {
  readonly path: string;
  readonly source: string;
  readonly subject: string;
  /** `dev:ino` of the file the last position named. */
  identity: string;
  /** The offsets of that file (and of the few before it at the path, newest last). */
  offsets: FileOffsets;
  readonly identities: Map<string, FileOffsets>;
  /** Entries since the last position: their bytes are not known to end anywhere yet. */
  lines: string[];
  linesBytes: number;
  open: OpenBatch | undefined;
}

export interface NatsPublishFileStatus {
  path: string;
  source: string;
  subject: string;
  read_offset: number;
  acked_offset: number;
  /** Bytes read from the file and not yet acked by the stream. */
  behind_bytes: number;
}

export interface NatsBatchesOptions {
  readonly subjectPrefix: string;
  readonly host: string;
  /** Entries per message (default 500); a piece of a read may carry one past it. */
  readonly maxEntries?: number;
  /** Bytes of entry text per message (default 256 KiB); likewise. */
  readonly maxBytes?: number;
}

export class NatsBatches {
  private readonly files = new Map<string, FileState>();
  private order = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(
    private readonly options: NatsBatchesOptions,
    private readonly onSealed: (message: SealedMessage) => void,
  ) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
  }

  /** An entry of the line just handed on for `path`. */
  line(path: string, source: string, json: string): void {
    const file = this.fileState(path, source);
    file.lines.push(json);
    file.linesBytes += json.length;
  }

  /**
   * Every line of `path` before `at.offset` was handed on: the lines since the last position end there.
   * True when it gathered some (a seal is then due).
   */
  position(path: string, source: string, at: FilePosition): boolean {
    const file = this.fileState(path, source);
    const identity = `${at.dev}:${at.ino}`;
    if (identity !== file.identity) {
      this.sealFile(file);
      file.identity = identity;
      file.offsets = this.offsetsOf(file, identity, at);
    }
    if (at.offset < file.offsets.readOffset) {
      // truncated: the tail starts over from 0 (and says so with a position at 0 before any line)
      this.sealFile(file);
      file.offsets.readOffset = this.estimatedStart(file, at);
      file.offsets.ackedOffset = file.offsets.readOffset;
    }
    const gathered = file.lines.length > 0;
    if (gathered) this.gather(file, at);
    file.offsets.readOffset = at.offset;
    return gathered;
  }

  /**
   * Seals every gathered batch, but for a file still handing on lines (some arrived after its last
   * position): its batch stays open for the pieces that follow. True when one stayed open.
   */
  sealIdle(): boolean {
    let reading = false;
    for (const file of this.files.values()) {
      if (file.open !== undefined && file.lines.length > 0) reading = true;
      else this.sealFile(file);
    }
    return reading;
  }

  /** Seals every gathered batch. */
  sealAll(): void {
    for (const file of this.files.values()) this.sealFile(file);
  }

  private offsetsOf(file: FileState, identity: string, at: FilePosition): FileOffsets {
    let offsets = file.identities.get(identity);
    if (offsets === undefined) {
      const start = this.estimatedStart(file, at);
      offsets = { readOffset: start, ackedOffset: start };
      file.identities.set(identity, offsets);
      const oldest = file.identities.keys().next().value;
      if (file.identities.size > IDENTITIES_PER_PATH && oldest !== undefined) file.identities.delete(oldest);
    }
    return offsets;
  }

  /**
   * Where the lines pending before a file's first position began. The tail reports a file's start before
   * its first line (see Tailer.open), so this is `at.offset` itself except for a file begun inside an
   * over-long line, whose first line's start is not known: then as far back as its text reaches.
   */
  private estimatedStart(file: FileState, at: FilePosition): number {
    return Math.max(0, at.offset - file.linesBytes - file.lines.length);
  }

  private gather(file: FileState, at: FilePosition): void {
    const batchFile: BatchFile = {
      dev: at.dev,
      ino: at.ino,
      prefixLength: at.prefix.length,
      prefixHash: at.prefix.hash,
    };
    let open = file.open;
    if (
      open === undefined ||
      open.end !== file.offsets.readOffset ||
      open.origin.file.dev !== at.dev ||
      open.origin.file.ino !== at.ino
    ) {
      this.sealFile(file);
      open = {
        origin: { file: batchFile, start: file.offsets.readOffset },
        end: at.offset,
        jsons: [],
        bytes: 0,
      };
      file.open = open;
    }
    for (const json of file.lines) open.jsons.push(json);
    open.bytes += file.linesBytes;
    open.end = at.offset;
    file.lines = [];
    file.linesBytes = 0;
    if (open.jsons.length >= this.maxEntries || open.bytes >= this.maxBytes) this.sealFile(file);
  }

  private sealFile(file: FileState): void {
    const open = file.open;
    if (open === undefined) return;
    file.open = undefined;
    const origin: BatchOrigin = { host: this.options.host, ...open.origin, end: open.end };
    this.onSealed({
      order: this.order++,
      file,
      offsets: file.offsets,
      subject: file.subject,
      msgId: batchMsgId(origin),
      data: encodeBatch(open.jsons),
      headers: batchHeaders(origin, open.jsons.length),
      count: open.jsons.length,
      end: open.end,
    });
  }

  private fileState(path: string, source: string): FileState {
    let file = this.files.get(path);
    if (file === undefined) {
      file = {
        path,
        source,
        subject: entrySubject(this.options.subjectPrefix, this.options.host, source),
        identity: "",
        offsets: { readOffset: 0, ackedOffset: 0 },
        identities: new Map(),
        lines: [],
        linesBytes: 0,
        open: undefined,
      };
      this.files.set(path, file);
    }
    return file;
  }

  status(): NatsPublishFileStatus[] {
    return [...this.files.values()].map((file) => ({
      path: file.path,
      source: file.source,
      subject: file.subject,
      read_offset: file.offsets.readOffset,
      acked_offset: file.offsets.ackedOffset,
      behind_bytes: Math.max(0, file.offsets.readOffset - file.offsets.ackedOffset),
    }));
  }
}
