// One log line → one entry, in the seed's format {time, source, level, message, fields}, by the line's
// format: JSON, logfmt, an access log, klog, or plain text. Runs once per line on the hot path: in `auto`,
// each format is asked only when one or two reads of the line say it may be that one, no line is parsed
// twice by the same rule, and a line no format claims is kept whole.

import type { LineFormat } from "../config/schema.ts";
import { formatTimeMicros } from "../util/time.ts";
import type { Level } from "../wire/contract.ts";
import { accessLogEntry, mayBeAccessLog } from "./access-log.ts";
import { jsonEntry } from "./json-line.ts";
import { klogEntry, mayBeKlog } from "./klog.ts";
import { keyEnd, logfmtEntry } from "./logfmt.ts";
import { leadingTimestampEnd, leadingTimestampText, textEntry } from "./plain-text.ts";

// what the layers above use of the entry layer, besides parseLine and serializeEntry
export { parseJsonObject } from "./json-line.ts";
export { normalizeLevel } from "./levels.ts";

export interface LogEntry {
  /** RFC 3339 UTC with microseconds: a JSON line's own time when it has one, else the time it was read. */
  time: string;
  /** The host the line was read on ([monitor] hostname); absent unless set or NATS is on. */
  host?: string;
  /** Base name of the file the line came from. */
  source: string;
  /** Absent when the line names no level (as the original did). */
  level?: Level;
  message: string;
  /** What the line holds besides its time, level and message; absent when there is nothing. */
  fields?: Record<string, unknown>;
}

/**
 * The entry of one line. `format` is its target's: `auto` tries JSON, klog, an access log and logfmt (also
 * after a leading timestamp) and keeps anything else as a plain line, its leading timestamp as `ts`;
 * `json` and `logfmt` try only that one; `text` keeps every line whole, its level guessed, nothing taken
 * out. A line its format does not fit is kept as `text` keeps it: no line stops the stream. No line fits
 * two formats, so the order they are asked in is the cheapest, not a precedence.
 */
export function parseLine(
  line: string,
  source: string,
  readTimeMicros: number,
  format: LineFormat = "auto",
): LogEntry {
  // a JSON line with its own time never formats the read time: formatTimeMicros keeps the last time it
  // made, which the lines of a batch share, and a line's own time in between would make it again
  const json = format === "auto" || format === "json" ? jsonEntry(line, source, readTimeMicros) : undefined;
  if (json !== undefined) return json;
  const time = formatTimeMicros(readTimeMicros);
  if (format === "text" || format === "json") return textEntry(line, source, time);
  // what no format claims is kept as text, whole: a leading timestamp stays in the message only (as a `ts`
  // field too it made every such entry ~40 bytes larger and cost 10-31% of burst lines/s)
  const unclaimed = textEntry;
  // a line that opens with a timestamp is neither klog nor an access log, nor logfmt from its first
  // character (each of those opens with a letter or an address the timestamp regex cannot match): it is
  // logfmt after the timestamp, or text. Most plain lines are asked nothing else
  const timestampEnd = leadingTimestampEnd(line);
  if (timestampEnd > 0) {
    return (
      logfmtAfterTimestamp(line, source, time, timestampEnd) ?? unclaimed(line, source, time, timestampEnd)
    );
  }
  if (format === "auto") {
    const structured =
      (mayBeKlog(line) ? klogEntry(line, source, time) : undefined) ??
      (mayBeAccessLog(line) ? accessLogEntry(line, source, time) : undefined);
    if (structured !== undefined) return structured;
  }
  return logfmtEntry(line, source, time) ?? unclaimed(line, source, time, 0);
}

/** The logfmt entry of the text after a leading timestamp, which `ts` keeps; undefined when it is not logfmt. */
function logfmtAfterTimestamp(
  line: string,
  source: string,
  time: string,
  timestampEnd: number,
): LogEntry | undefined {
  // the timestamp's text is cut out only for a line that goes on with a pair
  if (keyEnd(line, timestampEnd) === -1) return undefined;
  return logfmtEntry(line, source, time, timestampEnd, leadingTimestampText(line, timestampEnd));
}

/** The entry as one JSON text, keys in the seed's order; built from parts so the line is walked once. */
export function serializeEntry(entry: LogEntry): string {
  // fewer pieces, fewer intermediate strings: everything between the time and the message is one string
  // per source and level, made once
  const json = `${timeJson(entry.time)}${middleJson(entry.host, entry.source, entry.level)}${jsonString(entry.message)}`;
  return entry.fields === undefined ? `${json}}` : `${json}${fieldsJson(entry.fields)}}`;
}

/** What JSON.stringify escapes in a string: `"`, `\\`, control characters, and (when lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(text), the same output: most log text needs no escape, and one scan plus two quotes costs
 * a third of JSON.stringify on node (a surrogate, even a paired one, takes JSON.stringify's path).
 */
export function jsonString(text: string): string {
  const plain = text.length <= SHORT_TEXT ? isPlainShort(text) : !NEEDS_ESCAPE.test(text);
  return plain ? `"${text}"` : JSON.stringify(text);
}

/** Up to this length a loop over the characters beats a regex call (a field's value: `ts`, a logfmt value). */
const SHORT_TEXT = 40;

function isPlainShort(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

// field names repeat line after line (`ts`, a logger's keys): each one's JSON is made once. Bounded, as
// logfmt keys are whatever the lines say
const keyJsons = new Map<string, string>();
const MAX_KEY_JSONS = 1000;

function keyJson(key: string): string {
  let json = keyJsons.get(key);
  if (json === undefined) {
    if (keyJsons.size >= MAX_KEY_JSONS) keyJsons.clear();
    json = jsonString(key);
    keyJsons.set(key, json);
  }
  return json;
}

// the lines of a batch share their read time (the same string): `{"time":"…"` is made once for them
let lastTime: string | undefined;
let lastTimeJson = "";

function timeJson(time: string): string {
  if (time !== lastTime) {
    lastTimeJson = `{"time":${jsonString(time)}`;
    lastTime = time;
  }
  return lastTimeJson;
}

// the lines of a burst share their host and source and mostly their level: `,"host":…,"source":…,"level":…,
// "message":` is made once per host and source (one per level), not per line
let lastHost: string | undefined;
let lastSource: string | undefined;
let middles = new Map<Level | undefined, string>();

function middleJson(host: string | undefined, source: string, level: Level | undefined): string {
  if (source !== lastSource || host !== lastHost) {
    middles = new Map();
    lastSource = source;
    lastHost = host;
  }
  let middle = middles.get(level);
  if (middle === undefined) {
    const hostJson = host === undefined ? "" : `,"host":${jsonString(host)}`;
    middle = `${hostJson},"source":${jsonString(source)}${level === undefined ? "" : `,"level":${jsonString(level)}`},"message":`;
    middles.set(level, middle);
  }
  return middle;
}

/**
 * `,"fields":{…}`, the fields as JSON.stringify writes them, or "" when there are none. Flat fields of
 * strings, finite numbers and booleans (every text format's: `ts`, logfmt pairs, an access log's) are
 * written here, half JSON.stringify's cost on node; anything else (a JSON line's nested values, a list)
 * goes to JSON.stringify.
 */
function fieldsJson(fields: Record<string, unknown>): string {
  // Object.keys: the own enumerable keys, in JSON.stringify's order
  const keys = Object.keys(fields);
  if (keys.length === 0) return "";
  let json = ',"fields":{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = fields[key];
    let text: string;
    if (typeof value === "string") text = jsonString(value);
    else if (typeof value === "number" && Number.isFinite(value)) text = `${value}`;
    else if (typeof value === "boolean") text = value ? "true" : "false";
    else return anyFieldsJson(fields);
    json += i === 0 ? `${keyJson(key)}:${text}` : `,${keyJson(key)}:${text}`;
  }
  return `${json}}`;
}

function anyFieldsJson(fields: Record<string, unknown>): string {
  const json = stringifyAny(fields);
  return json === "{}" ? "" : `,"fields":${json}`;
}

function stringifyAny(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch (error) {
    // JSON.parse accepts nesting deeper than JSON.stringify's stack allows; say so rather than drop the line
    return JSON.stringify({ logwisp_error: `fields could not be serialized: ${String(error)}` });
  }
}
