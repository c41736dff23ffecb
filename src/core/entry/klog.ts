// klog / glog, the header of Kubernetes components and Go's glog:
//   E1206 17:30:00.000000    1234 file.go:42] message
// a level letter, month and day, time with microseconds, thread id (space-padded), file:line, `]`, message.
// klog's structured form (`InfoS`) writes the message quoted and key=value pairs after it:
//   I1206 17:30:00.000000       1 controller.go:42] "Pod status updated" pod="kube-system/dns" status="ready"

import type { Level } from "../wire/contract.ts";
import type { LogEntry } from "./entry.ts";
import { addField } from "./fields.ts";
import { logfmtPairs, quotedEnd, unquote } from "./logfmt.ts";

const KLOG_HEADER = /([IWEF])(\d{4} \d{2}:\d{2}:\d{2}\.\d{6}) +(\d+) ([^\s:\]]+:\d+)\](?: |$)/y;

const LEVEL_LETTERS: Readonly<Record<string, Level>> = { I: "info", W: "warn", E: "error", F: "fatal" };

/** Whether the line can open with a klog header at all: a level letter then a digit (two reads, no regex). */
export function mayBeKlog(line: string): boolean {
  const letter = line.charCodeAt(0);
  const digit = line.charCodeAt(1);
  return (
    (letter === 0x49 || letter === 0x57 || letter === 0x45 || letter === 0x46) &&
    digit >= 0x30 &&
    digit <= 0x39
  );
}

/**
 * The entry of a klog line, or undefined when the line does not open with a whole klog header. Level from
 * the letter (I info, W warn, E error, F fatal); message: the text after `] `; fields `ts` (the header's
 * `mmdd hh:mm:ss.uuuuuu`, as written: it names no year or zone), `thread` (a number) and `caller`
 * (`file.go:42`), then the pairs of a structured line.
 */
export function klogEntry(line: string, source: string, time: string): LogEntry | undefined {
  KLOG_HEADER.lastIndex = 0;
  const header = KLOG_HEADER.exec(line);
  if (header === null) return undefined;
  const [, letter = "", ts = "", thread = "", caller = ""] = header;
  const fields: Record<string, unknown> = { ts, thread: Number(thread), caller };
  const entry: LogEntry = { time, source, message: line.slice(KLOG_HEADER.lastIndex), fields };
  const level = LEVEL_LETTERS[letter];
  if (level !== undefined) entry.level = level;
  addStructured(entry, fields, line, KLOG_HEADER.lastIndex);
  return entry;
}

/** `"message" key=value …` after the header: the message unquoted, the pairs as fields; else left as is. */
function addStructured(entry: LogEntry, fields: Record<string, unknown>, line: string, start: number): void {
  if (line.charCodeAt(start) !== 0x22 /* " */) return;
  const end = quotedEnd(line, start);
  if (end === -1) return;
  const next = line.charCodeAt(end);
  if (end < line.length && next !== 0x20 && next !== 0x09) return;
  const pairs = end < line.length ? logfmtPairs(line, end) : undefined;
  // text after the message that is not all pairs: the message stays as written, quotes and all
  if (end < line.length && pairs === undefined && line.slice(end).trim() !== "") return;
  entry.message = unquote(line, start, end);
  if (pairs === undefined) return;
  for (let i = 0; i < pairs.keys.length; i++)
    addField(fields, pairs.keys[i] as string, pairs.values[i] as string);
}
