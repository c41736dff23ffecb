// The page's filters, with the meaning /stream gives its `level` and `q` parameters, so that what the
// page filters itself (instantly, on what it holds) and what the server filters agree.

import { LEVELS, type Level, MAX_REGEX_PATTERN_CHARS } from "../core/wire/contract.ts";
import { fieldsJson, type Row } from "./log-entry.ts";

export interface FilterSpec {
  /** Minimum level; "" for all. An entry without a level does not pass a level filter. */
  readonly level: Level | "";
  /** Case-insensitive substring of the message or the fields as JSON, or `/regex/flags`. */
  readonly q: string;
  /** The entries' sources to show, by name; absent or empty for all. */
  readonly sources?: readonly string[];
}

export const NO_FILTER: FilterSpec = { level: "", q: "", sources: [] };

export type Highlight = readonly [start: number, end: number];

export interface Filter {
  readonly spec: FilterSpec;
  /** Whether anything is filtered at all. */
  readonly active: boolean;
  /** Markers always pass: they explain what the list shows. */
  matches(row: Row): boolean;
  /** Where the text filter matches in `text`, for highlighting (at most `limit` ranges). */
  highlight(text: string, limit?: number): Highlight[];
}

export type CompiledFilter = { ok: true; filter: Filter } | { ok: false; error: string };

const REGEX_NOTATION = /^\/(.+)\/([a-z]*)$/s;

type TextTest = { kind: "none" } | { kind: "text"; needle: string } | { kind: "regex"; regex: RegExp };

function compileText(q: string): TextTest | string {
  if (q === "") return { kind: "none" };
  const notation = REGEX_NOTATION.exec(q);
  if (notation === null) return { kind: "text", needle: q.toLowerCase() };
  const [, pattern = "", flags = ""] = notation;
  if (pattern.length > MAX_REGEX_PATTERN_CHARS) {
    return `the pattern is ${pattern.length} characters long; at most ${MAX_REGEX_PATTERN_CHARS} are allowed`;
  }
  try {
    // g and y make test() remember where it stopped: one row's match would depend on the previous row
    return { kind: "regex", regex: new RegExp(pattern, flags.replace(/[gy]/g, "")) };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function compileFilter(spec: FilterSpec): CompiledFilter {
  const text = compileText(spec.q);
  if (typeof text === "string") return { ok: false, error: text };
  const minimum = spec.level === "" ? -1 : LEVELS.indexOf(spec.level);
  const sources = spec.sources === undefined || spec.sources.length === 0 ? undefined : new Set(spec.sources);
  const textMatches = (value: string): boolean => {
    if (text.kind === "text") return value.toLowerCase().includes(text.needle);
    if (text.kind === "regex") return text.regex.test(value);
    return true;
  };
  return {
    ok: true,
    filter: {
      spec,
      active: minimum >= 0 || text.kind !== "none" || sources !== undefined,
      matches(row) {
        if (row.kind === "marker") return true;
        if (sources !== undefined && !sources.has(row.entry.source)) return false;
        if (minimum >= 0) {
          const level = row.entry.level;
          if (level === undefined || LEVELS.indexOf(level) < minimum) return false;
        }
        if (text.kind === "none") return true;
        return (
          textMatches(row.entry.message) || (row.entry.fields !== undefined && textMatches(fieldsJson(row)))
        );
      },
      highlight: (value, limit = 20) => highlightRanges(text, value, limit),
    },
  };
}

function highlightRanges(text: TextTest, value: string, limit: number): Highlight[] {
  const ranges: Highlight[] = [];
  if (text.kind === "text") {
    const lower = value.toLowerCase();
    // a few characters change length when lowercased (İ): positions would not line up, so no highlight
    if (lower.length !== value.length) return ranges;
    for (let at = lower.indexOf(text.needle); at !== -1 && ranges.length < limit; ) {
      ranges.push([at, at + text.needle.length]);
      at = lower.indexOf(text.needle, at + text.needle.length);
    }
  } else if (text.kind === "regex") {
    const global = new RegExp(text.regex.source, `${text.regex.flags}g`);
    for (const match of value.matchAll(global)) {
      if (ranges.length >= limit) break;
      // an empty match highlights nothing (and matchAll moves on by itself)
      if (match[0].length > 0) ranges.push([match.index, match.index + match[0].length]);
    }
  }
  return ranges;
}

/** The query parameters that ask /stream for the same filter ("" values are left out). */
export function filterParams(spec: FilterSpec): [string, string][] {
  const params: [string, string][] = [];
  if (spec.level !== "") params.push(["level", spec.level]);
  for (const source of spec.sources ?? []) params.push(["source", literalGlob(source)]);
  if (spec.q !== "") params.push(["q", spec.q]);
  return params;
}

/** /stream reads `source` as a glob: a name's own `*`, `?`, `[` and `{` are put in brackets to mean themselves. */
export function literalGlob(name: string): string {
  return name.replace(/[*?[{]/g, "[$&]");
}

export function sameFilter(a: FilterSpec, b: FilterSpec): boolean {
  const aSources = a.sources ?? [];
  const bSources = b.sources ?? [];
  return (
    a.level === b.level &&
    a.q === b.q &&
    aSources.length === bSources.length &&
    aSources.every((source) => bSources.includes(source))
  );
}
