// `[config] watch` / --watch-config: notices that the config file changed, so the service reloads it as on
// SIGHUP. A watch on the file's directory (editors save by writing a new file and renaming it over the old
// one) is only a hint; a stat every CONFIG_POLL_MS is what decides, so a missed event costs a second, never a
// reload. Not c12's watchConfig: that one reloads the file alone through c12 (and watches rc and
// package.json names logwisp never reads), while a reload here re-reads file, env, flags and TLS files at once.
import type { FileStat, Runtime, Watcher } from "../runtime.ts";

export const CONFIG_POLL_MS = 1000;
/** A save may take several writes: the reload waits until the file has been still this long. */
export const CONFIG_SETTLE_MS = 150;

type WatchRuntime = Pick<Runtime, "fs" | "watch" | "dirname">;

function signature(stat: FileStat | undefined): string {
  return stat === undefined ? "missing" : `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

export class ConfigFileWatch {
  private last: string | undefined;
  private watcher: Watcher | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private settle: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly runtime: WatchRuntime,
    readonly path: string,
    private readonly onChange: () => void,
    private readonly pollMs = CONFIG_POLL_MS,
  ) {}

  async start(): Promise<void> {
    this.last = await this.signature();
    this.poll = setInterval(() => void this.check(), this.pollMs);
    try {
      this.watcher = this.runtime.watch?.(this.runtime.dirname(this.path), () => {
        void this.check();
        // every event matters here: none held back
        return 0;
      });
    } catch {
      // no watch here (no inotify slots): the poll alone notices the change
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.settle);
    await this.watcher?.close().catch(() => undefined);
  }

  private async signature(): Promise<string> {
    try {
      return signature(await this.runtime.fs.stat(this.path));
    } catch {
      return "unreadable";
    }
  }

  private async check(): Promise<void> {
    const now = await this.signature();
    if (this.closed || now === this.last) return;
    this.last = now;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      if (!this.closed) this.onChange();
    }, CONFIG_SETTLE_MS);
  }
}
