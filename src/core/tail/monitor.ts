// Targets → tailers. Polls every check_interval_ms (the source of truth) and polls sooner when a watch
// hint arrives. Directory targets pick up matching files as they appear; removed files are released.

import type { FileStat, Runtime, Watcher } from "../runtime.ts";
import { globToRegExp } from "./glob.ts";
import type { LineFlags } from "./lines.ts";
import { asFsError, Tailer, type TailerEvents, type TailerStatus } from "./tailer.ts";

export interface MonitorTarget {
  readonly path: string;
  readonly pattern: string;
  /** Absent: decided from what is at the path when it exists. */
  readonly is_file?: boolean | undefined;
}

export interface MonitorOptions {
  readonly checkIntervalMs: number;
  readonly rotateWaitMs: number;
  readonly maxLineBytes: number;
  readonly targets: readonly MonitorTarget[];
}

export interface MonitorEvents {
  line(source: string, path: string, text: string, flags: LineFlags | undefined): void;
  notice(
    kind: "rotated" | "deleted" | "truncated" | "error" | "recovered",
    path: string,
    detail: string,
  ): void;
}

type MonitorRuntime = Pick<Runtime, "fs" | "resolvePath" | "joinPath" | "basename" | "dirname" | "watch">;

const READ_CHUNK_BYTES = 64 * 1024;
const MAX_BYTES_PER_POLL = 4 * 1024 * 1024;

interface ResolvedTarget {
  readonly path: string;
  readonly matcher: RegExp;
  readonly declaredIsFile: boolean | undefined;
  /** What the path was at the last scan; decides which directory to watch. */
  isFile?: boolean | undefined;
  /** Errors are reported once per target until they change. */
  lastError?: string;
}

export class Monitor {
  private readonly targets: ResolvedTarget[];
  private readonly tailers = new Map<string, Tailer>();
  private readonly watchers: Watcher[] = [];
  private readonly buffer = new Uint8Array(READ_CHUNK_BYTES);
  private readonly tailerEvents: TailerEvents;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private stopped = false;

  constructor(
    private readonly runtime: MonitorRuntime,
    private readonly options: MonitorOptions,
    private readonly events: MonitorEvents,
  ) {
    this.targets = options.targets.map((target) => ({
      path: runtime.resolvePath(target.path),
      matcher: globToRegExp(target.pattern),
      declaredIsFile: target.is_file,
    }));
    this.tailerEvents = {
      line: (tailer, text, flags) => events.line(tailer.source, tailer.path, text, flags),
      notice: (tailer, kind, detail) => events.notice(kind, tailer.path, detail),
    };
  }

  /** Initial scan (existing files from their end), then the poll loop and the watch hints. */
  async start(): Promise<void> {
    await this.pollOnce(true);
    this.watchTargets();
    this.schedule();
  }

  get fileCount(): number {
    return this.tailers.size;
  }

  /** A watch hint: poll now rather than at the next tick. Hints are coalesced; a missed one costs latency only. */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.runPolls();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.watchers.map((watcher) => watcher.close().catch(() => undefined)));
    await this.polling;
    await Promise.all([...this.tailers.values()].map((tailer) => tailer.close()));
    this.tailers.clear();
  }

  status(): TailerStatus[] {
    return [...this.tailers.values()].map((tailer) => tailer.status());
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runPolls(), this.options.checkIntervalMs);
  }

  private runPolls(): void {
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        if (await this.pollOnce(false)) this.pollAgain = true;
      } while (this.pollAgain && !this.stopped);
    })()
      .catch((cause) => this.events.notice("error", "", `poll failed: ${asFsError(cause).message}`))
      .finally(() => {
        this.polling = undefined;
        this.schedule();
      });
  }

  /** One pass over every target. Resolves true when some file has more to read right away. */
  private async pollOnce(initial: boolean): Promise<boolean> {
    const seen = new Map<string, FileStat | undefined>();
    for (const target of this.targets) await this.scanTarget(target, seen);
    let more = false;
    const now = Date.now();
    for (const [path, stat] of seen) {
      let tailer = this.tailers.get(path);
      if (!tailer) {
        if (!stat) continue;
        tailer = new Tailer(
          path,
          this.runtime.basename(path),
          this.runtime.fs,
          this.tailerOptions(),
          this.tailerEvents,
        );
        this.tailers.set(path, tailer);
      }
      if ((await tailer.poll(stat, initial, now)) === "more") more = true;
    }
    // files no longer listed by any target: drain what is open, then forget them
    for (const [path, tailer] of this.tailers) {
      if (seen.has(path)) continue;
      if ((await tailer.poll(undefined, false, now)) === "more") more = true;
      if (tailer.idle) this.tailers.delete(path);
    }
    return more;
  }

  private async scanTarget(target: ResolvedTarget, seen: Map<string, FileStat | undefined>): Promise<void> {
    const { fs } = this.runtime;
    try {
      const stat = await fs.stat(target.path);
      const isFile = target.declaredIsFile ?? (stat ? stat.kind !== "directory" : undefined);
      target.isFile = isFile;
      if (isFile === true) seen.set(target.path, stat);
      else if (stat?.kind === "directory") {
        for (const name of await fs.readDir(target.path)) {
          if (!target.matcher.test(name)) continue;
          const path = this.runtime.joinPath(target.path, name);
          const fileStat = await fs.stat(path).catch(() => undefined);
          if (fileStat?.kind === "file") seen.set(path, fileStat);
        }
      }
      this.clearTargetError(target);
    } catch (cause) {
      this.reportTargetError(target, asFsError(cause));
    }
  }

  private tailerOptions() {
    return {
      maxLineBytes: this.options.maxLineBytes,
      maxBytesPerPoll: MAX_BYTES_PER_POLL,
      rotateWaitMs: this.options.rotateWaitMs,
      buffer: this.buffer,
      yieldBetweenChunks: yieldToEventLoop,
    };
  }

  private watchTargets(): void {
    const { watch } = this.runtime;
    if (!watch) return;
    const dirs = new Set<string>();
    for (const target of this.targets) {
      // a file target's directory is watched, so its creation and renames wake the monitor too
      dirs.add(target.isFile === false ? target.path : this.runtime.dirname(target.path));
    }
    for (const dir of dirs) {
      try {
        this.watchers.push(watch.call(this.runtime, dir, () => this.wake()));
      } catch {
        // no watch for this directory (missing, or no inotify slots): polling alone still finds everything
      }
    }
  }

  private reportTargetError(target: ResolvedTarget, error: { code: string; message: string }): void {
    const text =
      error.code === "EACCES" || error.code === "EPERM" ? `permission denied: ${target.path}` : error.message;
    if (target.lastError === text) return;
    target.lastError = text;
    this.events.notice("error", target.path, `${text} (will retry)`);
  }

  private clearTargetError(target: ResolvedTarget): void {
    if (target.lastError === undefined) return;
    target.lastError = undefined;
    this.events.notice("recovered", target.path, `${target.path} is readable again`);
  }
}

/** A macrotask turn, so socket writes and client pumps run between two chunks of a burst. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
