// This host's entries into the JetStream stream. Lines of one file are gathered between the tail's positions
// (so each message knows exactly which bytes it carries), several hundred entries per message, sealed at the
// end of a read; a bounded window of messages is in flight, acked in order. While NATS is slow or away the
// queue fills and waitForRoom() holds the Monitor: the file is the buffer and memory stays bounded. A failed
// message is sent again with the same Nats-Msg-Id, so the stream stores it once.
import type { NatsLink } from "../nats-port.ts";
import type { FileHandle, FileStat } from "../runtime.ts";
import { fnv1a } from "../tail/fingerprint.ts";
import type { FilePosition } from "../tail/tailer.ts";
import {
  type BatchFile,
  type BatchOrigin,
  batchHeaders,
  batchMsgId,
  encodeBatch,
  parseBatchOrigin,
} from "../wire/nats-batch.ts";
import { entrySubject } from "../wire/nats-subject.ts";

export interface NatsPublisherOptions {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly host: string;
  readonly log: (line: string) => void;
  /** Entries per message at most (default 500). */
  readonly maxEntries?: number;
  /** Bytes of entry text per message at most (default 256 KiB); a single larger entry goes alone. */
  readonly maxBytes?: number;
  /** Messages published and not yet acked (default 32): room for a scheduler hiccup on a loaded host. */
  readonly window?: number;
  /** Sealed messages waiting for the window (default 16); beyond it the Monitor waits. */
  readonly queueLimit?: number;
  readonly ackTimeoutMs?: number;
  /** Wait before sending failed messages again (attempt 1, 2, …). */
  readonly retryDelayMs?: (attempt: number) => number;
}

/** One message, sealed: what it carries and its id never change, whatever retries it takes. */
interface Sealed {
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
interface FileOffsets {
  /** Offset after the last line handed on (the last position). */
  readOffset: number;
  /** End offset of the newest message acked. */
  ackedOffset: number;
}

/** A rotated-away file is drained for rotate_wait_ms while the new one is read: both are remembered. */
const IDENTITIES_PER_PATH = 4;

interface FileState {
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

export interface NatsPublishCounters {
  /** Messages sent (each retry again). */
  published: number;
  acked: number;
  /** Acked as a duplicate: the stream already held that Msg-Id (a retry whose first try was stored). */
  duplicates: number;
  retried: number;
  /** Entries given up on (the server refused the message for good). */
  dropped: number;
  entriesAcked: number;
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

const DEFAULT_RETRY = (attempt: number): number => Math.min(250 * 2 ** (attempt - 1), 5000);

function isPermanent(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /payload|no stream|invalid subject/i.test(text);
}

export class NatsPublisher {
  readonly counters: NatsPublishCounters = {
    published: 0,
    acked: 0,
    duplicates: 0,
    retried: 0,
    dropped: 0,
    entriesAcked: 0,
  };
  private link: NatsLink | undefined;
  private readonly files = new Map<string, FileState>();
  private readonly queue: Sealed[] = [];
  private readonly failed: Sealed[] = [];
  private inFlight = 0;
  private order = 0;
  private retryAttempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private released = false;
  private flushQueued = false;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly window: number;
  private readonly queueLimit: number;

  constructor(private readonly options: NatsPublisherOptions) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.window = options.window ?? 32;
    this.queueLimit = options.queueLimit ?? 16;
  }

  /** The connection to publish on, once there is one. */
  attach(link: NatsLink): void {
    this.link = link;
    link.onState((state) => {
      if (state === "connected") this.pump();
    });
    this.pump();
  }

  /** An entry of the line just handed on for `path`. */
  line(path: string, source: string, json: string): void {
    const file = this.fileState(path, source);
    file.lines.push(json);
    file.linesBytes += json.length;
  }

  /** Every line of `path` before `at.offset` was handed on: the lines since the last position end there. */
  position(path: string, source: string, at: FilePosition): void {
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
    if (file.lines.length > 0) {
      this.gather(file, at);
      this.flushSoon();
    }
    file.offsets.readOffset = at.offset;
  }

  /** At the end of this turn (the tail's read goes on with its next piece after it): seal and send. */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
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

  /** The end of a read: every gathered batch becomes a message and goes out as the window allows. */
  flush(): void {
    for (const file of this.files.values()) this.sealFile(file);
    this.pump();
  }

  private sealFile(file: FileState): void {
    const open = file.open;
    if (open === undefined) return;
    file.open = undefined;
    const origin: BatchOrigin = { host: this.options.host, ...open.origin, end: open.end };
    this.queue.push({
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

  /** Resolves when the queue has room for another read's messages (awaited by the Monitor between slices). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private hasRoom(): boolean {
    return this.released || this.queue.length + this.failed.length < this.queueLimit;
  }

  /** No more holding the Monitor (it is stopping); messages still go out until stop(). */
  release(): void {
    this.released = true;
    this.wakeWaiters();
  }

  private pump(): void {
    const link = this.link;
    while (
      link !== undefined &&
      link.state === "connected" &&
      this.failed.length === 0 &&
      this.retryTimer === undefined &&
      !this.stopped &&
      this.inFlight < this.window
    ) {
      const message = this.queue.shift();
      if (message === undefined) break;
      this.send(link, message);
    }
    this.wakeWaiters();
  }

  private send(link: NatsLink, message: Sealed): void {
    this.inFlight++;
    this.counters.published++;
    link
      .publish(
        message.subject,
        message.data,
        message.headers,
        message.msgId,
        this.options.ackTimeoutMs ?? 5000,
      )
      .then(
        (ack) => {
          this.counters.acked++;
          if (ack.duplicate) this.counters.duplicates++;
          this.counters.entriesAcked += message.count;
          message.offsets.ackedOffset = Math.max(message.offsets.ackedOffset, message.end);
          this.retryAttempt = 0;
        },
        (error: unknown) => {
          if (isPermanent(error)) {
            this.counters.dropped += message.count;
            this.options.log(
              `NATS: ${message.count} entries of ${message.file.path} could not be published and were dropped: ${error instanceof Error ? error.message : String(error)}`,
            );
          } else this.failed.push(message);
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.failed.length > 0) this.scheduleRetry();
        this.pump();
      });
  }

  /** Every message in flight settled and some failed: send them again, in their order, after a wait. */
  private scheduleRetry(): void {
    const failed = this.failed.splice(0).sort((a, b) => a.order - b.order);
    this.counters.retried += failed.length;
    this.queue.unshift(...failed);
    this.retryAttempt++;
    if (this.retryAttempt === 1) {
      this.options.log(
        `NATS: publishing failed; retrying ${failed.length} messages (the file is the buffer meanwhile)`,
      );
    }
    const delay = (this.options.retryDelayMs ?? DEFAULT_RETRY)(this.retryAttempt);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  private wakeWaiters(): void {
    if (this.hasRoom() && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.idle && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Nothing queued, failed or in flight. */
  get idle(): boolean {
    return (
      !this.flushQueued &&
      this.queue.length === 0 &&
      this.failed.length === 0 &&
      this.inFlight === 0 &&
      this.retryTimer === undefined
    );
  }

  /** Resolves once everything sealed was acked (or given up on). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Entries sealed or in flight, not yet acked. */
  get pendingMessages(): number {
    return this.queue.length + this.failed.length + this.inFlight;
  }

  /**
   * For a file that was there at start: continue after the stream's newest message of its subject when that
   * message came from this very file (same device, inode and first bytes), so a restart doubles nothing.
   */
  async startOffset(
    _path: string,
    source: string,
    handle: FileHandle,
    opened: FileStat,
  ): Promise<number | undefined> {
    const link = this.link;
    if (link === undefined || link.state !== "connected") return undefined;
    const subject = entrySubject(this.options.subjectPrefix, this.options.host, source);
    let last: Awaited<ReturnType<NatsLink["lastBySubject"]>>;
    try {
      last = await link.lastBySubject(this.options.stream, subject);
    } catch {
      return undefined;
    }
    const origin = last === undefined ? undefined : parseBatchOrigin(last.headers);
    if (origin === undefined || origin.file.dev !== opened.dev || origin.file.ino !== opened.ino)
      return undefined;
    if (origin.end > opened.size || origin.file.prefixLength > opened.size) return undefined;
    const prefix = new Uint8Array(origin.file.prefixLength);
    let read = 0;
    while (read < prefix.length) {
      const n = await handle.read(prefix.subarray(read), read);
      if (n === 0) return undefined;
      read += n;
    }
    return fnv1a(prefix) === origin.file.prefixHash ? origin.end : undefined;
  }

  filesStatus(): NatsPublishFileStatus[] {
    return [...this.files.values()].map((file) => ({
      path: file.path,
      source: file.source,
      subject: file.subject,
      read_offset: file.offsets.readOffset,
      acked_offset: file.offsets.ackedOffset,
      behind_bytes: Math.max(0, file.offsets.readOffset - file.offsets.ackedOffset),
    }));
  }

  /** Stops retrying; what was not acked stays in the files (a restart continues after what the stream holds). */
  stop(): void {
    this.stopped = true;
    this.released = true;
    clearTimeout(this.retryTimer);
    this.wakeWaiters();
  }
}
