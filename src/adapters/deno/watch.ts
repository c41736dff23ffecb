// https://docs.deno.com/api/deno/~/Deno.watchFs — a wake-up hint only; the monitor's poll stays the source of truth
import type { Watcher, WatchHint } from "../../core/runtime.ts";
import { Deno } from "./_deno-types.ts";

export function watch(path: string, onHint: WatchHint): Watcher {
  const watcher = Deno.watchFs(path, { recursive: false });
  void (async () => {
    try {
      for await (const event of watcher) {
        const kind = event.kind === "modify" ? "modify" : undefined;
        for (const changed of event.paths) onHint(changed, kind);
      }
    } catch {
      // a failed watch only costs latency: polling still finds every line
    }
  })();
  return { close: async () => watcher.close() };
}
