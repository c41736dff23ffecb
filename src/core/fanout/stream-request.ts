// What a client asks of its stream, read from where it says it: the query string of GET /stream, or the
// JSON options line a TCP client may send first. Both come out as one StreamRequest; both refuse a bad
// one with a FilterError naming the parameter, what was wrong and what is expected.

import { formatTimeMicros, normalizeTime } from "../util/time.ts";
import { type EntryId, parseEntryId } from "./replay.ts";
import { compileFilter, FilterError, type FilterSpec, type StreamFilter } from "./stream-filter.ts";

export interface StreamRequest {
  readonly filter: StreamFilter | undefined;
  /** Start with the last N entries that pass the filter. */
  readonly backlog: number | undefined;
  /** Resume after this entry (SSE `Last-Event-ID` or `?last_event_id=`); wins over backlog and since. */
  readonly resume: EntryId | undefined;
  /** Start with the held entries whose time is at or after this one (an entry's `time`, RFC 3339 UTC µs). */
  readonly since?: string | undefined;
}

/** The largest backlog asked for that is taken as a number; more than the ring holds gives what it holds. */
const MAX_BACKLOG = Number.MAX_SAFE_INTEGER;

const QUERY_PARAMETERS = ["level", "source", "q", "backlog", "since", "last_event_id", "token"] as const;

const SINCE_DURATION = /^(\d{1,9})([smh])$/;
/** RFC 3339 with its offset: a time without one would be read in the server's zone, not the client's. */
const SINCE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * `15m` (a whole number of s, m or h before now) or an RFC 3339 time → the earliest entry time wanted, as
 * entries spell their time (`2026-01-01T12:00:00.000000Z`), so it compares with them as text.
 */
export function parseSince(text: string, name: string, nowMs: number = Date.now()): string {
  const trimmed = text.trim();
  const duration = SINCE_DURATION.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    // further back than 1970: every entry is after it
    return formatTimeMicros(Math.max(0, nowMs - ms) * 1000);
  }
  const time = SINCE_TIME.test(trimmed) ? normalizeTime(trimmed) : undefined;
  if (time === undefined) throw new FilterError(`${name}: got ${JSON.stringify(text)}, ${SINCE_EXPECTED}`);
  return time;
}

const SINCE_EXPECTED =
  "expected a duration (a whole number of s, m or h: 15m) or an RFC 3339 time (2026-01-01T12:00:00Z)";

/**
 * `/stream?level=warn&source=app*.log&q=timeout&fields.user=alice&backlog=100`. An empty value counts as
 * absent (a form leaves its empty fields in the URL), except for fields.<key>, where "" is a value. A
 * malformed last_event_id counts as absent too: a browser would retry a refusal forever.
 */
export function requestFromQuery(
  params: URLSearchParams,
  lastEventIdHeader?: string | null,
  nowMs: number = Date.now(),
): StreamRequest {
  const seen = new Set<string>();
  const sources: string[] = [];
  const fields: [string, string][] = [];
  const single: Partial<Record<(typeof QUERY_PARAMETERS)[number], string>> = {};
  for (const [name, value] of params) {
    if (name === "source") {
      if (value !== "") sources.push(value);
      continue;
    }
    if (seen.has(name)) {
      throw new FilterError(
        `${name}: given more than once, expected it at most once (only source may repeat)`,
      );
    }
    seen.add(name);
    if (name.startsWith("fields.")) fields.push([name.slice("fields.".length), value]);
    else if ((QUERY_PARAMETERS as readonly string[]).includes(name)) {
      if (value !== "") single[name as (typeof QUERY_PARAMETERS)[number]] = value;
    } else {
      throw new FilterError(
        `${name}: unknown parameter, expected level, source, q, fields.<key>, backlog, since, last_event_id or token`,
      );
    }
  }
  const spec: FilterSpec = {
    level: single.level,
    sources: sources.length > 0 ? sources : undefined,
    q: single.q,
    fields: fields.length > 0 ? fields : undefined,
  };
  return {
    filter: compileFilter(spec, (part) => part),
    backlog: single.backlog === undefined ? undefined : parseBacklog(single.backlog, "backlog"),
    ...(single.since === undefined ? {} : { since: parseSince(single.since, "since", nowMs) }),
    // the header is what EventSource sends on its own reconnect, so it is the newer of the two
    resume: parseEntryId(lastEventIdHeader) ?? parseEntryId(single.last_event_id),
  };
}

function parseBacklog(text: string, name: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new FilterError(`${name}: got ${JSON.stringify(text)}, expected a non-negative integer`);
  }
  return Math.min(Number(text.trim()), MAX_BACKLOG);
}

const TCP_KEYS = ["filter", "backlog", "since", "token"];
const TCP_FILTER_KEYS = ["level", "source", "q", "fields"];

/**
 * A TCP client's options line: `{"filter": {"level": "warn", "source": "app*.log", "q": "timeout",
 * "fields": {"user": "alice"}}, "backlog": 100, "since": "15m"}`, every key optional ("token" is auth's,
 * read there).
 */
export function requestFromJsonLine(line: string, nowMs: number = Date.now()): StreamRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new FilterError(
      `the first line is not valid JSON (${error instanceof Error ? error.message : String(error)}), expected an object such as {"filter":{"level":"warn"},"backlog":100}`,
    );
  }
  return requestFromOptions(asObject(value, "the first line"), nowMs);
}

export function requestFromOptions(
  options: Record<string, unknown>,
  nowMs: number = Date.now(),
): StreamRequest {
  checkKeys(options, TCP_KEYS, "", "filter, backlog, since or token");
  const filter = options.filter === undefined ? {} : asObject(options.filter, "filter");
  checkKeys(filter, TCP_FILTER_KEYS, "filter.", "level, source, q or fields");
  const spec: FilterSpec = {
    level: optionalString(filter.level, "filter.level"),
    sources: sourceList(filter.source),
    q: optionalString(filter.q, "filter.q"),
    fields: filter.fields === undefined ? undefined : fieldList(filter.fields),
  };
  // the token itself is auth's to check (tcp.ts); here only its form
  optionalString(options.token, "token");
  const { backlog } = options;
  if (backlog !== undefined && (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0)) {
    throw new FilterError(`backlog: got ${JSON.stringify(backlog)}, expected a non-negative integer`);
  }
  const { since } = options;
  if (since !== undefined && typeof since !== "string") {
    throw new FilterError(`since: got ${JSON.stringify(since)}, ${SINCE_EXPECTED}`);
  }
  return {
    filter: compileFilter(spec, (part) => `filter.${part}`),
    backlog: backlog === undefined ? undefined : Math.min(backlog, MAX_BACKLOG),
    resume: undefined,
    ...(since === undefined ? {} : { since: parseSince(since, "since", nowMs) }),
  };
}

function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FilterError(`${name}: got ${JSON.stringify(value)}, expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkKeys(object: Record<string, unknown>, known: readonly string[], prefix: string, list: string) {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw new FilterError(`${prefix}${key}: unknown key, expected ${list}`);
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new FilterError(`${name}: got ${JSON.stringify(value)}, expected a string`);
  }
  return value;
}

function sourceList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item) => typeof item === "string")) {
    throw new FilterError(
      `filter.source: got ${JSON.stringify(value)}, expected a glob or a non-empty list of globs`,
    );
  }
  return list;
}

function fieldList(value: unknown): [string, string][] {
  const fields = asObject(value, "filter.fields");
  return Object.entries(fields).map(([key, field]) => {
    if (typeof field === "string") return [key, field];
    if (typeof field === "number" || typeof field === "boolean" || field === null) {
      return [key, JSON.stringify(field)];
    }
    throw new FilterError(
      `filter.fields.${key}: got ${JSON.stringify(field)}, expected a string, number or boolean (a nested field is written "a.b")`,
    );
  });
}
