// Follows /stream with fetch and a stream reader (not EventSource, which takes one event per task: 5,000-
// 8,000 entries/s in Chromium, slower than logwisp reads a burst, so the server dropped for the page): the
// entries with their ids, the server's named events, and reconnects of its own that send the last id as
// `Last-Event-ID`, so a resuming server loses and repeats nothing, and the token as `Authorization`.

import type { SseEventName, SseEvents } from "../core/wire/contract.ts";
import { type FilterSpec, filterParams, sameFilter } from "./filter.ts";
import { type EntryRow, entryRow, parseEntry } from "./log-entry.ts";
import { type SseMessage, SseReader } from "./sse-reader.ts";

/** What the page asks for on its first connection: the newest entries the server still holds. */
export const INITIAL_BACKLOG = 10_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export type ConnectionState =
  | { readonly kind: "connecting" }
  | { readonly kind: "live" }
  | { readonly kind: "reconnecting"; readonly reason: string; readonly retryInMs: number }
  /** Retrying would fail the same way: waits for the user to change the filter. */
  | { readonly kind: "error"; readonly reason: string }
  | { readonly kind: "unauthorized" };

/** The part of a fetch Response this module reads (a fake one in the tests). */
export interface StreamResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export interface StreamDeps {
  /** GET `url` with these headers until `signal` aborts. */
  fetchStream(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<StreamResponse>;
  /** Runs `run` after `ms`; returns a cancel function. */
  schedule(run: () => void, ms: number): () => void;
}

export interface StreamHandlers {
  entry(row: EntryRow): void;
  marker(text: string, tone: "info" | "warn"): void;
  connected(clientId: string): void;
  state(state: ConnectionState): void;
  /** Every event of a chunk read from the stream was handed over: a moment to show them. */
  chunkRead?(): void;
}

export interface StreamRequest {
  readonly filter: FilterSpec;
  readonly token?: string | undefined;
  readonly lastEventId?: string | undefined;
  readonly backlog?: number | undefined;
  /** The history a new page starts with: `15m`, as /stream's `since` reads it. */
  readonly since?: string | undefined;
}

/**
 * `stream?…`, relative to the page, so a reverse proxy may serve logwisp under any path. A resume asks for
 * no history: the server would not use it (the id, sent as a header, wins).
 */
export function streamUrl(request: StreamRequest): string {
  const params = new URLSearchParams(filterParams(request.filter));
  if (request.lastEventId === undefined) {
    if (request.backlog !== undefined) params.set("backlog", String(request.backlog));
    if (request.since !== undefined) params.set("since", request.since);
  }
  const query = params.toString();
  return query === "" ? "stream" : `stream?${query}`;
}

/** The headers of a stream request: the token, and the id to resume after. */
export function streamHeaders(request: StreamRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  if (request.lastEventId !== undefined) headers["last-event-id"] = request.lastEventId;
  return headers;
}

/** logwisp's error bodies are `{"error": …, "detail": …}`; anything else is shown cut short. */
export function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown };
    const parts = [body.error, body.detail].filter((part): part is string => typeof part === "string");
    if (parts.length > 0) return parts.join(": ");
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

/** `<run>-<seq>` (run: the server's start time in base 36, seq: a decimal) → its parts. */
export function parseEventId(id: string): { run: string; seq: number } | undefined {
  const match = /^([0-9a-z]+)-(\d{1,15})$/.exec(id);
  return match ? { run: match[1] as string, seq: Number(match[2]) } : undefined;
}

export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, attempt - 1));
}

/**
 * A named event's payload as the contract types it, each property possibly missing: the page trusts the
 * names (the same module defines them on both sides) but not what a proxy or an older server sent.
 */
export function eventPayload<Name extends SseEventName>(_name: Name, data: string): Partial<SseEvents[Name]> {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Partial<SseEvents[Name]>) : {};
  } catch {
    return {};
  }
}

export function gapText(data: string): string {
  // a gap whose details are unreadable is still a gap
  const { missed, reason } = eventPayload("gap", data);
  if (reason === "restart") return "logwisp restarted: lines it read while this page was away are not shown";
  if (reason === "retention") {
    const count = typeof missed === "number" ? `${missed.toLocaleString("en")} ` : "";
    return `${count}stream messages missed: the NATS stream no longer holds them`;
  }
  if (typeof missed === "number") {
    return `${missed.toLocaleString("en")} ${missed === 1 ? "entry" : "entries"} missed: the server no longer held them`;
  }
  return "entries missed: the server no longer held them";
}

/** One request to /stream: aborted when the page closes it, replaced by the next one on a reconnect. */
interface Connection {
  readonly abort: AbortController;
  open: boolean;
}

export class LiveStream {
  private connection: Connection | undefined;
  /** The filter the current connection asked for. */
  private opened: FilterSpec;
  private lastId: string | undefined;
  private lastSeq: { run: string; seq: number } | undefined;
  /** The current connection sent ids: a new one can resume from the last. */
  private resumable = false;
  /** Entries came without ids (a server that cannot resume): a reconnect may have missed some. */
  private unresumedEntries = false;
  private attempt = 0;
  private cancelRetry: (() => void) | undefined;
  private stopped = true;

  constructor(
    private readonly deps: StreamDeps,
    private readonly handlers: StreamHandlers,
    private wanted: FilterSpec,
    private token: string | undefined,
    /** The history a new stream starts with (`15m`); undefined: the newest INITIAL_BACKLOG entries. */
    private since?: string | undefined,
  ) {
    this.opened = wanted;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.closeConnection();
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  /** The filter is applied by the page at once; the stream follows when it can resume without a gap. */
  setFilter(filter: FilterSpec): void {
    this.wanted = filter;
    if (this.stopped) return;
    if (this.connection === undefined && this.cancelRetry === undefined) this.open();
    else this.reopenIfBehind();
  }

  setToken(token: string | undefined): void {
    this.token = token;
    this.reopen();
  }

  /** Starts over with a new history (`15m`; undefined: the newest INITIAL_BACKLOG entries), no resume. */
  startOver(since: string | undefined): void {
    this.since = since;
    this.lastId = undefined;
    this.lastSeq = undefined;
    this.resumable = false;
    this.unresumedEntries = false;
    this.reopen();
  }

  private reopen(): void {
    this.closeConnection();
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    if (!this.stopped) this.open();
  }

  private reopenIfBehind(): void {
    if (this.connection?.open && this.resumable && !sameFilter(this.opened, this.wanted)) {
      this.closeConnection();
      // a switch of filters, not a loss: the page stays "live" meanwhile
      this.open(true);
    }
  }

  private open(quiet = false): void {
    this.cancelRetry = undefined;
    const request: StreamRequest = {
      filter: this.wanted,
      token: this.token,
      lastEventId: this.lastId,
      backlog: this.lastId === undefined ? INITIAL_BACKLOG : undefined,
      since: this.since,
    };
    const connection: Connection = { abort: new AbortController(), open: false };
    this.connection = connection;
    this.opened = this.wanted;
    if (!quiet) this.handlers.state({ kind: "connecting" });
    void this.follow(connection, streamUrl(request), streamHeaders(request));
  }

  private async follow(connection: Connection, url: string, headers: Record<string, string>): Promise<void> {
    let response: StreamResponse;
    try {
      response = await this.deps.fetchStream(url, headers, connection.abort.signal);
    } catch {
      if (this.current(connection)) this.lost(`cannot reach logwisp (no answer)`, 0);
      return;
    }
    if (!this.current(connection)) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    if (response.status !== 200 || response.body === null) {
      this.connection = undefined;
      await this.refused(response);
      return;
    }
    this.opened200(connection);
    const reader = response.body.getReader();
    const sse = new SseReader((message) => {
      if (this.current(connection)) this.dispatch(message);
    });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !this.current(connection)) break;
        sse.push(value);
        if (this.current(connection)) this.handlers.chunkRead?.();
      }
    } catch {
      // the network failed, or the page aborted the request
    }
    if (!this.current(connection)) {
      void reader.cancel().catch(() => undefined);
      return;
    }
    this.lost("the connection was lost", RETRY_MIN_MS);
  }

  private current(connection: Connection): boolean {
    return connection === this.connection && !this.stopped;
  }

  private lost(reason: string, minimumMs: number): void {
    this.closeConnection();
    this.retry(reason, minimumMs);
  }

  private opened200(connection: Connection): void {
    connection.open = true;
    this.attempt = 0;
    this.resumable = false;
    if (this.unresumedEntries) {
      this.handlers.marker(
        "reconnected: lines written while disconnected are not shown (this server does not resume streams)",
        "warn",
      );
    }
    this.unresumedEntries = false;
    this.handlers.state({ kind: "live" });
  }

  private dispatch(message: SseMessage): void {
    const { data } = message;
    const name = message.event as SseEventName | "message";
    if (name === "message") this.message(data, message.lastEventId);
    else if (name === "connected") {
      const { client_id: clientId } = eventPayload("connected", data);
      if (typeof clientId === "string") this.handlers.connected(clientId);
    } else if (name === "gap") this.handlers.marker(gapText(data), "warn");
    else if (name === "rotation") {
      const { path, kind } = eventPayload("rotation", data);
      if (typeof path === "string" && typeof kind === "string")
        this.handlers.marker(`${path} ${kind}`, "info");
    } else if (name === "disconnect") this.lost("logwisp is shutting down", RETRY_MIN_MS);
  }

  private message(data: string, lastEventId: string): void {
    const entry = parseEntry(data);
    if (entry === undefined) return;
    const id = lastEventId === "" ? undefined : lastEventId;
    if (id === undefined) {
      this.unresumedEntries = true;
    } else {
      const parsed = parseEventId(id);
      // a resume that overlapped what arrived before: never show an entry twice
      if (parsed && this.lastSeq && parsed.run === this.lastSeq.run && parsed.seq <= this.lastSeq.seq) return;
      this.lastSeq = parsed;
      this.lastId = id;
      this.resumable = true;
    }
    this.handlers.entry(entryRow(entry, id));
    if (id !== undefined) this.reopenIfBehind();
  }

  /** A stream answered with an error: what the status says decides whether, and when, to try again. */
  private async refused(response: StreamResponse): Promise<void> {
    const detail = errorDetail(await response.text().catch(() => ""));
    if (this.stopped || this.connection !== undefined || this.cancelRetry !== undefined) return;
    if (response.status === 401) {
      this.handlers.state({ kind: "unauthorized" });
      return;
    }
    if (response.status === 400) {
      this.handlers.state({ kind: "error", reason: detail });
      return;
    }
    if (response.status === 200) return this.retry("the stream closed", RETRY_MIN_MS);
    const retryAfter = Number(response.headers.get("retry-after"));
    const waitMs = retryAfter > 0 ? retryAfter * 1000 : 0;
    this.retry(`logwisp answered ${response.status}: ${detail}`, waitMs);
  }

  private retry(reason: string, minimumMs: number): void {
    if (this.stopped) return;
    this.attempt++;
    const retryInMs = Math.max(minimumMs, retryDelayMs(this.attempt));
    this.handlers.state({ kind: "reconnecting", reason, retryInMs });
    this.cancelRetry = this.deps.schedule(() => this.open(), retryInMs);
  }

  private closeConnection(): void {
    this.connection?.abort.abort();
    this.connection = undefined;
  }
}
