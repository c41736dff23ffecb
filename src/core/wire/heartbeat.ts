// Heartbeat payloads, in the seed's exact formats:
//   comment  `: heartbeat 2024-01-01T12:00:00Z clients=5 uptime=3600s`
//   json     `{"type":"heartbeat","timestamp":"2024-01-01T12:00:00Z","active_clients":5,"uptime_seconds":3600}`
// The timestamp appears only with include_timestamp, the two stats only with include_stats.

import { formatTimeSeconds } from "../util/time.ts";
import type { HeartbeatStats } from "./contract.ts";
import { encodeJsonLine, encodeSseComment, encodeSseData } from "./framing.ts";

/** Keys as the seed spells them in `[httpserver.heartbeat]` / `[tcpserver.heartbeat]`. */
export interface HeartbeatOptions {
  include_timestamp: boolean;
  include_stats: boolean;
  format: "comment" | "json";
}

/** The heartbeat in `opts.format`: the comment's text (without `: `) or the JSON document. */
export function heartbeatText(opts: HeartbeatOptions, stats: HeartbeatStats, nowMs: number): string {
  return opts.format === "json" ? heartbeatJson(opts, stats, nowMs) : heartbeatComment(opts, stats, nowMs);
}

/** `heartbeat 2024-01-01T12:00:00Z clients=5 uptime=3600s`, parts as the options say. */
export function heartbeatComment(opts: HeartbeatOptions, stats: HeartbeatStats, nowMs: number): string {
  let text = "heartbeat";
  if (opts.include_timestamp) text += ` ${formatTimeSeconds(nowMs)}`;
  if (opts.include_stats)
    text += ` clients=${stats.activeClients} uptime=${wholeSeconds(stats.uptimeSeconds)}s`;
  return text;
}

/** `{"type":"heartbeat",...}`, whatever `opts.format` says (TCP heartbeats are always JSON). */
export function heartbeatJson(opts: HeartbeatOptions, stats: HeartbeatStats, nowMs: number): string {
  let json = `{"type":"heartbeat"`;
  if (opts.include_timestamp) json += `,"timestamp":"${formatTimeSeconds(nowMs)}"`;
  if (opts.include_stats) {
    json += `,"active_clients":${stats.activeClients},"uptime_seconds":${wholeSeconds(stats.uptimeSeconds)}`;
  }
  return `${json}}`;
}

/** SSE: `: heartbeat …\n\n` or `data: {json}\n\n`. */
export function encodeSseHeartbeat(opts: HeartbeatOptions, stats: HeartbeatStats, nowMs: number): Uint8Array {
  return opts.format === "json"
    ? encodeSseData(heartbeatJson(opts, stats, nowMs))
    : encodeSseComment(heartbeatComment(opts, stats, nowMs));
}

/** TCP: always the JSON form, one line. */
export function encodeTcpHeartbeat(opts: HeartbeatOptions, stats: HeartbeatStats, nowMs: number): Uint8Array {
  return encodeJsonLine(heartbeatJson(opts, stats, nowMs));
}

function wholeSeconds(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
}
