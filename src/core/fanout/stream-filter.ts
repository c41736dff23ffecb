// A client's filter: which entries its stream carries. The same meaning on SSE (query parameters) and TCP
// (the options line): a minimum level, source globs, a substring or /regex/ on the message and fields, and
// exact field values, all ANDed. Compiled once per client; matched once per entry per distinct filter.

import { type LogEntry, normalizeLevel } from "../entry/entry.ts";
import { globToRegExp } from "../util/glob.ts";
import {
  compileLinearRegex,
  type LinearRegex,
  RegexRefusal,
  SUPPORTED_SYNTAX,
} from "../util/linear-regex.ts";
import { LEVELS, type Level, MAX_REGEX_PATTERN_CHARS } from "../wire/contract.ts";
import type { PublishedEntry } from "../wire/published-entry.ts";

/** Flags RE2 gives a meaning (u is a no-op there); `g` and `y` say where a RegExp stops, which a test never needs. */
const REGEX_FLAGS = /^[imsu]*$/;

/** A filter as the client wrote it, before it is checked. */
export interface FilterSpec {
  readonly level?: string | undefined;
  readonly sources?: readonly string[] | undefined;
  readonly q?: string | undefined;
  readonly fields?: readonly (readonly [key: string, value: string])[] | undefined;
}

/** A bad filter: `detail` says which parameter, what was wrong and what is expected. */
export class FilterError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "FilterError";
  }
}

/** How a part of the filter is called where it came from: `level` on HTTP, `filter.level` on TCP. */
export type PartName = (part: "level" | "source" | "q" | `fields.${string}`) => string;

export interface StreamFilter {
  /** Equal for filters that let the same entries through: clients sharing one share an encoding. */
  readonly key: string;
  matches(entry: PublishedEntry, parsed?: LogEntry): boolean;
}

export function levelIndex(level: string | undefined): number {
  return level === undefined ? -1 : LEVELS.indexOf(level as Level);
}

/** Checks and compiles a filter; undefined when it lets everything through. Throws FilterError. */
export function compileFilter(spec: FilterSpec, name: PartName): StreamFilter | undefined {
  const minLevel = spec.level === undefined ? undefined : compileLevel(spec.level, name("level"));
  const sources = spec.sources?.map((glob) => compileGlob(glob, name("source")));
  const text = spec.q === undefined ? undefined : compileText(spec.q, name("q"));
  const fields = spec.fields?.map(([key, value]) => compileField(key, value, name(`fields.${key}`)));
  if (minLevel === undefined && sources === undefined && text === undefined && fields === undefined) {
    return undefined;
  }
  const key = JSON.stringify([
    minLevel ?? null,
    spec.sources ? [...spec.sources].sort() : null,
    spec.q ?? null,
    spec.fields ? [...spec.fields].sort() : null,
  ]);
  return {
    key,
    matches(entry, parsed) {
      if (minLevel !== undefined && entry.level < minLevel) return false;
      if (sources && !sources.some((glob) => glob.test(entry.source))) return false;
      if (text === undefined && fields === undefined) return true;
      const full = parsed ?? parseEntry(entry.json);
      if (text && !text(full)) return false;
      return fields === undefined || fields.every((field) => field(full));
    },
  };
}

function compileLevel(text: string, name: string): number {
  const level = normalizeLevel(text.trim());
  if (level === undefined) {
    throw new FilterError(
      `${name}: got ${JSON.stringify(text)}, expected one of ${LEVELS.join(", ")} (the minimum level)`,
    );
  }
  return levelIndex(level);
}

function compileGlob(glob: string, name: string): RegExp {
  if (glob === "") throw new FilterError(`${name}: got "", expected a glob such as app*.log`);
  try {
    return globToRegExp(glob);
  } catch (error) {
    throw new FilterError(
      `${name}: got ${JSON.stringify(glob)}, expected a glob (*, ?, [abc], {a,b}): ${reason(error)}`,
    );
  }
}

/**
 * `q`: a case-insensitive substring, or `/pattern/flags`, tested on the message and on the fields as JSON.
 * A regex runs on RE2 (linear time) and looks at its scan limit of characters of the two texts in all.
 */
function compileText(q: string, name: string): (entry: LogEntry) => boolean {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(q);
  if (!regex) {
    const needle = q.toLowerCase();
    return (entry) =>
      entry.message.toLowerCase().includes(needle) ||
      (entry.fields !== undefined && fieldsText(entry.fields).toLowerCase().includes(needle));
  }
  const [, pattern = "", flags = ""] = regex;
  const compiled = compileRegex(pattern, flags, name, q);
  return (entry) => {
    if (compiled.test(entry.message)) return true;
    if (entry.fields === undefined) return false;
    const left = compiled.scanLimit - entry.message.length;
    return left > 0 && compiled.test(fieldsText(entry.fields), left);
  };
}

function compileRegex(pattern: string, flags: string, name: string, q: string): LinearRegex {
  const got = `got ${JSON.stringify(q)}`;
  if (pattern === "") throw new FilterError(`${name}: ${got}, expected a non-empty /regex/`);
  if (pattern.length > MAX_REGEX_PATTERN_CHARS) {
    throw new FilterError(
      `${name}: a /regex/ of ${pattern.length} characters, expected at most ${MAX_REGEX_PATTERN_CHARS}`,
    );
  }
  if (!REGEX_FLAGS.test(flags)) {
    throw new FilterError(`${name}: ${got}, expected /regex/ flags among i, m, s, u`);
  }
  try {
    return compileLinearRegex(pattern, flags);
  } catch (error) {
    if (!(error instanceof RegexRefusal)) throw error;
    throw new FilterError(`${name}: ${got}: ${error.reason}; expected ${SUPPORTED_SYNTAX}`);
  }
}

/**
 * `fields.<key>=<value>`: the entry's field (a dotted key is a nested path, unless a field has that whole
 * name) equals the value as text; numbers, booleans and null compare by their JSON text.
 */
function compileField(key: string, value: string, name: string): (entry: LogEntry) => boolean {
  if (key === "" || key.split(".").includes("")) {
    throw new FilterError(`${name}: expected a field name such as fields.user or fields.http.status`);
  }
  const path = key.split(".");
  return (entry) => {
    const found = fieldAt(entry.fields, key, path);
    if (typeof found === "string") return found === value;
    if (typeof found === "number" || typeof found === "boolean" || found === null) {
      return JSON.stringify(found) === value;
    }
    return false;
  };
}

function fieldAt(fields: Record<string, unknown> | undefined, key: string, path: readonly string[]): unknown {
  if (fields === undefined) return undefined;
  if (Object.hasOwn(fields, key)) return fields[key];
  let value: unknown = fields;
  for (const segment of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function fieldsText(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch {
    return "";
  }
}

/** An entry read back from its JSON text (the ring keeps only the text); a non-entry is its own message. */
function parseEntry(json: string): LogEntry {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const { message, fields } = value as { message?: unknown; fields?: unknown };
      return {
        time: "",
        source: "",
        message: typeof message === "string" ? message : json,
        ...(typeof fields === "object" && fields !== null
          ? { fields: fields as Record<string, unknown> }
          : {}),
      };
    }
  } catch {
    // not JSON: match on the text itself
  }
  return { time: "", source: "", message: json };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
