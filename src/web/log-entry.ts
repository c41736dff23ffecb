// One log entry as /stream sends it ({time, source, level, message, fields}), and the page's rows: entries
// plus the markers it adds itself (a gap, a reconnect, a rotation, a filter change).

import { LEVELS, type Level } from "../core/wire/contract.ts";

export interface LogEntry {
  readonly time: string;
  readonly source: string;
  readonly level?: Level;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface EntryRow {
  readonly kind: "entry";
  readonly entry: LogEntry;
  /** The SSE id (`<run>-<seq>`), when the server sends ids. */
  readonly id: string | undefined;
  /** `fields` as JSON, made on the first text search that needs it. */
  fieldsJson?: string;
}

export interface MarkerRow {
  readonly kind: "marker";
  readonly tone: "info" | "warn";
  readonly text: string;
  /** When the page added it, as an ISO time. */
  readonly time: string;
}

export type Row = EntryRow | MarkerRow;

const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS);

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && LEVEL_SET.has(value);
}

/** An SSE `data:` payload → an entry; anything that is not one (a bug, a proxy's page) → undefined. */
export function parseEntry(data: string): LogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.message !== "string") return undefined;
  const entry: {
    time: string;
    source: string;
    message: string;
    level?: Level;
    fields?: Record<string, unknown>;
  } = {
    time: typeof record.time === "string" ? record.time : "",
    source: typeof record.source === "string" ? record.source : "",
    message: record.message,
  };
  if (isLevel(record.level)) entry.level = record.level;
  const fields = record.fields;
  if (typeof fields === "object" && fields !== null && !Array.isArray(fields)) {
    entry.fields = fields as Record<string, unknown>;
  }
  return entry;
}

export function entryRow(entry: LogEntry, id: string | undefined): EntryRow {
  return { kind: "entry", entry, id };
}

export function markerRow(text: string, tone: MarkerRow["tone"] = "info", now = new Date()): MarkerRow {
  return { kind: "marker", tone, text, time: now.toISOString() };
}

export function fieldsJson(row: EntryRow): string {
  if (row.fieldsJson === undefined) {
    row.fieldsJson = row.entry.fields === undefined ? "" : JSON.stringify(row.entry.fields);
  }
  return row.fieldsJson;
}
