// The page's requests: the stream (read by live-stream.ts) and GET /status with the token. Both relative
// to the page, so logwisp may sit under any path.

import type { StreamResponse } from "./live-stream.ts";
import type { StatusResult } from "./server-status.ts";

export function fetchStream(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<StreamResponse> {
  return fetch(url, { headers, signal, cache: "no-store" });
}

export async function fetchStatus(token: string | undefined): Promise<StatusResult> {
  try {
    const response = await fetch("status", {
      cache: "no-store",
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    if (response.status === 401) return { kind: "unauthorized" };
    if (!response.ok) return { kind: "failed", reason: `HTTP ${response.status}` };
    return { kind: "ok", document: await response.json() };
  } catch {
    return { kind: "failed", reason: "no answer" };
  }
}
