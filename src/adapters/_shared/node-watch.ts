// https://nodejs.org/api/fs.html#fswatchfilename-options-listener (Node; Bun implements node:fs watch
// natively: https://bun.sh/guides/read-file/watch) — a wake-up hint only; the monitor's poll stays the
// source of truth. node:fs watch rather than chokidar: chokidar passes at most one change event per
// path every 50 ms (and adds a watch and a stat per file), which put a 30 ms floor under every line's latency;
// the hint needs no more than inotify's one watch per directory.
import { watch as fsWatch } from "node:fs";
import { join } from "node:path";
import type { Watcher, WatchHint } from "../../core/runtime.ts";

export function watch(path: string, onHint: WatchHint): Watcher {
  // join(path, name) once, not per event (a line-per-write application makes thousands a second): the name
  // of an entry of the directory is one plain segment, so the joined prefix plus it is the same path
  const prefix = join(path, "x").slice(0, -1);
  const watcher = fsWatch(path, { persistent: false }, (event, name) =>
    onHint(name ? prefix + name : path, event === "change" ? "modify" : undefined),
  );
  // a watch error (e.g. out of inotify watches) only costs latency: polling still finds every line
  watcher.on("error", () => undefined);
  return { close: async () => watcher.close() };
}
