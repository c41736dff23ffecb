// Paths → tailers, on a schedule. Every followed path is stat'ed every check_interval_ms while it is
// active. While watch hints cover the targets, a quiet path is checked less and less often (at most every
// QUIET_POLL_CAP_MS), the directory is listed at most every RELIST_CAP_MS, and a hint after a quiet spell polls at once; that
// keeps 500 idle files under 1% of a core. The poll stays the source of truth: a missed or duplicated hint costs latency, never a line.
// Hints that follow a poll within the window are gathered into one poll at its end. The window is at least
// MIN_POLL_SPACING_MS, wider with many clients connected: a file appended every millisecond is then read in
// a few hundred batches a second (tens with many clients), each one write per client, instead of a thousand.

import type { FileStat, Runtime, Watcher } from "../runtime.ts";
import { yieldToEventLoop } from "../util/event-loop.ts";
import { Confinement } from "./confinement.ts";
import { DirectReads } from "./direct-reads.ts";
import { type DiscoveredPaths, Discovery, type MonitorTarget } from "./discovery.ts";
import type { LineFlags } from "./lines.ts";
import { type Checkpoints, isSameFile, locateByIdentity, planResume, type ReadFrom } from "./resume.ts";
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
   * ones that follow it (capped at checkIntervalMs), when longer than MIN_POLL_SPACING_MS (the default). A
   * hint after a quiet spell at least this long polls at once, so only a steady stream is batched.
   */
  readonly hintWindowMs?: () => number;
  /** `[monitor] read_from` for the files present at start (default "end"); later files are read from their start. */
  readonly readFrom?: ReadFrom;
  /** See TailerOptions.startOffset. */
  readonly startOffset?: StartOffsetHook;
  /**
   * `[monitor] direct_reads` (default true): a caught-up file on a local filesystem is read on the event
   * loop's thread (see direct-reads.ts); false: every read goes through the runtime's I/O threads.
   */
  readonly directReads?: boolean;
  /** `[monitor] batch_ms`: the least gap between two hint-driven polls (default MIN_POLL_SPACING_MS). */
  readonly batchMs?: number;
}

export type NoticeKind = "rotated" | "deleted" | "truncated" | "error" | "recovered";

export interface MonitorEvents {
  line(source: string, path: string, text: string, flags: LineFlags | undefined): void;
  /** After a piece of a read: every line of the file before `at.offset` was handed to `line` (see FilePosition). */
  position?(source: string, path: string, at: FilePosition): void;
  notice(kind: NoticeKind, path: string, detail: string): void;
  /** A rotated-away file of this path was read to its end and let go. */
  released?(path: string, file: { dev: number; ino: number }): void;
  /** The path is no longer followed (gone, or no target lists it): nothing of it needs remembering. */
  forgotten?(path: string): void;
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
/**
 * Shortest gap between two polls started by hints. Each poll (stat, read, parse, a write per client) costs
 * about 0.2 ms of CPU on Node and more on Deno whether it finds one line or fifty: an application writing a
 * line at a time, polled on every hint, made logwisp take a fifth of a core at 1,000 lines/s. A hint after
 * a quiet spell this long still polls at once; in a steady stream a line waits at most this long.
 */
export const MIN_POLL_SPACING_MS = 4;
/**
 * A poll pass that read this much is part of a burst, not of a line-at-a-time stream: the next hint polls at
 * once. The spacing would otherwise pace a burst (a poll reads what a fast writer wrote in 4 ms, then waits),
 * and a burst's reads are large enough to cost per byte, not per wake-up. A stream of 10,000 lines/s of 120
 * bytes brings 5 KB per spaced poll.
 */
export const BURST_POLL_BYTES = 64 * 1024;
/**
 * How long past the end of a hint window its timer waits for one more hint. In a steady stream the next
 * hint comes first and polls in its own wake-up, so the timer is moved on and never fires: a timer's
 * wake-up cost more than a hint's on the test machine (a 4 ms timer alone, 2.4% of a core on Node; a
 * thousand inotify hints a second, 1.9%). The last line of a burst of hints waits the window plus this.
 */
export const HINT_GRACE_MS = 2;

interface Followed {
  readonly tailer: Tailer;
  /** When this path is next stat'ed (epoch ms). */
  dueAt: number;
  /** Polls in a row that saw no change; the gap grows with it. */
  quietPolls: number;
  last: FileStat | undefined;
  /** When the path was last stat'ed (epoch ms): a content hint is read on without a stat within checkIntervalMs. */
  statAt: number;
  /**
   * The hints since the last poll: none, only content changes (answered by reading on from the open file),
   * or another (a name appeared, went or moved: the path is stat'ed).
   */
  hinted: "none" | "modify" | "other";
  /** Found by the first listing after a reload: opened at its end, like a file there at start. */
  fromEnd?: boolean;
}

export class Monitor {
  private discovery: Discovery;
  /** Set by reconfigure(): the paths the next listing finds are followed from their end. */
  private reconfigured = false;
  private readonly followed = new Map<string, Followed>();
  /**
   * Followed paths by the real file they name, where two or more share one (a `current.log` symlink beside
   * the file it names): a watch hint names the real file only, and wakes its links too.
   */
  private readonly realPathOf = new Map<string, string>();
  private readonly pathsByReal = new Map<string, Set<string>>();
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
  /** Bytes the last poll pass read, all files together: a burst is not spaced. */
  private lastPollBytes = 0;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  /** When the targets are next listed; a hint naming an unknown path lists them at once. */
  private discoverAt = 0;
  private stopped = false;
  /** The last run's checkpoints, for the initial scan only. */
  private checkpoints: Checkpoints | undefined;
  private readonly directReads: DirectReads;

  constructor(
    private readonly runtime: MonitorRuntime,
    private options: MonitorOptions,
    private readonly events: MonitorEvents,
  ) {
    this.discovery = new Discovery(runtime, options.targets, events.notice, options.followSymlinks);
    this.directReads = new DirectReads({
      readText: (path) => runtime.fs.readText(path),
      notice: (detail) => events.notice("error", "", detail),
    });
    this.directReads.enabled = options.directReads ?? true;
  }

  /**
   * Initial scan (existing files from where read_from and `checkpoints` say), then the poll loop and the
   * watch hints. `checkpoints`: the last run's; undefined when there is no state (yet).
   */
  async start(checkpoints?: Checkpoints): Promise<void> {
    this.checkpoints = checkpoints;
    if (this.directReads.enabled) await this.directReads.load();
    await this.pollOnce(true);
    this.schedule();
  }

  get fileCount(): number {
    return this.followed.size;
  }

  /**
   * A watch hint: poll the named path (or everything) now rather than at its next turn. `kind` "modify":
   * only its content changed (see WatchHint), and the open file is read on without a stat of the path.
   * Answers how long no further hint is needed: the rest of the hint window (a poll comes at its end).
   */
  wake(path?: string, kind?: "modify"): number {
    if (this.stopped) return 0;
    const followed = path === undefined ? undefined : this.followed.get(path);
    if (followed) {
      followed.dueAt = 0;
      followed.hinted = kind === "modify" && followed.hinted !== "other" ? "modify" : "other";
      this.wakeLinks(path as string);
    }
    // a path we do not know, or one the last listing did not show: something was created or renamed
    if (!followed || !this.listed.has(path as string)) this.discoverAt = 0;
    const now = Date.now();
    const windowMs = this.hintWindow();
    const at = this.lastPollAt + windowMs;
    if (this.polling) {
      this.pollAgain = true;
      return Math.max(0, at - now);
    }
    if (now >= at) {
      this.clearTimer();
      this.runPolls();
      // a new window from now
      return windowMs;
    }
    // within the window: one timer for every hint until it ends (and its grace), set once, not moved by
    // each hint; a hint after the window's end polls before it fires
    const deadline = at + HINT_GRACE_MS;
    if (this.timerAt === undefined || this.timerAt > deadline) this.setTimer(deadline - now);
    return at - now;
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
    const windowMs = this.hintWindow();
    // due within the hint window (a hint came during the poll): at its end and grace, as wake() waits
    if (windowMs > 0 && next < this.lastPollAt + windowMs) next = this.lastPollAt + windowMs + HINT_GRACE_MS;
    this.setTimer(Math.max(0, Math.min(next - Date.now(), QUIET_POLL_CAP_MS)));
  }

  private hintWindow(): number {
    const spacingMs =
      this.lastPollBytes >= BURST_POLL_BYTES ? 0 : (this.options.batchMs ?? MIN_POLL_SPACING_MS);
    const windowMs = Math.max(this.options.hintWindowMs?.() ?? 0, spacingMs);
    return Math.min(windowMs, this.options.checkIntervalMs);
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
      const fromEnd = this.reconfigured;
      this.reconfigured = false;
      this.listed = await this.discovery.scan();
      for (const [path, confinedTo] of this.listed)
        if (!this.followed.has(path)) this.follow(path, confinedTo, fromEnd);
      if (initial) {
        await this.planStarts(now);
        this.checkpoints = undefined;
      }
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
    // a path whose hints since the last poll all said "content changed", stat'ed less than an interval ago,
    // is read on from its open file: one round trip to the runtime's I/O threads instead of two
    const readOnly = due.map(
      ([path, followed]) =>
        listed.has(path) &&
        followed.hinted === "modify" &&
        now - followed.statAt < this.options.checkIntervalMs &&
        followed.tailer.canReadOn,
    );
    for (const [, followed] of due) followed.hinted = "none";
    // one batch of stats: a round trip to the runtime's I/O threads per poll, not per file
    const stats = await Promise.all(
      due.map(([path, { tailer }], i) =>
        listed.has(path) && !readOnly[i] ? this.statQuietly(tailer, path) : undefined,
      ),
    );
    let more = false;
    let bytes = 0;
    for (const [i, [path, followed]] of due.entries()) {
      const { tailer } = followed;
      const before = tailer.bytesRead;
      let behind: boolean;
      const read = readOnly[i] ? await tailer.readOnly() : "stat";
      if (read === "stat") {
        // read on from the open file, it was shorter than what was read of it: a stat tells why
        const stat = readOnly[i] ? await this.statQuietly(tailer, path) : stats[i];
        const fromEnd = initial || followed.fromEnd === true;
        followed.fromEnd = false;
        followed.statAt = now;
        behind = (await tailer.poll(stat, fromEnd, now)) === "more";
        this.reschedule(followed, stat, now, behind);
      } else {
        behind = read === "more";
        // the hint said it changed: the short interval, as after a stat that saw it change
        followed.quietPolls = 0;
        followed.dueAt = behind ? now : now + this.options.checkIntervalMs;
      }
      bytes += tailer.bytesRead - before;
      if (behind) more = true;
      if (!listed.has(path) && followed.tailer.idle) {
        this.unfollow(path);
        this.events.forgotten?.(path);
      }
    }
    this.lastPollBytes = bytes;
    return more;
  }

  /** Where each file present at start begins (read_from and the checkpoints); see resume.ts. */
  private async planStarts(now: number): Promise<void> {
    const paths = [...this.listed.keys()];
    const stats = await Promise.all(paths.map((path) => this.runtime.fs.stat(path).catch(() => undefined)));
    const plan = await planResume(
      this.options.readFrom ?? "end",
      new Map(paths.map((path, i) => [path, stats[i]])),
      this.checkpoints,
      (path, position) => locateByIdentity(this.runtime, path, position, this.buffer),
      (path, position) => isSameFile(this.runtime.fs, path, position, this.buffer),
    );
    for (const [path, start] of plan.starts)
      if (start !== "end") this.followed.get(path)?.tailer.resumeFrom(start);
    for (const { path, from, position } of plan.rotated) {
      // a path no target lists now (its file is gone) still drains the file it named, then is let go
      const tailer = this.followed.get(path)?.tailer ?? this.follow(path, undefined);
      if (!(await tailer.adoptRotated(from, position, now)) && !this.listed.has(path)) this.unfollow(path);
    }
    for (const { path, position } of plan.gone) {
      this.events.notice(
        "deleted",
        path,
        `${path} (inode ${position.ino}) was deleted while logwisp was down; its checkpoint is forgotten`,
      );
      if (!this.followed.has(path)) this.events.forgotten?.(path);
    }
  }

  /** `confinedTo`: the directory the path's real path must stay inside (undefined: anywhere). */
  /** The other followed paths naming the same real file as `path` are polled now too, with a stat. */
  private wakeLinks(path: string): void {
    const real = this.realPathOf.get(path);
    const sharing = real === undefined ? undefined : this.pathsByReal.get(real);
    if (sharing === undefined || sharing.size < 2) return;
    for (const other of sharing) {
      const link = other === path ? undefined : this.followed.get(other);
      if (link === undefined) continue;
      link.dueAt = 0;
      link.hinted = "other";
    }
  }

  /** Learns which real file a newly followed path names (one realpath per path, once). */
  private async noteRealPath(path: string): Promise<void> {
    const real = await this.runtime.fs.realPath(path).catch(() => undefined);
    if (real === undefined || !this.followed.has(path)) return;
    this.realPathOf.set(path, real);
    let paths = this.pathsByReal.get(real);
    if (paths === undefined) {
      paths = new Set();
      this.pathsByReal.set(real, paths);
    }
    paths.add(path);
  }

  private unfollow(path: string): void {
    this.followed.delete(path);
    const real = this.realPathOf.get(path);
    if (real === undefined) return;
    this.realPathOf.delete(path);
    const paths = this.pathsByReal.get(real);
    paths?.delete(path);
    if (paths?.size === 0) this.pathsByReal.delete(real);
  }

  private follow(path: string, confinedTo: string | undefined, fromEnd = false): Tailer {
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
        // a busy file's first KiB once per interval, not at every poll (a third of a poll's reads)
        prefixCheckIntervalMs: () => this.options.checkIntervalMs,
        startOffset: this.options.startOffset,
        directReads: this.directReads,
      },
      {
        line: (t, text, flags) => this.events.line(t.source, t.path, text, flags),
        position:
          this.events.position === undefined
            ? undefined
            : (t, at) => this.events.position?.(t.source, t.path, at),
        notice: (t, kind, detail) => this.events.notice(kind, t.path, detail),
        released:
          this.events.released === undefined ? undefined : (t, file) => this.events.released?.(t.path, file),
      },
    );
    this.followed.set(path, {
      tailer,
      dueAt: 0,
      quietPolls: 0,
      last: undefined,
      statAt: Number.NEGATIVE_INFINITY,
      hinted: "none",
      fromEnd,
    });
    void this.noteRealPath(path);
    return tailer;
  }

  /**
   * A reload: new targets, symlink policy and poll settings. A path still named keeps its tailer, offset and
   * partial line; a path no target names any more is drained and released at the next poll (as when a file
   * leaves a directory); a newly named path that exists now is followed from its end, as at start, so a
   * widened pattern does not replay old files. Line length and rotate wait apply to files followed from now.
   */
  reconfigure(options: Omit<MonitorOptions, "yieldToEventLoop" | "hintWindowMs">): void {
    this.options = { ...this.options, ...options };
    this.directReads.enabled = options.directReads ?? true;
    this.discovery = new Discovery(this.runtime, options.targets, this.events.notice, options.followSymlinks);
    this.reconfigured = true;
    // every path once now, so each is rescheduled on the new interval
    for (const followed of this.followed.values()) followed.dueAt = 0;
    this.wake();
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
          watch.call(this.runtime, dir, (path, kind) => this.wake(path, kind)),
        );
      } catch {
        // no watch for this directory (missing, or no inotify slots): polling alone still finds everything
        allWatched = false;
      }
    }
    this.watchComplete = allWatched;
  }
}
