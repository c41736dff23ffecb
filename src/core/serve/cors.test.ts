import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "../fanout/hub.ts";
import { TokenCheck } from "./auth.ts";
import { createHttpApp, type HttpAppOptions } from "./http-app.ts";
import { StreamServer } from "./stream-server.ts";

function makeApp(options: Partial<HttpAppOptions> = {}) {
  const hub = new Hub();
  const sse = new StreamServer(hub, {
    transport: "sse",
    bufferSize: 10,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: Date.now(),
  });
  const app = createHttpApp({ sse, status: () => ({ ok: true }), ...options });
  return async (path: string, headers: Record<string, string>, method = "GET") => {
    const controller = new AbortController();
    const request = new Request(`http://127.0.0.1:8080${path}`, {
      method,
      headers,
      signal: controller.signal,
    });
    const response = await app(request, { remoteAddress: "127.0.0.1" });
    // a stream's headers are all a test needs: hang up, so no subscriber outlives it
    await response.body?.cancel();
    controller.abort();
    assert.equal(hub.activeClients(), 0);
    return response;
  };
}

const DASH = "http://127.0.0.2:8000";
const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-")).sort();

test("by default no response carries Access-Control-Allow-Origin, whatever the Origin", async () => {
  const fetch = makeApp();
  for (const path of ["/status", "/stream", "/nowhere"]) {
    const response = await fetch(path, { origin: "http://evil.example" });
    assert.deepEqual(corsHeaders(response), [], path);
    assert.equal(response.headers.get("vary"), null, path);
  }
  const preflight = await fetch(
    "/stream",
    { origin: "http://evil.example", "access-control-request-method": "GET" },
    "OPTIONS",
  );
  assert.equal(preflight.status, 204);
  assert.deepEqual(corsHeaders(preflight), [], "a preflight the browser must refuse");
});

test("a listed origin gets exactly its own name back, with Vary: Origin, on every answer", async () => {
  const fetch = makeApp({ corsOrigins: ["https://dash.example.com", DASH] });
  for (const path of ["/status", "/stream", "/stream?level=loud", "/nowhere"]) {
    const response = await fetch(path, { origin: DASH });
    assert.equal(response.headers.get("access-control-allow-origin"), DASH, path);
    assert.equal(response.headers.get("vary"), "Origin", path);
  }
  // with auth, the 401 too: the page can read why it was refused
  const guarded = makeApp({ corsOrigins: [DASH], auth: new TokenCheck("s3cret") });
  const refused = await guarded("/status", { origin: DASH });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("access-control-allow-origin"), DASH);
  const served = await guarded("/status", { origin: DASH, authorization: "Bearer s3cret" });
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("access-control-allow-origin"), DASH);
});

test("an origin not on the list gets no CORS header, but Vary: Origin for caches", async () => {
  const fetch = makeApp({ corsOrigins: [DASH] });
  // compared as the browser sends it: another scheme, port or spelling is another origin
  for (const origin of ["http://evil.example", "http://127.0.0.2:8001", "https://127.0.0.2:8000", "null"]) {
    const response = await fetch("/status", { origin });
    assert.deepEqual(corsHeaders(response), [], origin);
    assert.equal(response.headers.get("vary"), "Origin", origin);
  }
  const sameOrigin = await fetch("/status", {});
  assert.deepEqual(corsHeaders(sameOrigin), [], "a request without Origin (same origin, curl)");
});

test("a preflight from a listed origin allows GET, HEAD and the page's two headers; others get none", async () => {
  const fetch = makeApp({ corsOrigins: [DASH] });
  const ask = { "access-control-request-method": "GET", "access-control-request-headers": "authorization" };
  const allowed = await fetch("/stream", { origin: DASH, ...ask }, "OPTIONS");
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get("access-control-allow-origin"), DASH);
  assert.equal(allowed.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  assert.equal(allowed.headers.get("access-control-allow-headers"), "Authorization, Last-Event-ID");
  assert.equal(allowed.headers.get("vary"), "Origin");
  const other = await fetch("/stream", { origin: "http://evil.example", ...ask }, "OPTIONS");
  assert.equal(other.status, 204);
  assert.deepEqual(corsHeaders(other), []);
});
