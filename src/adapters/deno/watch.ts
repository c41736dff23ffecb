// https://docs.deno.com/api/deno/~/Deno.watchFs — a wake-up hint only; the monitor's poll stays the source of truth
import type { Watcher, WatchHint } from "../../core/runtime.ts";
import { Deno } from "./_deno-types.ts";

/**
 * After a hint, the next event is pulled only once the monitor's answer (how long it needs no further
 * hint) has passed: the events of that time wait in Deno's channel instead of each waking the main thread,
 * and are handed on together when it is over (no later than the poll they would have joined). A file
 * written every millisecond then costs a wake-up per poll, not one per `write(2)`: 10–11% of a core at
 * 1,000 lines/s against 14–15% (bench/RESULTS.md, issue 17).
 */
export function watch(path: string, onHint: WatchHint): Watcher {
  const watcher = Deno.watchFs(path, { recursive: false });
  void (async () => {
    try {
      for await (const event of watcher) {
        const kind = event.kind === "modify" ? "modify" : undefined;
        let holdMs = 0;
        for (const changed of event.paths) holdMs = Math.max(holdMs, onHint(changed, kind));
        if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
      }
    } catch {
      // a failed watch only costs latency: polling still finds every line
    }
  })();
  return { close: async () => watcher.close() };
}
