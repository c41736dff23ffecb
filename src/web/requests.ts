// The page's own requests besides the stream: why a stream could not be opened (EventSource cannot tell)
// and GET /status with the token. Both relative to the page, so logwisp may sit under any path.

import type { Probe } from "./live-stream.ts";
import type { StatusResult } from "./server-status.ts";

export async function probeStream(url: string): Promise<Probe> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { signal: controller.signal, cache: "no-store" });
    if (response.ok) {
      controller.abort();
      return { kind: "http", status: response.status, detail: "" };
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    return {
      kind: "http",
      status: response.status,
      detail: describeBody(await response.text()),
      ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  } catch {
    return { kind: "unreachable", reason: "no answer" };
  }
}

/** logwisp's error bodies are `{"error": …, "detail": …}`; anything else is shown cut short. */
function describeBody(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown };
    const parts = [body.error, body.detail].filter((part): part is string => typeof part === "string");
    if (parts.length > 0) return parts.join(": ");
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
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
