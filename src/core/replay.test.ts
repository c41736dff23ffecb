import assert from "node:assert/strict";
import { test } from "node:test";
import { ENTRY_OVERHEAD_BYTES, type PublishedEntry, parseEntryId, ReplayRing, runIdOf } from "./replay.ts";

const entry = (seq: number, json = `{"n":${seq}}`): PublishedEntry => ({
  seq,
  json,
  source: "a.log",
  level: -1,
});

function fill(ring: ReplayRing, count: number, json?: (seq: number) => string): void {
  for (let i = 0; i < count; i++) {
    const seq = ring.peekSeq();
    ring.push(entry(seq, json?.(seq)));
  }
}

const held = (ring: ReplayRing): number[] => {
  const seqs: number[] = [];
  for (let seq = ring.oldestSeq; seq <= ring.newestSeq; seq++) seqs.push(ring.get(seq)?.seq ?? -1);
  return seqs;
};

test("an empty ring: nothing held, the next seq is 1", () => {
  const ring = new ReplayRing(3, 1 << 20);
  assert.equal(ring.newestSeq, 0);
  assert.equal(ring.oldestSeq, 1);
  assert.equal(ring.size, 0);
  assert.equal(ring.get(1), undefined);
});

test("the ring keeps the last replay_size entries, the oldest evicted first, seqs contiguous", () => {
  const ring = new ReplayRing(3, 1 << 20);
  fill(ring, 5);
  assert.deepEqual(held(ring), [3, 4, 5]);
  assert.equal(ring.oldestSeq, 3);
  assert.equal(ring.newestSeq, 5);
  assert.equal(ring.get(2), undefined, "evicted");
  assert.equal(ring.get(6), undefined, "not yet published");
  fill(ring, 4);
  assert.deepEqual(held(ring), [7, 8, 9], "slots are reused round the ring");
});

test("the byte bound evicts the oldest entries first, whichever bound is hit first", () => {
  const size = 10 + ENTRY_OVERHEAD_BYTES;
  const ring = new ReplayRing(100, size * 3);
  fill(ring, 5, () => "x".repeat(10));
  assert.deepEqual(held(ring), [3, 4, 5]);
  assert.equal(ring.bytes, size * 3);
  ring.push(entry(6, "y".repeat(10 + size)));
  assert.deepEqual(held(ring), [5, 6], "a big entry pushes out as many as it needs");
  assert.equal(ring.bytes, size + size * 2);
});

test("an entry larger than the whole byte bound is not kept, and the ring stays consistent", () => {
  const ring = new ReplayRing(10, 200);
  fill(ring, 2, () => "x");
  ring.push(entry(3, "z".repeat(500)));
  assert.equal(ring.size, 0);
  assert.equal(ring.bytes, 0);
  assert.equal(ring.oldestSeq, 4);
  fill(ring, 1);
  assert.deepEqual(held(ring), [4]);
});

test("replay off (size 0) holds nothing but still numbers every entry", () => {
  const ring = new ReplayRing(0, 1 << 20);
  fill(ring, 3);
  ring.skip(2);
  assert.equal(ring.size, 0);
  assert.equal(ring.newestSeq, 5);
  assert.equal(ring.oldestSeq, 6);
});

test("skipping numbers empties the ring, so what it holds stays contiguous", () => {
  const ring = new ReplayRing(5, 1 << 20);
  fill(ring, 3);
  ring.skip(1);
  assert.equal(ring.size, 0);
  fill(ring, 1);
  assert.deepEqual(held(ring), [5]);
});

test("ids: the run is the start time in base 36; malformed ids are absent, not errors", () => {
  assert.equal(runIdOf(1_700_000_000_000), (1_700_000_000_000).toString(36));
  assert.deepEqual(parseEntryId("lz4k2x1s-42"), { run: "lz4k2x1s", seq: 42 });
  assert.deepEqual(parseEntryId(" abc-7 "), { run: "abc", seq: 7 });
  for (const bad of [
    undefined,
    null,
    "",
    "42",
    "abc-",
    "-5",
    "abc-x",
    "ABC-1",
    "a-b-1",
    "abc-1.5",
    "abc-1e3",
  ]) {
    assert.equal(parseEntryId(bad), undefined, String(bad));
  }
  assert.equal(parseEntryId(`a-${"9".repeat(16)}`), undefined, "beyond a safe integer");
});
