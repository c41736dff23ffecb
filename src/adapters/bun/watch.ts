// https://bun.sh/guides/read-file/watch (node:fs watch, native in Bun) — a wake-up hint only; polling stays
// the source of truth. One inotify watch per directory: no initial scan and no stat per event as chokidar.
import { watch as fsWatch } from "node:fs";
import { join } from "node:path";
import type { Watcher, WatchHint } from "../../core/runtime.ts";

export function watch(path: string, onHint: WatchHint): Watcher {
  const watcher = fsWatch(path, { persistent: false }, (_event, name) =>
    onHint(name ? join(path, name) : path),
  );
  // a watch error (e.g. out of inotify watches) only costs latency: polling still finds every line
  watcher.on("error", () => undefined);
  return { close: async () => watcher.close() };
}
