// This host's entries into the JetStream stream. Lines of one file are gathered between the tail's positions
// (so each message knows exactly which bytes it carries), several hundred entries per message, sealed at the
// end of a read; a bounded window of messages is in flight, acked in order. While NATS is slow or away the
// queue fills and waitForRoom() holds the Monitor: the file is the buffer and memory stays bounded. A failed
// message is sent again with the same Nats-Msg-Id, so the stream stores it once.
import type { NatsLink } from "../nats-port.ts";
import type { FileHandle, FileStat } from "../runtime.ts";
import type { FilePosition } from "../tail/tailer.ts";
import { atNextTurn } from "../util/event-loop.ts";
import { entrySubject } from "../wire/nats-subject.ts";
import { NatsBatches, type NatsPublishFileStatus, type SealedMessage } from "./nats-batches.ts";
import { resumeOffset } from "./nats-resume.ts";

export type { NatsPublishFileStatus } from "./nats-batches.ts";

export interface NatsPublisherOptions {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly host: string;
  readonly log: (line: string) => void;
  /** Entries per message (default 500; see NatsBatches). */
  readonly maxEntries?: number;
  /** Bytes of entry text per message (default 256 KiB). */
  readonly maxBytes?: number;
  /** Messages published and not yet acked (default 32): room for a scheduler hiccup on a loaded host. */
  readonly window?: number;
  /** Sealed messages waiting for the window (default 16); beyond it the Monitor waits. */
  readonly queueLimit?: number;
  readonly ackTimeoutMs?: number;
  /** Wait before sending failed messages again (attempt 1, 2, …). */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Every line of `path` before `at.offset` is in the stream (acked, or given up on and counted): where a
   * checkpoint may advance to. Called in each file's order, never past a message still unacked.
   */
  readonly acked?: (path: string, at: FilePosition) => void;
}

/** Per path, what `acked` waits on: messages sealed and not yet settled, in order, and recent positions. */
interface AckTrack {
  readonly unsettled: SealedMessage[];
  /** Positions handed on since the newest settled message's end, oldest first. */
  positions: FilePosition[];
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
  private readonly batches: NatsBatches;
  private readonly queue: SealedMessage[] = [];
  private readonly failed: SealedMessage[] = [];
  private inFlight = 0;
  private retryAttempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private released = false;
  private flushQueued = false;
  private readonly window: number;
  private readonly queueLimit: number;
  private readonly tracks = new Map<string, AckTrack>();
  private readonly settled = new WeakSet<SealedMessage>();

  constructor(private readonly options: NatsPublisherOptions) {
    this.batches = new NatsBatches(options, (message) => {
      this.queue.push(message);
      if (options.acked !== undefined) this.trackOf(message.file.path).unsettled.push(message);
    });
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
    this.batches.line(path, source, json);
  }

  /** Every line of `path` before `at.offset` was handed on (see NatsBatches.position). */
  position(path: string, source: string, at: FilePosition): void {
    if (this.options.acked !== undefined) this.trackOf(path).positions.push(at);
    if (this.batches.position(path, source, at)) this.flushSoon();
  }

  private trackOf(path: string): AckTrack {
    let track = this.tracks.get(path);
    if (track === undefined) {
      track = { unsettled: [], positions: [] };
      this.tracks.set(path, track);
    }
    return track;
  }

  /**
   * A message is acked or given up on: the messages of its file settled in a row from the oldest advance
   * the file's checkpoint to the position its last one ends at (acks of a window may come out of order).
   */
  private settle(message: SealedMessage): void {
    const acked = this.options.acked;
    if (acked === undefined) return;
    this.settled.add(message);
    const track = this.tracks.get(message.file.path);
    if (track === undefined) return;
    let end: SealedMessage | undefined;
    while (track.unsettled.length > 0 && this.settled.has(track.unsettled[0] as SealedMessage))
      end = track.unsettled.shift();
    if (end === undefined) return;
    // the position that message ended at: same offset, and the file it was read from
    const { file, offsets } = end;
    const at = track.positions.findLast(
      (position) =>
        position.offset === end.end && file.identities.get(`${position.dev}:${position.ino}`) === offsets,
    );
    if (at === undefined) return;
    track.positions = track.positions.slice(track.positions.indexOf(at) + 1);
    acked(message.file.path, at);
  }

  /**
   * At the next event-loop turns: seal what was gathered and send it. A file whose read is still handing on
   * lines (some arrived after its last position) keeps its batch open for the pieces that follow, up to
   * maxEntries / maxBytes, so one busy read makes a few large messages while a quiet file's line goes out
   * at once.
   */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // two turns: the tail yields at the start of its next piece, and its lines come in the turn after that
    atNextTurn(() => atNextTurn(this.sealIdle));
  }

  private readonly sealIdle = (): void => {
    this.flushQueued = false;
    if (this.stopped) return;
    const reading = this.batches.sealIdle();
    this.pump();
    if (reading) this.flushSoon();
  };

  /** The end of a read: every gathered batch becomes a message and goes out as the window allows. */
  flush(): void {
    this.batches.sealAll();
    this.pump();
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

  private send(link: NatsLink, message: SealedMessage): void {
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
          this.settle(message);
        },
        (error: unknown) => {
          if (isPermanent(error)) {
            this.counters.dropped += message.count;
            this.settle(message);
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

  /** For a file that was there at start: where to continue it (see nats-resume.ts). */
  startOffset(
    _path: string,
    source: string,
    handle: FileHandle,
    opened: FileStat,
  ): Promise<number | undefined> {
    const subject = entrySubject(this.options.subjectPrefix, this.options.host, source);
    return resumeOffset(this.link, this.options.stream, subject, handle, opened);
  }

  filesStatus(): NatsPublishFileStatus[] {
    return this.batches.status();
  }

  /** Stops retrying; what was not acked stays in the files (a restart continues after what the stream holds). */
  stop(): void {
    this.stopped = true;
    this.released = true;
    clearTimeout(this.retryTimer);
    this.wakeWaiters();
  }
}
