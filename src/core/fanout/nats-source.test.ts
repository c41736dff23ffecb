import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeNatsServer } from "../../_testing/fake-nats.ts";
import type { NatsLink, NatsStreamConfig } from "../nats-port.ts";
import { encodeBatch } from "../wire/nats-batch.ts";
import { Hub } from "./hub.ts";
import { NatsSource } from "./nats-source.ts";

const decoder = new TextDecoder();
const STREAM: NatsStreamConfig = {
  name: "LOGWISP",
  subjects: ["logwisp.>"],
  maxBytes: 0,
  maxAgeMs: 0,
  duplicateWindowMs: 120_000,
};

/** Publishes `count` messages of `perMessage` entries `{"n":…}` numbered on from `from`; answers the next n. */
async function publish(link: NatsLink, from: number, count: number, perMessage = 5): Promise<number> {
  let n = from;
  for (let i = 0; i < count; i++) {
    const jsons = Array.from({ length: perMessage }, () => `{"n":${n++},"host":"a"}`);
    const headers = new Map([["Logwisp-Count", String(perMessage)]]);
    await link.publish("logwisp.a.app_2Elog", encodeBatch(jsons), headers, `id-${n}`, 1000);
  }
  return n;
}

function numbersOf(bytes: Uint8Array | undefined): number[] {
  return [...decoder.decode(bytes).matchAll(/"n":(\d+)/g)].map((match) => Number(match[1]));
}

async function setUp(replaySize: number) {
  const nats = new FakeNatsServer();
  const publisher = await nats.connector.connect({ servers: ["nats://127.0.0.1:4222"], name: "a" });
  await publisher.ensureStream(STREAM);
  const hub = new Hub({ runId: "r", replaySize });
  const lines: string[] = [];
  const source = new NatsSource(hub, {
    link: () => nats.connector.connect({ servers: ["nats://127.0.0.1:4222"], name: "viewer" }),
    streamConfig: STREAM,
    replaySize,
    log: (line) => lines.push(line),
  });
  return { nats, publisher, hub, source, lines };
}

test("at start the ring fills with the last replay_size entries of the stream, then live ones follow", async () => {
  const { publisher, hub, source } = await setUp(12);
  const next = await publish(publisher, 1, 10);
  await source.start();
  // 12 entries are 3 messages back (15 entries), all in the ring but the 3 oldest
  assert.equal(hub.ring.size, 12);
  assert.equal(source.serveStatus().consumer_seq, 10);
  const client = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 100,
    start: { backlog: 3 },
  });
  assert.deepEqual(numbersOf((await client.next())?.bytes), [48, 49, 50]);
  await publish(publisher, next, 1);
  const live = await client.next();
  assert.deepEqual(numbersOf(live?.bytes), [51, 52, 53, 54, 55]);
  assert.match(decoder.decode(live?.bytes), /^id: LOGWISP\.[0-9a-z]+-11\.0\n/);
  await source.stop();
});

test("a client resuming from before the ring reads the stream: all of it after its id, none twice", async () => {
  const { publisher, hub, source } = await setUp(5);
  await publish(publisher, 1, 6);
  await source.start();
  const identity = hub.history?.identity as string;
  const client = hub.subscribe({
    transport: "sse",
    remoteAddress: "c",
    bufferSize: 4,
    start: { after: { run: identity, seq: 2, index: 2 } },
  });
  const seen: number[] = [];
  while (seen.length < 22) seen.push(...numbersOf((await client.next())?.bytes));
  assert.deepEqual(
    seen,
    Array.from({ length: 22 }, (_, i) => i + 9),
  );
  await source.stop();
});

test("while NATS is away /status says so; consuming goes on where it stopped when it is back", async () => {
  const { nats, publisher, hub, source } = await setUp(100);
  let next = await publish(publisher, 1, 2);
  await source.start();
  assert.equal(source.serveStatus().state, "connected");
  nats.stop();
  assert.equal(source.serveStatus().state, "unreachable");
  await assert.rejects(publish(publisher, next, 1));
  nats.start();
  assert.equal(source.serveStatus().state, "connected");
  next = await publish(publisher, next, 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(source.serveStatus().consumer_seq, 4);
  assert.equal(hub.published, 20);
  assert.equal(source.serveStatus().consumed_entries, 20);
  await source.stop();
});

test("with many clients the messages of a few ms go to the hub as one batch: one write per client", async () => {
  const { publisher, hub, source } = await setUp(100);
  await source.start();
  // 100 clients: a 2 ms window (hint-window.ts)
  const clients = Array.from({ length: 100 }, () =>
    hub.subscribe({ transport: "tcp", remoteAddress: "c", bufferSize: 100 }),
  );
  const batches: number[] = [];
  const publishBatch = hub.publishBatch.bind(hub);
  hub.publishBatch = (jsons, parsed, positions) => {
    batches.push(jsons.length);
    publishBatch(jsons, parsed, positions);
  };
  await publish(publisher, 1, 3);
  const first = clients[0];
  const batch = await first?.next();
  assert.deepEqual(batches, [15], "three messages, one batch");
  assert.deepEqual(
    numbersOf(batch?.bytes),
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
  await source.stop();
});
