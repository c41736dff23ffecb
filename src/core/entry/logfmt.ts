// logfmt, the key=value lines of Go's slog and logrus, Heroku and Grafana: `level=warn msg="disk full" dev=sda1`.
// A line is logfmt when every blank-separated part of it is one `key=value` pair, the value bare
// (`dev=sda1`, `x=` for an empty one) or quoted (`msg="disk full"`, `\"` `\\` `\n` `\t` `\uXXXX` inside);
// a line that is only partly so (`Result: a=1`, `msg=he said "hi"`) is none, and stays a plain line.

import type { Level } from "../wire/contract.ts";
import type { LogEntry } from "./entry.ts";
import { addField } from "./fields.ts";
import { LEVEL_KEYS, MESSAGE_KEYS } from "./keys.ts";
import { normalizeLevel } from "./levels.ts";

/**
 * The entry of a logfmt line from `start` on (after a leading timestamp, which `ts` then keeps), or
 * undefined when the text there is not logfmt through to its end. `msg` (else `message`) is the message,
 * `level` (else `lvl`, `severity`) the level, each only when it is there once and usable; every other
 * pair is a field, its value a string, as written. No message key: the whole line is the message.
 */
export function logfmtEntry(
  line: string,
  source: string,
  time: string,
  start = 0,
  leadingTs?: string,
): LogEntry | undefined {
  // the cheap question first: does the text open with `key=`? (most plain lines fail at their first blank)
  let first = start;
  while (isSeparator(line.charCodeAt(first))) first++;
  if (keyEnd(line, first) === -1) return undefined;
  const pairs = logfmtPairs(line, start);
  if (pairs === undefined) return undefined;
  const { keys, values } = pairs;
  let messageAt = -1;
  for (let k = 0; k < MESSAGE_KEYS.length && messageAt === -1; k++)
    messageAt = onlyIndexOf(keys, MESSAGE_KEYS[k]);
  let levelAt = -1;
  let level: Level | undefined;
  for (let k = 0; k < LEVEL_KEYS.length && level === undefined; k++) {
    levelAt = onlyIndexOf(keys, LEVEL_KEYS[k]);
    level = levelAt === -1 ? undefined : normalizeLevel(values[levelAt]);
  }
  if (level === undefined) levelAt = -1;
  const entry: LogEntry = { time, source, message: messageAt === -1 ? line : (values[messageAt] as string) };
  if (level !== undefined) entry.level = level;
  let fields: Record<string, unknown> | undefined;
  if (leadingTs !== undefined) {
    fields = {};
    addField(fields, "ts", leadingTs);
  }
  for (let i = 0; i < keys.length; i++) {
    if (i === messageAt || i === levelAt) continue;
    fields ??= {};
    addField(fields, keys[i] as string, values[i] as string);
  }
  if (fields !== undefined) entry.fields = fields;
  return entry;
}

/** The pairs of a logfmt text, in the line's order (a key given twice is there twice). */
export interface LogfmtPairs {
  readonly keys: string[];
  readonly values: string[];
}

/** Where `key` is, when it is there exactly once; else -1 (a key given twice names no one message or level). */
function onlyIndexOf(keys: readonly string[], key: string | undefined): number {
  const first = keys.indexOf(key as string);
  return first !== -1 && keys.indexOf(key as string, first + 1) === -1 ? first : -1;
}

/**
 * Every `key=value` pair from `start` to the end of the line, in order, or undefined when any part of the
 * text is not a pair, or there is none.
 */
export function logfmtPairs(line: string, start: number): LogfmtPairs | undefined {
  const keys: string[] = [];
  const values: string[] = [];
  const length = line.length;
  let at = start;
  for (;;) {
    while (at < length && isSeparator(line.charCodeAt(at))) at++;
    if (at >= length) break;
    const equals = keyEnd(line, at);
    if (equals === -1) return undefined;
    keys.push(line.slice(at, equals));
    at = equals + 1;
    if (line.charCodeAt(at) === 0x22 /* " */) {
      const end = quotedEnd(line, at);
      // unterminated, or text glued to the closing quote: not a pair
      if (end === -1 || (end < length && !isSeparator(line.charCodeAt(end)))) return undefined;
      values.push(unquote(line, at, end));
      at = end;
    } else {
      const valueStart = at;
      for (; at < length; at++) {
        const code = line.charCodeAt(at);
        if (isSeparator(code)) break;
        // a quote inside a bare value: the line is prose with an `=` in it, not logfmt
        if (code === 0x22) return undefined;
      }
      values.push(line.slice(valueStart, at));
    }
  }
  return keys.length > 0 ? { keys, values } : undefined;
}

/**
 * Where the `=` after a key starting at `at` stands, or -1. A key starts with a letter, `_` or `@` and
 * holds letters, digits and `_ . - / @` (`http.status`, `user-agent`, `k8s/pod`, `@timestamp`); `:` does
 * not belong, so a `Result:a=1` or a URL is never read as one.
 */
export function keyEnd(line: string, at: number): number {
  const first = line.charCodeAt(at);
  if (!isKeyStart(first) && first !== 0x40 /* @ */) return -1;
  let end = at + 1;
  while (end < line.length && isKeyPart(line.charCodeAt(end))) end++;
  return line.charCodeAt(end) === 0x3d /* = */ ? end : -1;
}

/** Where a quoted value opened at `open` ends (just past its closing quote), or -1 when it does not. */
export function quotedEnd(line: string, open: number): number {
  for (let at = open + 1; at < line.length; at++) {
    const code = line.charCodeAt(at);
    if (code === 0x5c /* \ */) at++;
    else if (code === 0x22) return at + 1;
  }
  return -1;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
};
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The text of a quoted value (from quotedEnd), escapes undone; an escape it does not know stays as written. */
export function unquote(line: string, open: number, end: number): string {
  const inner = line.slice(open + 1, end - 1);
  if (!inner.includes("\\")) return inner;
  let text = "";
  let from = 0;
  for (let at = inner.indexOf("\\"); at !== -1; at = inner.indexOf("\\", from)) {
    text += inner.slice(from, at);
    const next = inner.charAt(at + 1);
    const hex = inner.slice(at + 2, at + 6);
    if (next === "u" && HEX4.test(hex)) {
      text += String.fromCharCode(Number.parseInt(hex, 16));
      from = at + 6;
    } else {
      text += Object.hasOwn(ESCAPES, next) ? ESCAPES[next] : `\\${next}`;
      from = at + 2;
    }
  }
  return text + inner.slice(from);
}

function isSeparator(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function isKeyStart(code: number): boolean {
  return ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) || code === 0x5f;
}

function isKeyPart(code: number): boolean {
  return (
    isKeyStart(code) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2e /* . */ ||
    code === 0x2d /* - */ ||
    code === 0x2f /* / */ ||
    code === 0x40 /* @ */
  );
}
