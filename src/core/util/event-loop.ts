// Giving the event loop a turn between slices of work, so sockets and other clients are served meanwhile.

const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/**
 * An event-loop turn that includes I/O, so socket drains and client pumps run between two slices of a
 * burst. setImmediate (Node, Bun and Deno all have it) runs right after I/O without setTimeout's clamp.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Calls `callback` at the next event-loop turn (after I/O), as yieldToEventLoop resolves. */
export function atNextTurn(callback: () => void): void {
  if (immediate) immediate(callback);
  else setTimeout(callback, 0);
}
