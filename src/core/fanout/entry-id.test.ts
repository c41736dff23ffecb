import assert from "node:assert/strict";
import { test } from "node:test";
import { comparePositions, parseEntryId, streamEntryId, streamIdentity, successorOf } from "./entry-id.ts";

test("a stream id round-trips: identity, sequence and index", () => {
  const identity = streamIdentity("LOGWISP", "2026-12-06T21:00:00.123456789Z");
  assert.match(identity, /^LOGWISP\.[0-9a-z]{1,8}$/);
  const id = streamEntryId(identity, { seq: 500, index: 3 });
  assert.equal(id, `${identity}-500.3`);
  assert.deepEqual(parseEntryId(id), { run: identity, seq: 500, index: 3 });
  assert.deepEqual(parseEntryId(` ${id}\n`), { run: identity, seq: 500, index: 3 });
});

test("a stream made again under the same name has another identity", () => {
  const first = streamIdentity("LOGWISP", "2026-12-06T21:00:00.123456789Z");
  assert.notEqual(first, streamIdentity("LOGWISP", "2026-12-06T21:00:00.123456790Z"));
  assert.notEqual(first, streamIdentity("OTHER", "2026-12-06T21:00:00.123456789Z"));
  assert.equal(first, streamIdentity("LOGWISP", "2026-12-06T21:00:00.123456789Z"));
});

test("stream names with - and _ parse; local ids stay local", () => {
  assert.deepEqual(parseEntryId("my-logs_2.abc-7.0"), { run: "my-logs_2.abc", seq: 7, index: 0 });
  assert.deepEqual(parseEntryId("lz4k2x1s-42"), { run: "lz4k2x1s", seq: 42 });
});

test("a malformed stream id is absent", () => {
  for (const bad of [
    "LOGWISP.abc-0.1",
    "LOGWISP.abc-5",
    "LOGWISP-5.1",
    "LOGWISP.abc-5.",
    "LOGWISP.abc-.1",
    "LOG WISP.abc-5.1",
    "LOGWISP.abc.def-5.1",
    `LOGWISP.abc-${"9".repeat(16)}.1`,
    "LOGWISP.abc-5.1.2",
  ]) {
    assert.equal(parseEntryId(bad), undefined, bad);
  }
});

test("positions order by sequence, then index", () => {
  assert.ok(comparePositions({ seq: 1, index: 9 }, { seq: 2, index: 0 }) < 0);
  assert.ok(comparePositions({ seq: 2, index: 1 }, { seq: 2, index: 0 }) > 0);
  assert.equal(comparePositions({ seq: 2, index: 1 }, { seq: 2, index: 1 }), 0);
  assert.deepEqual(successorOf({ seq: 2, index: 1 }), { seq: 2, index: 2 });
});
