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
import { yieldToEventLoop } from "../util/event-loop.ts";
import { nowMicros } from "../util/time.ts";
import { encodeNamedEvent } from "../wire/framing.ts";
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

export class LocalFiles implements EntrySource {
  private readonly monitor: Monitor;
  /** Targets' include/exclude; undefined when none sets them. */
  private readonly targetFilter: TargetFilter | undefined;
  /** Each file's `format` (its target's, else [monitor]'s). */
  private readonly formatOf: (path: string) => LineFormat;
  /** Entries serialised in this event-loop turn (and the entries themselves, for filters), handed to the hub as one batch at its end. */
  private pending: string[] = [];
  private pendingEntries: LogEntry[] = [];
  private flushQueued = false;
  /** When the lines of this turn's batch were read: the reader hands on a slice of one read at once. */
  private batchReadMicros = 0;
  private readonly toHub: boolean;

  constructor(
    runtime: Runtime,
    monitor: Config["monitor"],
    private readonly hub: Hub,
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
        startOffset: options.publisher?.startOffset.bind(options.publisher),
      },
      {
        position:
          options.publisher === undefined
            ? undefined
            : (source, path, at) => options.publisher?.position(path, source, at),
        line: (source, path, text, flags) => {
          if (this.targetFilter === undefined || this.targetFilter.passes(path, text)) {
            this.publishLine(source, path, text, flags);
          }
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
    return this.monitor.start();
  }

  stop(): Promise<void> {
    return this.monitor.stop();
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

  private readonly flushPending = (): void => {
    this.flushQueued = false;
    this.options.publisher?.flush();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const entries = this.pendingEntries;
    this.pending = [];
    this.pendingEntries = [];
    this.hub.publishBatch(batch, entries);
  };
}
