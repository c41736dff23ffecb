// One log line → one entry, in the seed's format {time, source, level, message, fields}.
// Runs once per line on the hot path: one precompiled RegExp per question, no parsing a line twice.

import { formatTimeMicros, normalizeTime } from "../util/time.ts";
import type { Level } from "../wire/contract.ts";

export interface LogEntry {
  /** RFC 3339 UTC with microseconds: the line's own time when it has one, else the time it was read. */
  time: string;
  /** Base name of the file the line came from. */
  source: string;
  /** Absent when the line names no level (as the original did). */
  level?: Level;
  message: string;
  /** The other keys of a JSON line; absent when there are none. */
  fields?: Record<string, unknown>;
}

/** Every way of naming a level that logwisp recognises, in JSON values and plain lines alike. */
const LEVEL_TABLE: readonly (readonly [Level, readonly string[]])[] = [
  ["trace", ["trace", "trc"]],
  ["debug", ["debug", "dbg"]],
  ["info", ["info", "inf", "information", "notice"]],
  ["warn", ["warn", "warning", "wrn"]],
  ["error", ["error", "err"]],
  ["fatal", ["fatal", "ftl", "crit", "critical", "panic", "emerg", "alert"]],
];

// A Map, not an object literal: a lookup of "constructor" or "__proto__" must find nothing.
const LEVEL_NAMES = new Map<string, Level>(
  LEVEL_TABLE.flatMap(([level, names]) => names.map((name) => [name, level] as const)),
);
const LONGEST_LEVEL_NAME = Math.max(...[...LEVEL_NAMES.keys()].map((name) => name.length));

/** pino and bunyan numeric levels. */
const NUMERIC_LEVELS = new Map<number, Level>([
  [10, "trace"],
  [20, "debug"],
  [30, "info"],
  [40, "warn"],
  [50, "error"],
  [60, "fatal"],
]);

const TIME_KEYS = ["time", "ts", "timestamp"] as const;
const LEVEL_KEYS = ["level", "lvl", "severity"] as const;
const MESSAGE_KEYS = ["msg", "message"] as const;

export function parseLine(line: string, source: string, readTimeMicros: number): LogEntry {
  const json = looksLikeJsonObject(line) ? parseJsonObject(line) : undefined;
  if (json !== undefined) return entryFromJson(json, line, source, readTimeMicros);
  const level = detectLevel(line);
  const time = formatTimeMicros(readTimeMicros);
  return level === undefined ? { time, source, message: line } : { time, source, level, message: line };
}

/** A level name as log libraries write it ("WARNING", "err", "Crit", 40) → a Level, or undefined. */
export function normalizeLevel(value: unknown): Level | undefined {
  if (typeof value === "string") {
    return value.length <= LONGEST_LEVEL_NAME ? LEVEL_NAMES.get(value.toLowerCase()) : undefined;
  }
  if (typeof value === "number") return NUMERIC_LEVELS.get(value);
  return undefined;
}

/** The entry as one JSON text, keys in the seed's order; built from parts so the line is walked once. */
export function serializeEntry(entry: LogEntry): string {
  // fewer pieces, fewer intermediate strings: everything between the time and the message is one string
  // per source and level, made once
  let json = `${timeJson(entry.time)}${middleJson(entry.source, entry.level)}${jsonString(entry.message)}`;
  if (entry.fields !== undefined && hasKeys(entry.fields))
    json += `,"fields":${stringifyFields(entry.fields)}`;
  return `${json}}`;
}

/** What JSON.stringify escapes in a string: `"`, `\\`, control characters, and (when lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(text), the same output: most log text needs no escape, and one scan plus two quotes costs
 * a third of JSON.stringify on node (a surrogate, even a paired one, takes JSON.stringify's path).
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
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

// the lines of a burst share their source and mostly their level: `,"source":…,"level":…,"message":` is
// made once per source (one per level), not per line
let lastSource: string | undefined;
let middles = new Map<Level | undefined, string>();

function middleJson(source: string, level: Level | undefined): string {
  if (source !== lastSource) {
    middles = new Map();
    lastSource = source;
  }
  let middle = middles.get(level);
  if (middle === undefined) {
    middle = `,"source":${jsonString(source)}${level === undefined ? "" : `,"level":${jsonString(level)}`},"message":`;
    middles.set(level, middle);
  }
  return middle;
}

function stringifyFields(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch (error) {
    // JSON.parse accepts nesting deeper than JSON.stringify's stack allows; say so rather than drop the line
    return JSON.stringify({ logwisp_error: `fields could not be serialized: ${String(error)}` });
  }
}

// ---- JSON lines -------------------------------------------------------------------------------------

function looksLikeJsonObject(line: string): boolean {
  let start = 0;
  while (start < line.length && isSpace(line.charCodeAt(start))) start++;
  if (line.charCodeAt(start) !== 0x7b /* { */) return false;
  let end = line.length - 1;
  while (end > start && isSpace(line.charCodeAt(end))) end--;
  return line.charCodeAt(end) === 0x7d /* } */;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/** The text as a JSON object, or undefined when it is not valid JSON or not an object. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function entryFromJson(
  object: Record<string, unknown>,
  line: string,
  source: string,
  readTimeMicros: number,
): LogEntry {
  // a key is consumed only when its value is usable; otherwise it stays in fields so nothing is lost
  let time: string | undefined;
  let timeKey: string | undefined;
  for (const key of TIME_KEYS) {
    time = normalizeTime(object[key]);
    if (time !== undefined) {
      timeKey = key;
      break;
    }
  }
  let level: Level | undefined;
  let levelKey: string | undefined;
  for (const key of LEVEL_KEYS) {
    level = normalizeLevel(object[key]);
    if (level !== undefined) {
      levelKey = key;
      break;
    }
  }
  let messageKey: string | undefined;
  for (const key of MESSAGE_KEYS) {
    if (object[key] !== undefined && object[key] !== null) {
      messageKey = key;
      break;
    }
  }
  const entry: LogEntry = {
    time: time ?? formatTimeMicros(readTimeMicros),
    source,
    message: messageKey === undefined ? line : messageText(object[messageKey], line),
  };
  if (level !== undefined) entry.level = level;
  const fields = otherFields(object, timeKey, levelKey, messageKey);
  if (fields !== undefined) entry.fields = fields;
  return entry;
}

function messageText(value: unknown, line: string): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? line;
  } catch {
    return line;
  }
}

function otherFields(
  object: Record<string, unknown>,
  timeKey: string | undefined,
  levelKey: string | undefined,
  messageKey: string | undefined,
): Record<string, unknown> | undefined {
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    if (key === timeKey || key === levelKey || key === messageKey) continue;
    fields ??= {};
    // plain assignment of "__proto__" would set the prototype; define it as the data it is
    if (key === "__proto__") {
      Object.defineProperty(fields, key, {
        value: object[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      fields[key] = object[key];
    }
  }
  return fields;
}

function hasKeys(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

// ---- plain lines --------------------------------------------------------------------------------------

/** How far past the leading timestamp a level word may stand. */
const HEADER_CHARS = 64;

// `level=warn`, `lvl="info"`, `severity='error'`, `"level":"debug"`: an explicit key wins, anywhere in the
// line. The two forms, each tried at one position (sticky): `key=…` from the key's first letter, `"key": …`
// from its opening quote
const KEY_EQUALS_AT = /\b(?:level|lvl|severity)=["']?([a-z]+)\b/iy;
const QUOTED_KEY_AT = /"(?:level|lvl|severity)"\s*:\s*["']?([a-z]+)\b/iy;

/**
 * The value of the leftmost explicit level key in the line, as the one regex
 * `/(?:\b(?:level|lvl|severity)=|"(?:level|lvl|severity)"\s*:\s*)["']?([a-z]+)\b/i` would capture it,
 * without running a regex along the whole line (~1 ns per character, on every plain line): a match has an
 * `=` right after its key, or starts at a `"`, so it is tried only there, where the letter beside it fits
 * a key, and those few places are found by indexOf.
 */
export function levelKeyValue(line: string): string | undefined {
  let best = -1;
  let value: string | undefined;
  // `key=`: the first `=` that ends a key gives the leftmost such match (a key holds no `=`)
  for (
    let equals = line.indexOf("=");
    equals !== -1 && value === undefined;
    equals = line.indexOf("=", equals + 1)
  ) {
    const last = line.charCodeAt(equals - 1) | 0x20;
    // level, lvl (ends in l) or severity (ends in y); shortest start first
    const starts = last === 0x6c ? [equals - 5, equals - 3] : last === 0x79 ? [equals - 8] : undefined;
    if (starts === undefined) continue;
    for (const start of starts) {
      if (start < 0) continue;
      KEY_EQUALS_AT.lastIndex = start;
      const match = KEY_EQUALS_AT.exec(line);
      if (match !== null) {
        best = start;
        value = match[1];
        break;
      }
    }
  }
  // `"key":`: only a quote before the `key=` match found can come first
  for (let quote = line.indexOf('"'); quote !== -1; quote = line.indexOf('"', quote + 1)) {
    if (best !== -1 && quote > best) break;
    const first = line.charCodeAt(quote + 1) | 0x20;
    if (first !== 0x6c && first !== 0x73) continue;
    QUOTED_KEY_AT.lastIndex = quote;
    const match = QUOTED_KEY_AT.exec(line);
    if (match !== null) return match[1];
  }
  return value;
}

/** A timestamp opening the line: `2024-01-01 12:00:00,123`, `[2024-01-01T12:00:00Z]`, `12:00:00.123`, `Jan  2 15:04:05`. */
const LEADING_TIMESTAMP =
  /^[[(]?(?:\d{4}[-/.]\d{2}[-/.]\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})(?:[Zz]| ?[+-]\d{2}:?\d{2}| UTC)?[\])]?\s+/y;

/** A level word standing alone: after a delimiter, before a delimiter. Which ones count is decided below. */
const LEVEL_WORD = new RegExp(
  `(^|[\\s[(<|:])(${[...LEVEL_NAMES.keys()].join("|")})(?=$|[\\s\\])>:,|])`,
  "gi",
);

/**
 * The level a plain line names, or undefined. Precision over recall: "user saw an error page" has none.
 * A word counts in the first HEADER_CHARS after an optional leading timestamp when it is
 * - in brackets, any case: `[warn]`, `<error>`, `(info)`, `[core:error]`;
 * - ALL CAPS: `ERROR db down`, `- WARNING -`, `INF`;
 * - the first word, followed by `:` (`error: x`, `Warning: x`), or after a timestamp by anything (`12:00:00 info x`).
 * Single-letter forms (glog's `E0101`, Android's `E/`) are left alone: too easy to misread.
 */
export function detectLevel(line: string): Level | undefined {
  const keyValue = levelKeyValue(line);
  const explicit = keyValue === undefined ? undefined : normalizeLevel(keyValue);
  if (explicit !== undefined) return explicit;

  // test, not exec: a sticky match leaves its end in lastIndex, and no match array is made per line
  LEADING_TIMESTAMP.lastIndex = 0;
  const headerStart = LEADING_TIMESTAMP.test(line) ? LEADING_TIMESTAMP.lastIndex : 0;
  const headerEnd = headerStart + HEADER_CHARS;
  // a few chars past the end, so a word cut by the window is still seen whole (and rejected)
  const header = line.length > headerEnd + 16 ? line.slice(0, headerEnd + 16) : line;
  // a word inside the timestamp never counts (digits and separators; a month name is not all caps, and not
  // first): the search starts at the delimiter before the header
  LEVEL_WORD.lastIndex = headerStart > 0 ? headerStart - 1 : 0;
  for (let match = LEVEL_WORD.exec(header); match !== null; match = LEVEL_WORD.exec(header)) {
    const before = match[1] ?? "";
    const word = match[2] ?? "";
    const start = match.index + before.length;
    if (start >= headerEnd) break;
    if (
      countsAsLevel(before, word, header.charAt(start + word.length), start === headerStart, headerStart > 0)
    ) {
      LEVEL_WORD.lastIndex = 0;
      return LEVEL_NAMES.get(word.toLowerCase());
    }
    // the next word may start at this word's closing delimiter
    LEVEL_WORD.lastIndex = start + word.length;
  }
  return undefined;
}

function countsAsLevel(
  before: string,
  word: string,
  after: string,
  isFirstWord: boolean,
  afterTimestamp: boolean,
): boolean {
  const opens = before === "[" || before === "(" || before === "<" || before === ":";
  if (opens && (after === "]" || after === ")" || after === ">")) return true;
  if (isAllCaps(word)) return true;
  return isFirstWord && (after === ":" || afterTimestamp);
}

function isAllCaps(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code < 0x41 || code > 0x5a) return false;
  }
  return true;
}
