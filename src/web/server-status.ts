// GET /status, polled: what the footer shows about the server and about this page's own stream (its
// drops: entries the server could not queue for it because it read too slowly).

export const STATUS_POLL_MS = 3000;

export interface StatusSummary {
  readonly version: string;
  readonly runtime: string;
  readonly files: number;
  readonly clients: number;
  /** Dropped for this page's current connection; undefined until /status lists it. */
  readonly clientDropped: number | undefined;
  /** Dropped for all clients since the server started. */
  readonly totalDropped: number;
  /** The `source` of every file followed, once each. */
  readonly sources: readonly string[];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The fields the page uses from a /status document (shape: the README's "GET /status"). */
export function summarizeStatus(document: unknown, clientId: string | undefined): StatusSummary {
  const status = record(document);
  const runtime = record(status.runtime);
  const clients = Array.isArray(status.clients) ? status.clients.map(record) : [];
  const own = clientId === undefined ? undefined : clients.find((client) => client.id === clientId);
  const files = record(status.monitor).files;
  return {
    version: typeof status.version === "string" ? status.version : "",
    runtime: [runtime.name, runtime.version].filter((part) => typeof part === "string").join(" "),
    files: Array.isArray(files) ? files.length : 0,
    clients: clients.length,
    clientDropped: own === undefined ? undefined : count(own.dropped),
    totalDropped: count(record(status.totals).dropped),
    sources: Array.isArray(files)
      ? [...new Set(files.map((file) => record(file).source).filter((name) => typeof name === "string"))]
      : [],
  };
}

/** This page's drops over all its connections: each reconnect is a new client with its own counter. */
export class DropTally {
  private earlier = 0;
  private current: { id: string; dropped: number } | undefined;

  update(clientId: string, dropped: number): void {
    if (this.current !== undefined && this.current.id !== clientId) this.earlier += this.current.dropped;
    this.current = { id: clientId, dropped };
  }

  get total(): number {
    return this.earlier + (this.current?.dropped ?? 0);
  }
}

export type StatusResult =
  | { readonly kind: "ok"; readonly document: unknown }
  | { readonly kind: "unauthorized" }
  | { readonly kind: "failed"; readonly reason: string };

export interface StatusPollerDeps {
  fetchStatus(): Promise<StatusResult>;
  schedule(run: () => void, ms: number): () => void;
}

/** Polls while started; one request at a time, the next one STATUS_POLL_MS after the last answer. */
export class StatusPoller {
  private cancel: (() => void) | undefined;
  private running = false;

  constructor(
    private readonly deps: StatusPollerDeps,
    private readonly onResult: (result: StatusResult) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
  }

  /** Polls now (e.g. right after a connect) instead of at the next tick. */
  now(): void {
    if (!this.running) return;
    this.cancel?.();
    void this.poll();
  }

  private async poll(): Promise<void> {
    const result = await this.deps.fetchStatus();
    if (!this.running) return;
    this.onResult(result);
    // a poll started by now() meanwhile scheduled one too: keep a single next poll
    this.cancel?.();
    this.cancel = this.deps.schedule(() => void this.poll(), STATUS_POLL_MS);
  }
}
