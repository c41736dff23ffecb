// How values look on the page: times, counts, durations. Pure, so the tests pin them down.

const counts = new Intl.NumberFormat("en");

export function formatCount(value: number): string {
  return counts.format(value);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/**
 * An entry's RFC 3339 time as the list shows it, in the viewer's time zone: `HH:MM:SS.mmm`, with the date
 * in front (`MM-DD`) when it is not `today`'s. Unparseable text is shown as it came.
 */
export function formatTime(iso: string, today: Date = new Date()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const time = new Date(ms);
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const sameDay =
    time.getFullYear() === today.getFullYear() &&
    time.getMonth() === today.getMonth() &&
    time.getDate() === today.getDate();
  return sameDay ? clock : `${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${clock}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A long message shown in one row is cut here: the row shows one line, the detail panel the rest. */
export const ROW_TEXT_LIMIT = 2000;

/** One line for a row: each line break or tab a space, cut at `limit`. */
export function rowText(text: string, limit = ROW_TEXT_LIMIT): string {
  const cut = text.length > limit ? `${text.slice(0, limit)}…` : text;
  // one space per character, so highlight positions still line up
  return cut.replace(/[\r\n\t]/g, " ");
}
