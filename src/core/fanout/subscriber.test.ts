// A client starting from the replay ring (backlog, resume) and then going on live: in order, nothing missed,
// nothing twice, however publishing and subscribing interleave.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub, type StreamStart } from "./hub.ts";
import { compileFilter } from "./stream-filter.ts";
import type { Subscriber } from "./subscriber.ts";

const decoder = new TextDecoder();

const entry = (n: number, level = "info") => JSON.stringify({ source: "a.log", level, message: `m${n}`, n });

/** Everything the subscriber has, as SSE frames: ids, named events, entries' n. */
async function drainSse(subscriber: Subscriber): Promise<string[]> {
  const frames: string[] = [];
  while (subscriber.queued > 0 || subscriber.isCatchingUp) {
    const batch = await subscriber.next();
    if (!batch) break;
    for (const frame of decoder.decode(batch.bytes).split("\n\n")) if (frame !== "") frames.push(frame);
  }
  return frames;
}

/** The `n` of every entry the TCP subscriber has (JSON lines). */
async function drainTcp(subscriber: Subscriber): Promise<number[]> {
  const ns: number[] = [];
  while (subscriber.queued > 0 || subscriber.isCatchingUp) {
    const batch = await subscriber.next();
    if (!batch) break;
    for (const line of decoder.decode(batch.bytes).split("\n")) if (line !== "") ns.push(JSON.parse(line).n);
  }
  return ns;
}

function makeHub(replaySize = 100) {
  const hub = new Hub({ replaySize, runId: "r" });
  let n = 0;
  const publish = (count: number, level?: string) => {
    const batch: string[] = [];
    for (let i = 0; i < count; i++) batch.push(entry(++n, level));
    hub.publishBatch(batch);
  };
  const subscribe = (
    start: StreamStart,
    options: { transport?: "sse" | "tcp"; bufferSize?: number; level?: string } = {},
  ) =>
    hub.subscribe({
      transport: options.transport ?? "tcp",
      remoteAddress: "x",
      bufferSize: options.bufferSize ?? 1000,
      filter: options.level ? compileFilter({ level: options.level }, (part) => part) : undefined,
      start,
    });
  return { hub, publish, subscribe };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("backlog: the last N entries, then live ones", async () => {
  const { publish, subscribe } = makeHub();
  publish(10);
  const client = subscribe({ backlog: 3 });
  publish(2);
  assert.deepEqual(await drainTcp(client), [8, 9, 10, 11, 12]);
});

test("backlog with a filter: the last N that pass it", async () => {
  const { publish, subscribe } = makeHub();
  publish(5, "info");
  publish(3, "error");
  publish(5, "info");
  const client = subscribe({ backlog: 2 }, { level: "error" });
  publish(1, "error");
  publish(1, "info");
  assert.deepEqual(await drainTcp(client), [7, 8, 14]);
});

test("backlog larger than the ring gives what the ring holds; 0 gives nothing", async () => {
  const { publish, subscribe } = makeHub(5);
  publish(8);
  assert.deepEqual(await drainTcp(subscribe({ backlog: 100 })), [4, 5, 6, 7, 8]);
  assert.deepEqual(await drainTcp(subscribe({ backlog: 0 })), []);
});

test("since: the held entries from that time on, then live; with a backlog, at most that many of them", async () => {
  const hub = new Hub({ replaySize: 100, runId: "r" });
  const at = (n: number) => `2026-12-06T21:00:${String(n).padStart(2, "0")}.000000Z`;
  const timed = (n: number) =>
    JSON.stringify({ time: at(n), source: "a.log", level: "info", message: `m${n}`, n });
  hub.publishBatch(range(1, 10).map(timed));
  const subscribe = (start: StreamStart) =>
    hub.subscribe({ transport: "tcp", remoteAddress: "x", bufferSize: 1000, start });
  const since = subscribe({ since: at(7) });
  const capped = subscribe({ since: at(3), backlog: 2 });
  const wider = subscribe({ since: at(9), backlog: 5 });
  const future = subscribe({ since: at(59) });
  // a TCP client's own start (`after`) and since: the earlier of the two
  const tcp = subscribe({ after: { run: "r", seq: 10 }, since: at(8) });
  hub.publishBatch([timed(11)]);
  assert.deepEqual(await drainTcp(since), [7, 8, 9, 10, 11]);
  assert.deepEqual(await drainTcp(capped), [9, 10, 11]);
  assert.deepEqual(await drainTcp(wider), [9, 10, 11]);
  assert.deepEqual(await drainTcp(future), [11]);
  assert.deepEqual(await drainTcp(tcp), [8, 9, 10, 11]);
});

test("replay off: a backlog answers nothing and the client is live at once", async () => {
  const { publish, subscribe } = makeHub(0);
  publish(5);
  const client = subscribe({ backlog: 5 });
  assert.equal(client.isCatchingUp, false);
  publish(1);
  assert.deepEqual(await drainTcp(client), [6]);
});

test("resume: exactly the entries after the id, with their ids, then live", async () => {
  const { publish, subscribe } = makeHub();
  publish(6);
  const client = subscribe({ after: { run: "r", seq: 4 } }, { transport: "sse" });
  publish(1);
  assert.deepEqual(await drainSse(client), [
    `id: r-5\ndata: ${entry(5)}`,
    `id: r-6\ndata: ${entry(6)}`,
    `id: r-7\ndata: ${entry(7)}`,
  ]);
});

test("resume from the newest id: nothing to replay, straight to live", async () => {
  const { publish, subscribe } = makeHub();
  publish(3);
  const client = subscribe({ after: { run: "r", seq: 3 } }, { transport: "sse" });
  assert.equal(client.isCatchingUp, false);
  publish(1);
  assert.deepEqual(await drainSse(client), [`id: r-4\ndata: ${entry(4)}`]);
});

test("resume past what the ring holds: a gap event with how many are gone, then all it holds", async () => {
  const { publish, subscribe } = makeHub(3);
  publish(10);
  const client = subscribe({ after: { run: "r", seq: 2 } }, { transport: "sse" });
  const frames = await drainSse(client);
  assert.deepEqual(frames, [
    'event: gap\ndata: {"missed":5,"reason":"evicted"}',
    `id: r-8\ndata: ${entry(8)}`,
    `id: r-9\ndata: ${entry(9)}`,
    `id: r-10\ndata: ${entry(10)}`,
  ]);
  assert.equal(client.dropped, 0, "missed while away is not dropped by this connection");
});

test("resume with an id of another run: a gap of unknown size (restart), then everything the ring holds", async () => {
  const { publish, subscribe } = makeHub();
  publish(2);
  const frames = await drainSse(subscribe({ after: { run: "old", seq: 50 } }, { transport: "sse" }));
  assert.deepEqual(frames, [
    'event: gap\ndata: {"missed":null,"reason":"restart"}',
    `id: r-1\ndata: ${entry(1)}`,
    `id: r-2\ndata: ${entry(2)}`,
  ]);
});

test("replay off: a resume says how many entries went by", async () => {
  const { publish, subscribe } = makeHub(0);
  publish(4);
  const frames = await drainSse(subscribe({ after: { run: "r", seq: 1 } }, { transport: "sse" }));
  assert.deepEqual(frames, ['event: gap\ndata: {"missed":3,"reason":"evicted"}']);
});

test("a TCP client connected since the resume point counts what the ring lost as dropped", async () => {
  const { hub, publish, subscribe } = makeHub(2);
  publish(5);
  const client = subscribe({ after: { run: "r", seq: 1 } });
  assert.deepEqual(await drainTcp(client), [4, 5]);
  assert.equal(client.dropped, 0, "not connected since: not dropped");
  const since = hub.subscribe({
    transport: "tcp",
    remoteAddress: "x",
    bufferSize: 10,
    start: { after: { run: "r", seq: 1 } },
    connectedSinceStart: true,
  });
  assert.equal(since.dropped, 2);
});

test("a backlog larger than buffer_size is delivered paced, a queue's worth per batch, all of it", async () => {
  const { publish, subscribe } = makeHub(100);
  publish(50);
  const client = subscribe({ backlog: 50 }, { bufferSize: 8 });
  const sizes: number[] = [];
  const ns: number[] = [];
  while (client.isCatchingUp || client.queued > 0) {
    const batch = await client.next();
    if (!batch) break;
    sizes.push(batch.entries);
    for (const line of decoder.decode(batch.bytes).split("\n")) if (line) ns.push(JSON.parse(line).n);
    // live entries keep coming while it catches up: they are read from the ring too
    if (client.isCatchingUp) publish(1);
  }
  assert.deepEqual(ns, range(1, ns.length));
  assert.ok(ns.length >= 50, `got ${ns.length}`);
  assert.ok(Math.max(...sizes) <= 8, `batches ${sizes}`);
  assert.equal(client.dropped, 0);
});

test("a catch-up batch that fills the queue just before the newest entry still delivers the newest", async () => {
  const { publish, subscribe } = makeHub();
  publish(9);
  const client = subscribe({ backlog: 9 }, { bufferSize: 8 });
  assert.equal((await client.next())?.entries, 8);
  assert.equal(client.isCatchingUp, true);
  assert.deepEqual(await drainTcp(client), [9]);
  publish(1);
  assert.deepEqual(await drainTcp(client), [10]);
});

test("a client catching up slower than the ring turns over: the lost part is dropped and SSE gets a gap", async () => {
  const { publish, subscribe } = makeHub(10);
  publish(10);
  const client = subscribe({ backlog: 10 }, { transport: "sse", bufferSize: 4 });
  const first = await client.next();
  assert.equal(first?.entries, 4);
  publish(20); // the ring now holds 21..30: 5..20 are gone before this client read them
  const frames = await drainSse(client);
  assert.equal(frames[0], 'event: gap\ndata: {"missed":16,"reason":"evicted"}');
  assert.equal(frames[1], `id: r-21\ndata: ${entry(21)}`);
  assert.equal(client.dropped, 16);
});

test("subscribing while entries are being published: backlog and resume get every entry once, in order", async () => {
  const { hub, publish, subscribe } = makeHub(400);
  publish(50);
  let stop = false;
  // a publisher that never stops during the test, in batches of 1 to 7, across microtasks and turns
  const publisher = (async () => {
    for (let round = 0; !stop; round++) {
      publish((round % 7) + 1);
      await new Promise((resolve) => (round % 2 ? setImmediate(resolve) : queueMicrotask(() => resolve(0))));
    }
  })();
  const clients: Array<{ client: Subscriber; first: number; ns: number[]; pump: Promise<void> }> = [];
  for (let i = 0; i < 40; i++) {
    const newest = hub.published;
    const client =
      i % 2 === 0
        ? subscribe({ backlog: 10 }, { bufferSize: 1_000_000 })
        : subscribe({ after: { run: "r", seq: newest - 5 } }, { bufferSize: 1_000_000 });
    const ns: number[] = [];
    const pump = (async () => {
      for (let batch = await client.next(); batch; batch = await client.next()) {
        for (const line of decoder.decode(batch.bytes).split("\n")) if (line) ns.push(JSON.parse(line).n);
      }
    })();
    clients.push({ client, first: i % 2 === 0 ? newest - 9 : newest - 4, ns, pump });
    await new Promise((resolve) => (i % 3 ? setImmediate(resolve) : queueMicrotask(() => resolve(0))));
  }
  stop = true;
  await publisher;
  const last = hub.published;
  const deadline = Date.now() + 5000;
  while (clients.some(({ ns }) => ns[ns.length - 1] !== last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (const { client } of clients) client.end();
  await Promise.all(clients.map(({ pump }) => pump));
  for (const [i, { client, first, ns }] of clients.entries()) {
    assert.equal(client.dropped, 0, `client ${i} dropped`);
    assert.deepEqual(ns, range(first, last), `client ${i}: from ${first} to ${last}, each once`);
  }
});

test("the reader waits for a client catching up before the ring turns over past what it has yet to read", async () => {
  const { hub, publish, subscribe } = makeHub(10);
  publish(10);
  const client = subscribe({ backlog: 10 }, { bufferSize: 4 });
  let waited = false;
  const room = hub.waitForRoom(5).then(() => {
    waited = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(waited, false, "publishing 5 more now would evict entries 1 to 5, not yet read");
  assert.equal((await client.next())?.entries, 4);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(waited, false, "entry 5 still unread");
  assert.equal((await client.next())?.entries, 4);
  await room;
  publish(5);
  assert.deepEqual(await drainTcp(client), [9, 10, 11, 12, 13, 14, 15]);
  assert.equal(client.dropped, 0);
});

test("the reader does not wait for a client catching up while the ring has room", async () => {
  const { hub, publish, subscribe } = makeHub(100);
  publish(10);
  subscribe({ backlog: 10 }, { bufferSize: 4 });
  await hub.waitForRoom(50);
});
