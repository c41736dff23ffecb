// https://github.com/paulmillr/chokidar — a wake-up hint only; the monitor's poll stays the source of truth
import { watch as chokidarWatch } from "chokidar";
import type { Watcher, WatchHint } from "../../core/runtime.ts";

export function watch(path: string, onHint: WatchHint): Watcher {
  const watcher = chokidarWatch(path, {
    ignoreInitial: true,
    depth: 0,
    // a hint needs no stat of its own, no waiting for writes to settle and no atomic-save smoothing
    alwaysStat: false,
    atomic: false,
    awaitWriteFinish: false,
    persistent: false,
  });
  watcher.on("all", (_event, changed) => onHint(changed));
  // a watch error (e.g. out of inotify watches) only costs latency: polling still finds every line
  watcher.on("error", () => undefined);
  return { close: () => watcher.close() };
}
