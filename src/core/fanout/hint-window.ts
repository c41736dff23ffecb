// How long the monitor gathers watch hints into one poll, from the number of connected clients. Each poll
// that reads something is one batch, and each batch one socket write per client: a file appended every
// millisecond, read on every hint, is a thousand writes a second to every client. Past a few dozen clients
// those writes (and the clients' reads of them) cost more than the lines, so the window grows with the
// clients to keep the writes near FANOUT_WRITES_PER_SECOND. Below 4 ms (200 clients) the monitor's own
// MIN_POLL_SPACING_MS is the window: a hint after a quiet spell is still read at once.

/** Socket writes per second, all clients together, that the window aims to stay under. */
export const FANOUT_WRITES_PER_SECOND = 50_000;

/** The longest a hint waits, whatever the number of clients: the latency it may add to an entry. */
export const MAX_HINT_WINDOW_MS = 25;
/** Whole milliseconds: 0 (the monitor's own spacing only) up to 49 clients, 1 ms per 50 clients, at most 25 ms. */
/** Whole milliseconds: 0 (every hint polls at once) up to 49 clients, 1 ms per 50 clients, at most 25 ms. */
export function hintWindowMs(clients: number): number {
  const windowMs = Math.floor((clients * 1000) / FANOUT_WRITES_PER_SECOND);
  return Math.max(0, Math.min(windowMs, MAX_HINT_WINDOW_MS));
}
