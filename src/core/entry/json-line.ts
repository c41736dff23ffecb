// JSON lines: `{"time":…,"level":…,"msg":…, …}` as pino, bunyan, zap, slog's JSON handler and most others
// write them. The line's own time, level and message, when usable; every other key a field, as it is.

import { formatTimeMicros, normalizeTime } from "../util/time.ts";
import type { Level } from "../wire/contract.ts";
import type { LogEntry } from "./entry.ts";
import { setField } from "./fields.ts";
import { LEVEL_KEYS, MESSAGE_KEYS, TIME_KEYS } from "./keys.ts";
import { normalizeLevel } from "./levels.ts";

/** The entry of a JSON object line, or undefined when the line is not one (then it is a plain line). */
export function jsonEntry(line: string, source: string, readTimeMicros: number): LogEntry | undefined {
  const object = looksLikeJsonObject(line) ? parseJsonObject(line) : undefined;
  return object === undefined ? undefined : entryFromJson(object, line, source, readTimeMicros);
}

/** `{` first and `}` last, blanks aside: two reads before JSON.parse is asked. */
export function looksLikeJsonObject(line: string): boolean {
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
    setField(fields, key, object[key]);
  }
  return fields;
}
