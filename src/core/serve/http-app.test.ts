import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "../fanout/hub.ts";
import type { BodyChunk, PulledBody } from "../runtime.ts";
import { TokenCheck } from "./auth.ts";
import { createHttpApp } from "./http-app.ts";
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

function makeApp(token?: string, hub = new Hub()) {
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
    assert.equal(response.headers.get("access-control-allow-origin"), null, what);
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

test("with auth a CORS preflight of a listed origin still answers without credentials", async () => {
  const sse = makeSse(new Hub());
  const app = createHttpApp({
    sse,
    status: () => ({}),
    auth: new TokenCheck("s3cret"),
    corsOrigins: ["https://example.com"],
  });
  const fetch = (path: string, init: RequestInit) =>
    Promise.resolve(app(new Request(`http://logwisp${path}`, init), { remoteAddress: "127.0.0.1" }));
  const response = await fetch("/stream", {
    method: "OPTIONS",
    headers: {
      origin: "https://example.com",
      "access-control-request-method": "GET",
      "access-control-request-headers": "authorization",
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("access-control-allow-origin"), "https://example.com");
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

/** Reads an SSE body until `done` says the text so far is enough; then hangs up. */
async function readUntil(response: Response, done: (text: string) => boolean): Promise<string> {
  const reader = response.body?.getReader();
  assert.ok(reader);
  let text = "";
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  return text;
}

test("an invalid filter on /stream is a 400 JSON with the detail, and opens no stream", async () => {
  const { fetch, hub } = makeApp();
  const response = await fetch("/stream?level=loud");
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), {
    error: "invalid filter",
    detail: 'level: got "loud", expected one of trace, debug, info, warn, error, fatal (the minimum level)',
  });
  assert.equal(hub.counters.sse.connections, 0);
});

test("with auth, a bad token is a 401 before any filter is looked at; token is a known parameter", async () => {
  const { fetch } = makeApp("s3cret");
  assert.equal((await fetch("/stream?level=loud")).status, 401);
  const response = await fetch("/stream?token=s3cret&level=error");
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

test("/stream filters, backlog and Last-Event-ID: the entries that pass, with their ids, after connected", async () => {
  const hub = new Hub({ replaySize: 10, runId: "r" });
  const { fetch } = makeApp(undefined, hub);
  const line = (message: string, level: string) => JSON.stringify({ source: "a.log", level, message });
  hub.publishBatch([line("one", "error"), line("two", "info"), line("three", "error")]);
  const backlog = await readUntil(await fetch("/stream?backlog=5&level=error"), (text) =>
    text.includes("three"),
  );
  assert.equal(
    backlog,
    'event: connected\ndata: {"client_id":"sse-1"}\n\n' +
      `id: r-1\ndata: ${line("one", "error")}\n\nid: r-3\ndata: ${line("three", "error")}\n\n`,
  );
  const resumed = await readUntil(
    await fetch("/stream?backlog=5", { headers: { "last-event-id": "r-2" } }),
    (text) => text.includes("three"),
  );
  assert.match(resumed, /^event: connected\n.*\n\nid: r-3\n/, "the resume wins over the backlog");
  const restarted = await readUntil(await fetch("/stream?last_event_id=old-7"), (text) =>
    text.includes("three"),
  );
  assert.match(restarted, /\n\nevent: gap\ndata: \{"missed":null,"reason":"restart"\}\n\nid: r-1\n/);
});

test("a piped /stream (FetchInfo.pipeBody): headers only in the answer, connected then batches, delivered once written", async () => {
  const hub = new Hub({ replaySize: 10, runId: "r" });
  const sse = makeSse(hub);
  const app = createHttpApp({ sse, status: () => ({}), corsOrigins: ["https://example.com"] });
  let piped: PulledBody<BodyChunk> | undefined;
  let hangUps = 0;
  const response = await app(
    new Request("http://logwisp/stream", { headers: { origin: "https://example.com" } }),
    {
      remoteAddress: "127.0.0.1",
      pipeBody: (body) => {
        piped = body;
        return () => hangUps++;
      },
    },
  );
  assert.equal(response.status, 200);
  assert.equal(response.body, null, "the adapter writes the body itself");
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(response.headers.get("access-control-allow-origin"), "https://example.com");
  assert.ok(piped);
  const body = piped;
  const connected = await body.next();
  assert.equal(
    new TextDecoder().decode(connected?.bytes),
    'event: connected\ndata: {"client_id":"sse-1"}\n\n',
  );
  if (connected) body.written(connected);
  hub.publish(JSON.stringify({ message: "one" }));
  const batch = await body.next();
  assert.match(new TextDecoder().decode(batch?.bytes), /^id: r-1\ndata: .*"one"/);
  assert.equal(hub.counters.sse.delivered, 0, "not delivered before it was written");
  if (batch) body.written(batch);
  assert.equal(hub.counters.sse.delivered, 1);
  assert.equal(sse.sessions, 1);
  // a shutdown whose grace runs out hangs up through the adapter, and the client leaves
  await sse.shutdown(undefined, 0);
  assert.equal(hangUps, 1);
  assert.equal(hub.activeClients("sse"), 0);
  assert.equal(sse.limits.active, 0);
  body.closed();
  assert.equal(sse.limits.active, 0, "closed() more than once frees the slot once");
});

test("a piped stream the adapter closes (the client left) leaves the hub and frees its slot", async () => {
  const hub = new Hub();
  const sse = makeSse(hub, { maxClients: 1 });
  const app = createHttpApp({ sse, status: () => ({}) });
  let piped: PulledBody<BodyChunk> | undefined;
  const response = await app(new Request("http://logwisp/stream"), {
    remoteAddress: "127.0.0.1",
    pipeBody: (body) => {
      piped = body;
      return () => undefined;
    },
  });
  assert.equal(response.status, 200);
  assert.equal(hub.activeClients("sse"), 1);
  piped?.closed();
  assert.equal(hub.activeClients("sse"), 0);
  assert.equal(sse.limits.active, 0);
  // the session settled: shutdown no longer waits for it (after the promise callbacks already queued)
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sse.sessions, 0);
});

test("HEAD /stream answers a GET's status and headers and opens no stream", async () => {
  const { fetch, hub } = makeApp();
  const response = await fetch("/stream", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(hub.activeClients("sse"), 0);
  assert.equal(hub.counters.sse.connections, 0);
});
