// What a client asks of its stream, read from where it says it: the query string of GET /stream, or the
// JSON options line a TCP client may send first. Both come out as one StreamRequest; both refuse a bad
// one with a FilterError naming the parameter, what was wrong and what is expected.

import { type EntryId, parseEntryId } from "./replay.ts";
import { compileFilter, FilterError, type FilterSpec, type StreamFilter } from "./stream-filter.ts";

export interface StreamRequest {
  readonly filter: StreamFilter | undefined;
  /** Start with the last N entries that pass the filter. */
  readonly backlog: number | undefined;
  /** Resume after this entry (SSE `Last-Event-ID` or `?last_event_id=`); wins over backlog. */
  readonly resume: EntryId | undefined;
}

/** The largest backlog asked for that is taken as a number; more than the ring holds gives what it holds. */
const MAX_BACKLOG = Number.MAX_SAFE_INTEGER;

const QUERY_PARAMETERS = ["level", "source", "q", "backlog", "last_event_id", "token"] as const;

/**
 * `/stream?level=warn&source=app*.log&q=timeout&fields.user=alice&backlog=100`. An empty value counts as
 * absent (a form leaves its empty fields in the URL), except for fields.<key>, where "" is a value. A
 * malformed last_event_id counts as absent too: a browser would retry a refusal forever.
 */
export function requestFromQuery(params: URLSearchParams, lastEventIdHeader?: string | null): StreamRequest {
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
        `${name}: unknown parameter, expected level, source, q, fields.<key>, backlog, last_event_id or token`,
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

const TCP_KEYS = ["filter", "backlog", "token"];
const TCP_FILTER_KEYS = ["level", "source", "q", "fields"];

/**
 * A TCP client's options line: `{"filter": {"level": "warn", "source": "app*.log", "q": "timeout",
 * "fields": {"user": "alice"}}, "backlog": 100}`, every key optional ("token" is auth's, read there).
 */
export function requestFromJsonLine(line: string): StreamRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new FilterError(
      `the first line is not valid JSON (${error instanceof Error ? error.message : String(error)}), expected an object such as {"filter":{"level":"warn"},"backlog":100}`,
    );
  }
  return requestFromOptions(asObject(value, "the first line"));
}

export function requestFromOptions(options: Record<string, unknown>): StreamRequest {
  checkKeys(options, TCP_KEYS, "", "filter, backlog or token");
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
  return {
    filter: compileFilter(spec, (part) => `filter.${part}`),
    backlog: backlog === undefined ? undefined : Math.min(backlog, MAX_BACKLOG),
    resume: undefined,
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
