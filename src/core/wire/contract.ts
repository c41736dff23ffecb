// The contract with every client, in one typed module that the server and the live view (src/web) both
// import, so the two cannot disagree: the levels and their order, the longest /regex/ a filter may send,
// the named SSE events with their payloads, and the heartbeat's statistics. Types and constants only: the
// page's bundle takes this file as it is.

/** Levels from least to most severe; a level filter lets through its own level and those after it. */
export const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type Level = (typeof LEVELS)[number];

/** The longest `/regex/` pattern a filter (`q=/…/`) may carry: it is cheap to send and runs on every entry. */
export const MAX_REGEX_PATTERN_CHARS = 256;

/**
 * Why a client was told it will not get some entries: the server's ring let them go, the server restarted,
 * or (served from NATS) the stream's retention removed them — then `missed` counts stream messages, each a
 * batch of entries.
 */
export type GapReason = "evicted" | "restart" | "retention";

/** What a followed file went through, as `event: rotation` says it. */
export type RotationKind = "rotated" | "deleted" | "truncated";

/** The named SSE events (`event: <name>`) and their `data:` payloads; entries themselves are unnamed. */
export interface SseEvents {
  /** First on every stream. */
  readonly connected: { readonly client_id: string };
  /** Entries this client will not get, before filtering (`missed` null: unknown, after a restart). */
  readonly gap: { readonly missed: number | null; readonly reason: GapReason };
  /** A followed file was rotated, deleted or truncated; never a `data:` entry and never on TCP. */
  readonly rotation: { readonly path: string; readonly kind: RotationKind };
  /** Last on every stream the server ends. */
  readonly disconnect: { readonly reason: "server_shutdown" };
}

export type SseEventName = keyof SseEvents;

export const SSE_EVENT_NAMES: readonly SseEventName[] = ["connected", "gap", "rotation", "disconnect"];

/** What a heartbeat with `include_stats` reports. */
export interface HeartbeatStats {
  readonly activeClients: number;
  readonly uptimeSeconds: number;
}
