// The first EntrySource: this machine's files. The Monitor reads lines (tail/), each target's include /
// exclude keeps or drops them, parseLine makes them entries (entry/), and the lines of one read go to the
// hub as one batch at the end of the turn. A rotation, deletion or truncation becomes `event: rotation`
// on SSE after the lines read before it.

import type { Config, LineFormat } from "../config/schema.ts";
import { type LogEntry, parseLine, serializeEntry } from "../entry/entry.ts";
import { TargetFilter } from "../entry/target-filter.ts";
import { targetFormats } from "../entry/target-formats.ts";
import type { Runtime } from "../runtime.ts";
import type { LineFlags } from "../tail/lines.ts";
import { Monitor } from "../tail/monitor.ts";
import { LINES_PER_TURN } from "../tail/reader.ts";
import type { Checkpoints } from "../tail/resume.ts";
import type { FilePosition } from "../tail/tailer.ts";
import { yieldToEventLoop } from "../util/event-loop.ts";
import { nowMicros } from "../util/time.ts";
import { encodeNamedEvent } from "../wire/framing.ts";
import type { PublishedPositions } from "./checkpoints.ts";
import type { EntrySource, SourceFileStatus } from "./entry-source.ts";
import { hintWindowMs } from "./hint-window.ts";
import type { Hub } from "./hub.ts";
import type { NatsPublisher } from "./nats-publisher.ts";

export interface LocalFilesOptions {
  /** Every entry's `"host"`; absent: entries name no host. */
  readonly host?: string | undefined;
  /** Where the entries are published to NATS (`[nats] publish`); each batch knows the bytes it carries. */
  readonly publisher?: NatsPublisher | undefined;
  /**
   * Whether entries also go to this instance's hub (default true). Off when they reach its clients through
   * the stream instead (NATS publish and serve both on), so none arrives twice.
   */
  readonly toHub?: boolean;
}

/**
 * What a restart resumes from. `positions` is told where each file was published up to, once the lines
 * before it reached the hub (a NATS publisher would instead tell it from its acks); `saved` gives the last
 * run's checkpoints when the files are first listed.
 */
export interface LocalFilesState {
  readonly positions: PublishedPositions;
  readonly saved: () => Checkpoints | undefined;
}

export class LocalFiles implements EntrySource {
  private readonly monitor: Monitor;
  /** Targets' include/exclude; undefined when none sets them. */
  private targetFilter: TargetFilter | undefined;
  /** Each file's `format` (its target's, else [monitor]'s). */
  private formatOf: (path: string) => LineFormat;
  /** Entries serialised in this event-loop turn (and the entries themselves, for filters), handed to the hub as one batch at its end. */
  private pending: string[] = [];
  private pendingEntries: LogEntry[] = [];
  private flushQueued = false;
  /** When the lines of this turn's batch were read: the reader hands on a slice of one read at once. */
  private batchReadMicros = 0;
  /** Positions reached by the lines of this turn's batch: they count once the batch reached the hub. */
  private pendingPaths: string[] = [];
  private pendingPositions: FilePosition[] = [];
  private readonly toHub: boolean;

  constructor(
    private readonly runtime: Runtime,
    monitor: Config["monitor"],
    private readonly hub: Hub,
    private readonly state?: LocalFilesState,
    private readonly options: LocalFilesOptions = {},
  ) {
    this.toHub = options.toHub ?? true;
    this.targetFilter = TargetFilter.from(runtime, monitor.targets);
    this.formatOf = targetFormats(runtime, monitor.format, monitor.targets);
    this.monitor = new Monitor(
      runtime,
      {
        checkIntervalMs: monitor.check_interval_ms,
        rotateWaitMs: monitor.rotate_wait_ms,
        maxLineBytes: monitor.max_line_bytes,
        targets: monitor.targets,
        followSymlinks: monitor.follow_symlinks,
        yieldToEventLoop: async () => {
          await yieldToEventLoop();
          if (this.toHub) await this.hub.waitForRoom(LINES_PER_TURN);
          // NATS slow or away: the reading waits, so the file is the buffer and memory stays bounded
          await options.publisher?.waitForRoom();
        },
        hintWindowMs: () => hintWindowMs(this.hub.activeClients()),
        readFrom: monitor.read_from,
        directReads: monitor.direct_reads,
        batchMs: monitor.batch_ms,
        startOffset: options.publisher?.startOffset.bind(options.publisher),
      },
      {
        line: (source, path, text, flags) => {
          if (this.targetFilter === undefined || this.targetFilter.passes(path, text)) {
            this.publishLine(source, path, text, flags);
          }
        },
        // with NATS publishing, a line counts as published once the stream acked it: the publisher takes the
        // positions and advances the checkpoints from its acks (see NatsPublisher's `acked`)
        position:
          options.publisher !== undefined
            ? (source, path, at) => options.publisher?.position(path, source, at)
            : state === undefined
              ? undefined
              : (_source, path, at) => this.reachedPosition(path, at),
        released: (path, file) => {
          this.flushPending();
          state?.positions.release(path, file);
        },
        forgotten: (path) => {
          this.flushPending();
          state?.positions.forget(path);
        },
        notice: (kind, path, detail) => {
          runtime.log(detail);
          // the lines read before the rotation go out before its event
          this.flushPending();
          if (kind === "rotated" || kind === "deleted" || kind === "truncated") {
            this.hub.broadcast("sse", encodeNamedEvent("rotation", { path, kind }));
          }
        },
      },
    );
  }

  /** Files followed now. */
  get fileCount(): number {
    return this.monitor.fileCount;
  }

  start(): Promise<void> {
    return this.monitor.start(this.state?.saved());
  }

  stop(): Promise<void> {
    return this.monitor.stop();
  }

  /**
   * A reload's [monitor] settings: targets, include/exclude, formats and poll settings, without stopping. Files
   * still followed keep their place (see Monitor.reconfigure); the lines read from now on meet the new
   * filters and formats. The excluded-line counts start over with the new filters.
   */
  reconfigure(monitor: Config["monitor"]): void {
    this.targetFilter = TargetFilter.from(this.runtime, monitor.targets);
    this.formatOf = targetFormats(this.runtime, monitor.format, monitor.targets);
    this.monitor.reconfigure({
      checkIntervalMs: monitor.check_interval_ms,
      rotateWaitMs: monitor.rotate_wait_ms,
      maxLineBytes: monitor.max_line_bytes,
      targets: monitor.targets,
      followSymlinks: monitor.follow_symlinks,
      directReads: monitor.direct_reads,
      batchMs: monitor.batch_ms,
    });
  }

  status(): SourceFileStatus[] {
    return this.monitor.status().map((file) => ({
      ...file,
      excluded: this.targetFilter?.excludedLines(file.path) ?? 0,
    }));
  }

  private publishLine(source: string, path: string, text: string, flags: LineFlags | undefined): void {
    const publisher = this.options.publisher;
    if (publisher === undefined && !this.hub.replays && this.hub.activeClients() === 0) {
      // nobody to send it to and no ring to keep it for later: count it, skip the parse and serialisation
      this.flushPending();
      this.hub.countUnsent(1);
      return;
    }
    // one clock read per batch, not per line: its lines came out of the same read, and an entry's time
    // string (with its JSON) is then made once per batch
    if (this.pending.length === 0) this.batchReadMicros = nowMicros();
    const entry: LogEntry = parseLine(text, source, this.batchReadMicros, this.formatOf(path));
    if (flags) entry.fields = { ...entry.fields, ...flags };
    if (this.options.host !== undefined) entry.host = this.options.host;
    const json = serializeEntry(entry);
    publisher?.line(path, source, json);
    if (this.toHub) {
      this.pending.push(json);
      this.pendingEntries.push(entry);
    }
    // the reader hands lines on synchronously, a slice at a time: one batch per slice, sent at the end of
    // the turn (a microtask: before any timer, heartbeat or new connection can observe the hub)
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushPending);
    }
  }

  /** Every line before `at` was handed on: published once this turn's batch is (at once when none is pending). */
  private reachedPosition(path: string, at: FilePosition): void {
    if (this.pending.length === 0) {
      this.state?.positions.advance(path, at);
      return;
    }
    this.pendingPaths.push(path);
    this.pendingPositions.push(at);
  }

  private readonly flushPending = (): void => {
    this.flushQueued = false;
    if (this.pending.length > 0) {
      const batch = this.pending;
      const entries = this.pendingEntries;
      this.pending = [];
      this.pendingEntries = [];
      this.hub.publishBatch(batch, entries);
    }
    // after the batch: a checkpoint never runs ahead of what the hub (and the ring) holds
    if (this.pendingPaths.length === 0) return;
    const paths = this.pendingPaths;
    const positions = this.pendingPositions;
    this.pendingPaths = [];
    this.pendingPositions = [];
    for (let i = 0; i < paths.length; i++)
      this.state?.positions.advance(paths[i] as string, positions[i] as FilePosition);
  };
}
