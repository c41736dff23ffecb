// Follows /stream with EventSource: entries with their ids, the server's named events, and reconnects
// of its own (a new EventSource with `last_event_id`, so a resuming server loses and repeats nothing).
// The browser's own retry is not used: it would keep the URL of the first request, filters and all.

import type { SseEventName, SseEvents } from "../core/wire/contract.ts";
import { type FilterSpec, filterParams, sameFilter } from "./filter.ts";
import { type EntryRow, entryRow, parseEntry } from "./log-entry.ts";

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

/** The part of EventSource this module uses (a fake one in the tests). */
export interface EventSourceLike {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent<string>) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** Why a stream could not be opened, found by asking the same URL with fetch (EventSource cannot tell). */
export type Probe =
  | { readonly kind: "unreachable"; readonly reason: string }
  | {
      readonly kind: "http";
      readonly status: number;
      readonly detail: string;
      readonly retryAfterSeconds?: number;
    };

export interface StreamDeps {
  openEventSource(url: string): EventSourceLike;
  probe(url: string): Promise<Probe>;
  /** Runs `run` after `ms`; returns a cancel function. */
  schedule(run: () => void, ms: number): () => void;
}

export interface StreamHandlers {
  entry(row: EntryRow): void;
  marker(text: string, tone: "info" | "warn"): void;
  connected(clientId: string): void;
  state(state: ConnectionState): void;
}

export interface StreamRequest {
  readonly filter: FilterSpec;
  readonly token?: string | undefined;
  readonly lastEventId?: string | undefined;
  readonly backlog?: number | undefined;
}

/** `stream?…`, relative to the page, so a reverse proxy may serve logwisp under any path. */
export function streamUrl(request: StreamRequest): string {
  const params = new URLSearchParams(filterParams(request.filter));
  if (request.lastEventId !== undefined) params.set("last_event_id", request.lastEventId);
  else if (request.backlog !== undefined) params.set("backlog", String(request.backlog));
  if (request.token !== undefined) params.set("token", request.token);
  const query = params.toString();
  return query === "" ? "stream" : `stream?${query}`;
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

export class LiveStream {
  private source: EventSourceLike | undefined;
  private sourceOpen = false;
  /** The filter the current EventSource asked for. */
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
  ) {
    this.opened = wanted;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.closeSource();
    this.cancelRetry?.();
  }

  /** The filter is applied by the page at once; the stream follows when it can resume without a gap. */
  setFilter(filter: FilterSpec): void {
    this.wanted = filter;
    if (this.stopped) return;
    if (this.source === undefined && this.cancelRetry === undefined) this.open();
    else this.reopenIfBehind();
  }

  setToken(token: string | undefined): void {
    this.token = token;
    this.closeSource();
    this.cancelRetry?.();
    if (!this.stopped) this.open();
  }

  private reopenIfBehind(): void {
    if (this.sourceOpen && this.resumable && !sameFilter(this.opened, this.wanted)) {
      this.closeSource();
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
    };
    const url = streamUrl(request);
    const source = this.deps.openEventSource(url);
    this.source = source;
    this.sourceOpen = false;
    this.opened = this.wanted;
    if (!quiet) this.handlers.state({ kind: "connecting" });
    source.onopen = () => {
      if (source !== this.source) return;
      this.sourceOpen = true;
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
    };
    source.onmessage = (event) => {
      if (source === this.source) this.message(event);
    };
    source.addEventListener("connected" satisfies SseEventName, (event) => {
      if (source !== this.source) return;
      const { client_id: clientId } = eventPayload("connected", event.data);
      if (typeof clientId === "string") this.handlers.connected(clientId);
    });
    source.addEventListener("gap" satisfies SseEventName, (event) => {
      if (source === this.source) this.handlers.marker(gapText(event.data), "warn");
    });
    source.addEventListener("rotation" satisfies SseEventName, (event) => {
      if (source !== this.source) return;
      const { path, kind } = eventPayload("rotation", event.data);
      if (typeof path === "string" && typeof kind === "string")
        this.handlers.marker(`${path} ${kind}`, "info");
    });
    source.addEventListener("disconnect" satisfies SseEventName, () => {
      if (source !== this.source) return;
      this.closeSource();
      this.retry("logwisp is shutting down", RETRY_MIN_MS);
    });
    source.onerror = () => {
      if (source !== this.source) return;
      const wasOpen = this.sourceOpen;
      this.closeSource();
      if (wasOpen) this.retry("the connection was lost", RETRY_MIN_MS);
      else void this.diagnose(url);
    };
  }

  private message(event: MessageEvent<string>): void {
    const entry = parseEntry(event.data);
    if (entry === undefined) return;
    const id = event.lastEventId === "" ? undefined : event.lastEventId;
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

  private async diagnose(url: string): Promise<void> {
    const probe = await this.deps.probe(url);
    if (this.stopped || this.source !== undefined || this.cancelRetry !== undefined) return;
    if (probe.kind === "unreachable") return this.retry(`cannot reach logwisp (${probe.reason})`, 0);
    if (probe.status === 401) {
      this.handlers.state({ kind: "unauthorized" });
      return;
    }
    if (probe.status === 400) {
      this.handlers.state({ kind: "error", reason: probe.detail });
      return;
    }
    if (probe.status === 200) return this.retry("the stream closed", RETRY_MIN_MS);
    const waitMs = (probe.retryAfterSeconds ?? 0) * 1000;
    this.retry(`logwisp answered ${probe.status}: ${probe.detail}`, waitMs);
  }

  private retry(reason: string, minimumMs: number): void {
    if (this.stopped) return;
    this.attempt++;
    const retryInMs = Math.max(minimumMs, retryDelayMs(this.attempt));
    this.handlers.state({ kind: "reconnecting", reason, retryInMs });
    this.cancelRetry = this.deps.schedule(() => this.open(), retryInMs);
  }

  private closeSource(): void {
    this.source?.close();
    this.source = undefined;
    this.sourceOpen = false;
  }
}
