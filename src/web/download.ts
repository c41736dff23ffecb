// "Download": what the page holds after its filters, as NDJSON — one entry's JSON per line, keys in the
// order /stream sends them — saved by the browser from a Blob, named with the time it was taken.

import type { Row } from "./log-entry.ts";

/** The entries among `rows` (markers are the page's own, not log data), one JSON text per line. */
export function ndjson(rows: Iterable<Row>): string {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.kind !== "entry") continue;
    const { time, source, level, message, fields } = row.entry;
    lines.push(JSON.stringify({ time, source, level, message, fields }));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** `logwisp-2026-12-06T21-08-16Z.ndjson`: the UTC time, with no character a file system refuses. */
export function downloadName(now: Date): string {
  return `logwisp-${now.toISOString().slice(0, 19).replace(/:/g, "-")}Z.ndjson`;
}

/** Hands `text` to the browser as a file download. */
export function saveFile(text: string, name: string, type = "application/x-ndjson"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // the download has taken the Blob by the next task
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
