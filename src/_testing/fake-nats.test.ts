import assert from "node:assert/strict";
import { test } from "node:test";
import type { NatsMessage } from "../core/nats-port.ts";
import { FakeNatsServer, subjectMatches } from "./fake-nats.ts";

const cfg = { name: "S", subjects: ["l.>"], maxBytes: 0, maxAgeMs: 0, duplicateWindowMs: 1000 };
const bytes = (text: string) => new TextEncoder().encode(text);

test("subjects match with * and >", () => {
  assert.ok(subjectMatches("l.>", "l.a.b"));
  assert.ok(subjectMatches("l.*.b", "l.a.b"));
  assert.ok(!subjectMatches("l.>", "l"));
  assert.ok(!subjectMatches("l.*", "l.a.b"));
});

test("the fake stores with sequences, dedupes within the window, and consumes in order", async () => {
  const fake = new FakeNatsServer();
  let now = 0;
  fake.now = () => now;
  const link = await fake.connector.connect({ servers: [], name: "t" });
  await link.ensureStream(cfg);
  assert.deepEqual(await link.publish("l.a.x", bytes("1"), new Map(), "id1", 1000), {
    seq: 1,
    duplicate: false,
  });
  assert.deepEqual(await link.publish("l.a.x", bytes("1"), new Map(), "id1", 1000), {
    seq: 1,
    duplicate: true,
  });
  now = 1000;
  assert.deepEqual(await link.publish("l.a.x", bytes("1"), new Map(), "id1", 1000), {
    seq: 2,
    duplicate: false,
  });
  await link.publish("l.b.y", bytes("2"), new Map(), "id2", 1000);
  assert.equal((await link.lastBySubject("S", "l.a.x"))?.seq, 2);
  assert.equal((await link.getMessage("S", 3))?.headers.get("Nats-Msg-Id"), "id2");
  const got: NatsMessage[] = [];
  const consumer = await link.consume("S", "l.a.>", 2, (msg) => got.push(msg));
  await link.publish("l.a.z", bytes("3"), new Map(), "id3", 1000);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await consumer.stop();
  assert.deepEqual(
    got.map((msg) => msg.seq),
    [2, 4],
  );
  const info = await link.streamInfo("S");
  assert.deepEqual([info.messages, info.firstSeq, info.lastSeq], [4, 1, 4]);
});

test("a stopped fake refuses publishes and tells its links", async () => {
  const fake = new FakeNatsServer();
  const link = await fake.connector.connect({ servers: [], name: "t" });
  await link.ensureStream(cfg);
  const states: string[] = [];
  link.onState((state) => states.push(state));
  fake.stop();
  await assert.rejects(link.publish("l.a.x", bytes("1"), new Map(), "id1", 1000));
  fake.start();
  assert.equal((await link.publish("l.a.x", bytes("1"), new Map(), "id1", 1000)).seq, 1);
  assert.deepEqual(states, ["reconnecting", "connected"]);
});
