// Paths → tailers, on a schedule. Every followed path is stat'ed every check_interval_ms while it is
// active. While watch hints cover the targets, a quiet path is checked less and less often (at most every
// QUIET_POLL_CAP_MS), the directory is listed at most every RELIST_CAP_MS, and a hint polls at once; that
// keeps 500 idle files under 1% of a core. The poll stays the source of truth: a missed or duplicated hint costs latency, never a line.
// With a hint window (many clients connected), hints that follow a poll within the window are gathered
// into one poll at its end: a file appended every millisecond is then read in tens of batches a second,
// each one write per client, instead of a thousand.

import type { FileStat, Runtime, Watcher } from "../runtime.ts";
import { yieldToEventLoop } from "../util/event-loop.ts";
import { Confinement } from "./confinement.ts";
import { type DiscoveredPaths, Discovery, type MonitorTarget } from "./discovery.ts";
import type { LineFlags } from "./lines.ts";
import { asFsError, type FilePosition, type StartOffsetHook, Tailer, type TailerStatus } from "./tailer.ts";

export type { MonitorTarget } from "./discovery.ts";

export interface MonitorOptions {
  readonly checkIntervalMs: number;
  readonly rotateWaitMs: number;
  readonly maxLineBytes: number;
  readonly targets: readonly MonitorTarget[];
  /**
   * `[monitor] follow_symlinks`: follow a directory target's match whose real path leaves the directory
   * (default false: such a file is reported once and not opened); a target's `follow_symlinks` overrides it.
   */
  readonly followSymlinks?: boolean;
  /**
   * Awaited between two slices of LINES_PER_TURN lines during a burst; by default one event-loop turn. The
   * service also waits there (bounded) for clients that keep reading to make room, so they lose nothing.
   */
  readonly yieldToEventLoop?: () => Promise<void>;
  /**
   * Asked at each hint: how long after the start of the last poll a hint waits to be gathered with the
   * ones that follow it (capped at checkIntervalMs). 0 (the default) polls at once on every hint; a hint
   * after a quiet spell at least this long polls at once too, so only a steady stream is batched.
   */
  readonly hintWindowMs?: () => number;
  /** See TailerOptions.startOffset. */
  readonly startOffset?: StartOffsetHook;
}

export type NoticeKind = "rotated" | "deleted" | "truncated" | "error" | "recovered";

export interface MonitorEvents {
  line(source: string, path: string, text: string, flags: LineFlags | undefined): void;
  /** After a piece of a read: every line of the file before `at.offset` was handed to `line` (see FilePosition). */
  position?(source: string, path: string, at: FilePosition): void;
  notice(kind: NoticeKind, path: string, detail: string): void;
}

type MonitorRuntime = Pick<Runtime, "fs" | "resolvePath" | "joinPath" | "basename" | "dirname" | "watch">;

/**
 * One read(2) per chunk, each a round trip to the runtime's I/O thread: during a burst, 64 KiB reads left the
 * event loop waiting on that thread ~370 times per 24 MB (7% of the burst under load); 256 KiB cuts it 4x.
 */
const READ_CHUNK_BYTES = 256 * 1024;
const MAX_BYTES_PER_POLL = 4 * 1024 * 1024;
/** Longest gap between two stats of a quiet file whose directory is watched. */
export const QUIET_POLL_CAP_MS = 10_000;
/** Longest gap between two listings of a watched directory (new and removed files between hints). */
export const RELIST_CAP_MS = 5000;

interface Followed {
  readonly tailer: Tailer;
  /** When this path is next stat'ed (epoch ms). */
  dueAt: number;
  /** Polls in a row that saw no change; the gap grows with it. */
  quietPolls: number;
  last: FileStat | undefined;
}

export class Monitor {
  private readonly discovery: Discovery;
  private readonly followed = new Map<string, Followed>();
  /** The paths the targets named at the last listing. */
  private listed: DiscoveredPaths = new Map();
  /** One watcher per directory that exists; a directory that went away is watched again when it is back. */
  private readonly watchers = new Map<string, Watcher>();
  /** Every target has a live watcher: only then may quiet paths and listings be checked less often. */
  private watchComplete = false;
  private readonly buffer = new Uint8Array(READ_CHUNK_BYTES);
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (epoch ms); undefined when none is set. */
  private timerAt: number | undefined;
  /** When the last poll pass started (epoch ms): a hint window counts from there. */
  private lastPollAt = Number.NEGATIVE_INFINITY;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  /** When the targets are next listed; a hint naming an unknown path lists them at once. */
  private discoverAt = 0;
  private stopped = false;

  constructor(
    private readonly runtime: MonitorRuntime,
    private readonly options: MonitorOptions,
    private readonly events: MonitorEvents,
  ) {
    this.discovery = new Discovery(runtime, options.targets, events.notice, options.followSymlinks);
  }

  /** Initial scan (existing files from their end), then the poll loop and the watch hints. */
  async start(): Promise<void> {
    await this.pollOnce(true);
    this.schedule();
  }

  get fileCount(): number {
    return this.followed.size;
  }

  /** A watch hint: poll the named path (or everything) now rather than at its next turn. */
  wake(path?: string): void {
    if (this.stopped) return;
    const followed = path === undefined ? undefined : this.followed.get(path);
    if (followed) followed.dueAt = 0;
    // a path we do not know, or one the last listing did not show: something was created or renamed
    if (!followed || !this.listed.has(path as string)) this.discoverAt = 0;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    const now = Date.now();
    const at = this.lastPollAt + this.hintWindow();
    if (now >= at) {
      this.clearTimer();
      this.runPolls();
      return;
    }
    // within the window: one timer for every hint until it ends, set once, not moved by each hint
    if (this.timerAt !== undefined && this.timerAt <= at) return;
    this.setTimer(at - now);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await Promise.all([...this.watchers.values()].map((watcher) => watcher.close().catch(() => undefined)));
    this.watchers.clear();
    await this.polling;
    await Promise.all([...this.followed.values()].map(({ tailer }) => tailer.close()));
    this.followed.clear();
  }

  status(): TailerStatus[] {
    return [...this.followed.values()].map(({ tailer }) => tailer.status());
  }

  /**
   * Sleeps until the earliest due path or listing (with everything quiet and watched, seconds, not 100 ms),
   * and at least until the hint window since the last poll is over.
   */
  private schedule(): void {
    if (this.stopped) return;
    let next = this.discoverAt;
    for (const followed of this.followed.values()) next = Math.min(next, followed.dueAt);
    next = Math.max(next, this.lastPollAt + this.hintWindow());
    this.setTimer(Math.max(0, Math.min(next - Date.now(), QUIET_POLL_CAP_MS)));
  }

  private hintWindow(): number {
    const windowMs = this.options.hintWindowMs?.() ?? 0;
    return windowMs > 0 ? Math.min(windowMs, this.options.checkIntervalMs) : 0;
  }

  private setTimer(delayMs: number): void {
    clearTimeout(this.timer);
    this.timerAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.runPolls();
    }, delayMs);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  private runPolls(): void {
    this.polling = (async () => {
      for (;;) {
        this.pollAgain = false;
        this.lastPollAt = Date.now();
        // a file still behind is read on at once, whatever the window: a burst is not paced by it
        const behind = await this.pollOnce(false);
        if (this.stopped) break;
        if (behind) continue;
        // hints that came during the poll: at once when the window is over, else at its end (schedule)
        if (!this.pollAgain || Date.now() < this.lastPollAt + this.hintWindow()) break;
      }
    })()
      .catch((cause) => this.events.notice("error", "", `poll failed: ${asFsError(cause).message}`))
      .finally(() => {
        this.polling = undefined;
        this.schedule();
      });
  }

  /** One pass: discover paths, then poll each one that is due. True when a file has more to read now. */
  private async pollOnce(initial: boolean): Promise<boolean> {
    let now = Date.now();
    if (now >= this.discoverAt) {
      this.listed = await this.discovery.scan();
      for (const [path, confinedTo] of this.listed)
        if (!this.followed.has(path)) this.follow(path, confinedTo);
      this.syncWatchers();
      this.discoverAt = now + (this.watchComplete ? RELIST_CAP_MS : this.options.checkIntervalMs);
      now = Date.now();
    }
    const listed = this.listed;
    const due: Array<[string, Followed]> = [];
    for (const entry of this.followed) {
      // a path no target lists any more is polled at once, so its open file is drained and released;
      // paths due within the next interval are polled now too, so quiet paths share one wake-up
      if (!listed.has(entry[0]) || entry[1].dueAt <= now + this.options.checkIntervalMs) due.push(entry);
    }
    // one batch of stats: a round trip to the runtime's I/O threads per poll, not per file
    const stats = await Promise.all(
      due.map(([path, { tailer }]) => (listed.has(path) ? this.statQuietly(tailer, path) : undefined)),
    );
    let more = false;
    for (const [i, [path, followed]] of due.entries()) {
      const stat = stats[i];
      const behind = (await followed.tailer.poll(stat, initial, now)) === "more";
      if (behind) more = true;
      this.reschedule(followed, stat, now, behind);
      if (!listed.has(path) && followed.tailer.idle) this.followed.delete(path);
    }
    return more;
  }

  /** `confinedTo`: the directory the path's real path must stay inside (undefined: anywhere). */
  private follow(path: string, confinedTo: string | undefined): void {
    const { fs, dirname } = this.runtime;
    const tailer = new Tailer(
      path,
      this.runtime.basename(path),
      fs,
      {
        maxLineBytes: this.options.maxLineBytes,
        maxBytesPerPoll: MAX_BYTES_PER_POLL,
        rotateWaitMs: this.options.rotateWaitMs,
        confinement: confinedTo === undefined ? undefined : new Confinement(confinedTo, fs, dirname),
        buffer: this.buffer,
        yieldToEventLoop: this.options.yieldToEventLoop ?? yieldToEventLoop,
        startOffset: this.options.startOffset,
      },
      {
        line: (t, text, flags) => this.events.line(t.source, t.path, text, flags),
        position:
          this.events.position === undefined
            ? undefined
            : (t, at) => this.events.position?.(t.source, t.path, at),
        notice: (t, kind, detail) => this.events.notice(kind, t.path, detail),
      },
    );
    this.followed.set(path, { tailer, dueAt: 0, quietPolls: 0, last: undefined });
  }

  private async statQuietly(tailer: Tailer, path: string): Promise<FileStat | undefined> {
    try {
      return await this.runtime.fs.stat(path);
    } catch (cause) {
      tailer.reportError(cause);
      return undefined;
    }
  }

  /** `behind`: the file has unread bytes past this poll's budget; it is polled again at once. */
  private reschedule(followed: Followed, stat: FileStat | undefined, now: number, behind: boolean): void {
    const { last } = followed;
    const changed =
      !stat || !last || stat.size !== last.size || stat.mtimeMs !== last.mtimeMs || stat.ino !== last.ino;
    followed.last = stat;
    // an unchanged stat does not make a file quiet while megabytes of it are still unread: backing off
    // here stalled the rest of a burst (written before this poll's stat) for seconds
    if (behind) {
      followed.quietPolls = 0;
      followed.dueAt = now;
      return;
    }
    const interval = this.options.checkIntervalMs;
    // a file draining a rotated-away predecessor, or one that just changed, stays on the short interval
    if (changed || !followed.tailer.settled || !this.watchComplete) {
      followed.quietPolls = 0;
      followed.dueAt = now + interval;
      return;
    }
    followed.quietPolls++;
    followed.dueAt = now + Math.min(interval * 2 ** Math.min(followed.quietPolls, 8), QUIET_POLL_CAP_MS);
  }

  private syncWatchers(): void {
    const { watch } = this.runtime;
    if (!watch || this.stopped) return;
    const { dirs, complete } = this.discovery.watchedDirectories();
    let allWatched = complete;
    for (const [dir, watcher] of this.watchers) {
      if (dirs.has(dir)) continue;
      this.watchers.delete(dir);
      void watcher.close().catch(() => undefined);
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        this.watchers.set(
          dir,
          watch.call(this.runtime, dir, (path) => this.wake(path)),
        );
      } catch {
        // no watch for this directory (missing, or no inotify slots): polling alone still finds everything
        allWatched = false;
      }
    }
    this.watchComplete = allWatched;
  }
}
