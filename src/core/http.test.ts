import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenCheck } from "./auth.ts";
import { createHttpApp } from "./http.ts";
import { Hub } from "./hub.ts";
import { StreamServer } from "./stream-server.ts";

function makeSse(hub: Hub, limits: { maxClients?: number } = {}) {
  return new StreamServer(hub, {
    transport: "sse",
    bufferSize: 100,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: Date.now(),
    ...limits,
  });
}

function makeApp(token?: string) {
  const hub = new Hub();
  const sse = makeSse(hub);
  const app = createHttpApp({
    sse,
    status: () => ({ ok: true }),
    auth: token === undefined ? undefined : new TokenCheck(token),
  });
  const fetch = (path: string, init: RequestInit = {}) =>
    Promise.resolve(app(new Request(`http://logwisp${path}`, init), { remoteAddress: "127.0.0.1" }));
  return { hub, fetch };
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

test("without auth every endpoint answers", async () => {
  const { fetch } = makeApp();
  assert.equal((await fetch("/status")).status, 200);
});

test("with auth a request without the right token gets 401 JSON with WWW-Authenticate", async () => {
  const { fetch, hub } = makeApp("s3cret");
  const requests: [string, RequestInit][] = [
    ["/status", {}],
    ["/stream", {}],
    ["/status", bearer("wrong")],
    ["/stream", bearer("wrong")],
    ["/status?token=s3cret", {}],
    ["/stream?token=wrong", {}],
    ["/stream", { headers: { authorization: "Basic s3cret" } }],
    ["/nowhere", {}],
  ];
  for (const [path, init] of requests) {
    const response = await fetch(path, init);
    const what = `${path} ${JSON.stringify(init)}`;
    assert.equal(response.status, 401, what);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/, what);
    assert.equal(response.headers.get("access-control-allow-origin"), "*", what);
    const body = (await response.json()) as { error: string };
    assert.equal(body.error, "unauthorized");
  }
  assert.equal(hub.activeClients(), 0, "no stream was opened");
});

test("with auth the Bearer header opens every endpoint and ?token= opens /stream", async () => {
  const { fetch, hub } = makeApp("s3cret");
  assert.equal((await fetch("/status", bearer("s3cret"))).status, 200);
  assert.equal((await fetch("/nowhere", bearer("s3cret"))).status, 404);
  for (const [path, init] of [
    ["/stream", bearer("s3cret")],
    ["/stream?token=s3cret", {}],
  ] as const) {
    const controller = new AbortController();
    const response = await fetch(path, { ...init, signal: controller.signal });
    assert.equal(response.status, 200, path);
    assert.equal(hub.activeClients("sse"), 1, path);
    await response.body?.cancel();
    controller.abort();
    assert.equal(hub.activeClients("sse"), 0, path);
  }
});

test("with auth a CORS preflight still answers without credentials", async () => {
  const { fetch } = makeApp("s3cret");
  const response = await fetch("/stream", {
    method: "OPTIONS",
    headers: {
      origin: "https://example.com",
      "access-control-request-method": "GET",
      "access-control-request-headers": "authorization",
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.match(response.headers.get("access-control-allow-headers") ?? "", /authorization/i);
});

test("a stream over max_clients gets 503 JSON with Retry-After; the slot frees when a stream ends", async () => {
  const hub = new Hub();
  const sse = makeSse(hub, { maxClients: 1 });
  const app = createHttpApp({ sse, status: () => ({}) });
  const open = (controller = new AbortController()) =>
    Promise.resolve(
      app(new Request("http://logwisp/stream", { signal: controller.signal }), {
        remoteAddress: "127.0.0.1",
      }),
    );
  const controller = new AbortController();
  const first = await open(controller);
  assert.equal(first.status, 200);
  const refused = await open();
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "5");
  assert.deepEqual(await refused.json(), { error: "too many clients", max_clients: 1 });
  assert.equal(sse.limits.rejected, 1);
  const status = await app(new Request("http://logwisp/status"), { remoteAddress: "127.0.0.1" });
  assert.equal(status.status, 200, "/status is not a stream and is never refused");
  await first.body?.cancel();
  controller.abort();
  assert.equal(sse.limits.active, 0);
  const again = await open();
  assert.equal(again.status, 200);
  await again.body?.cancel();
});
