import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeJsonLines } from "../wire/framing.ts";
import type { PublishedEntry } from "../wire/published-entry.ts";
import { INITIAL_RING_BYTES, parseEntryId, ReplayRing, runIdOf } from "./replay.ts";

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

const jsonOf = (ring: ReplayRing): string[] => {
  const texts: string[] = [];
  for (let seq = ring.oldestSeq; seq <= ring.newestSeq; seq++) texts.push(ring.get(seq)?.json ?? "?");
  return texts;
};

test("the byte bound evicts the oldest entries first, whichever bound is hit first", () => {
  // room is made for 3 bytes per character (the most UTF-8 can take), what is used is kept
  const ring = new ReplayRing(100, 90);
  fill(ring, 7, (seq) => `${seq}`.padEnd(10, "x"));
  assert.equal(ring.bytes, 70);
  assert.equal(ring.size, 7);
  fill(ring, 1, (seq) => `${seq}`.padEnd(10, "x"));
  assert.deepEqual(
    held(ring),
    [4, 5, 6, 7, 8],
    "the eighth has no room left at the end: it wraps, over 1 to 3",
  );
  assert.equal(ring.bytes, 50);
  assert.deepEqual(jsonOf(ring).slice(0, 2), ["4xxxxxxxxx", "5xxxxxxxxx"], "the text read back is intact");
  assert.equal(jsonOf(ring).at(-1), "8xxxxxxxxx");
  fill(ring, 20, (seq) => `${seq}`.padEnd(10, "x"));
  assert.ok(ring.bytes <= 90 && ring.size >= 3, `${ring.size} entries, ${ring.bytes} bytes`);
  assert.deepEqual(jsonOf(ring).at(-1), "28xxxxxxxx");
  assert.deepEqual(held(ring).at(-1), 28);
});

test("text of any size and script round-trips through the ring while it turns over many times", () => {
  const ring = new ReplayRing(50, 4096);
  const texts = ["é", "😀 emoji", "ascii", "中文日志行", "x".repeat(700), "", '{"m":"a\\nb"}'];
  const published: string[] = [];
  for (let i = 0; i < 500; i++) {
    const json = `${i}:${texts[i % texts.length]}`;
    published.push(json);
    ring.push(entry(ring.peekSeq(), json));
    assert.ok(ring.bytes <= 4096);
  }
  const kept = jsonOf(ring);
  assert.ok(kept.length > 1);
  assert.deepEqual(kept, published.slice(published.length - kept.length));
});

test("batches pushed as JSON lines round-trip too, whole or larger than the ring's count or bytes", () => {
  const ring = new ReplayRing(50, 4096);
  const texts = ["é", "😀 emoji", "ascii", "中文日志行", "x".repeat(700), "", '{"m":"a\\nb"}'];
  const published: string[] = [];
  // batches of 1 to 60 entries: some hold more than the ring's 50 entries, some more than its 4096 bytes
  for (let batch = 1; batch <= 60; batch++) {
    const entries: PublishedEntry[] = [];
    for (let i = 0; i < batch; i++) {
      const json = `${published.length}:${texts[published.length % texts.length]}`;
      published.push(json);
      entries.push(entry(ring.peekSeq() + i, json));
    }
    ring.pushLines(entries, encodeJsonLines(entries));
    assert.equal(ring.newestSeq, published.length);
    assert.ok(ring.bytes <= 4096);
    const kept = jsonOf(ring);
    assert.ok(kept.length > 0);
    assert.deepEqual(kept, published.slice(published.length - kept.length));
  }
});

test("the buffer starts small and grows as the text needs: no entry is evicted by bytes below the bound", () => {
  const maxBytes = 64 * INITIAL_RING_BYTES;
  const ring = new ReplayRing(2000, maxBytes);
  assert.equal(ring.allocatedBytes, INITIAL_RING_BYTES);
  const texts = ["é", "😀 emoji", "ascii", "中文日志行"];
  const published: string[] = [];
  // 2000 entries of ~1.6 KB: 3.2 MB, over the first buffer and well under the bound; singly and in batches
  for (let batch = 1; published.length < 6000; batch = (batch % 300) + 7) {
    const entries: PublishedEntry[] = [];
    for (let i = 0; i < batch; i++) {
      const json = `${published.length}:${texts[published.length % texts.length]?.repeat(200)}`;
      published.push(json);
      entries.push(entry(ring.peekSeq() + i, json));
    }
    if (batch % 2 === 0) ring.pushLines(entries, encodeJsonLines(entries));
    else for (const one of entries) ring.push(one);
    assert.equal(ring.size, Math.min(published.length, 2000), "only the count bound evicts");
  }
  assert.deepEqual(jsonOf(ring), published.slice(-2000));
  assert.ok(ring.allocatedBytes > INITIAL_RING_BYTES, "it grew");
  assert.ok(
    ring.allocatedBytes < maxBytes / 2,
    `${ring.allocatedBytes} bytes: what the text needs, not the bound`,
  );
});

test("a growing buffer stops at the byte bound, which then evicts as before", () => {
  const maxBytes = 4 * INITIAL_RING_BYTES;
  const ring = new ReplayRing(100_000, maxBytes);
  fill(ring, 5000, (seq) => `${seq}`.padEnd(1000, "x"));
  assert.equal(ring.allocatedBytes, maxBytes);
  assert.ok(ring.bytes <= maxBytes && ring.size < 5000 && ring.size > 900, `${ring.size} held`);
  assert.equal(jsonOf(ring).at(-1), "5000".padEnd(1000, "x"));
  // one entry larger than the buffer as it is, pushed into an empty ring, is kept whole
  const big = new ReplayRing(10, maxBytes);
  big.push(entry(1, "é".repeat(INITIAL_RING_BYTES)));
  assert.equal(big.get(1)?.json, "é".repeat(INITIAL_RING_BYTES));
});

test("JSON lines pushed to a ring that holds nothing still number every entry", () => {
  const ring = new ReplayRing(0, 1 << 20);
  const entries = [entry(1), entry(2)];
  ring.pushLines(entries, encodeJsonLines(entries));
  assert.equal(ring.size, 0);
  assert.equal(ring.newestSeq, 2);
});

test("a long entry that fits only by its exact size is kept; one larger than the buffer starts the ring over", () => {
  const ring = new ReplayRing(10, 1000);
  fill(ring, 2, () => "a");
  ring.push(entry(3, "x".repeat(900)));
  assert.deepEqual(held(ring), [1, 2, 3]);
  assert.equal(ring.get(3)?.json, "x".repeat(900));
  ring.push(entry(4, "z".repeat(1001)));
  assert.equal(ring.size, 0);
  assert.equal(ring.bytes, 0);
  assert.equal(ring.oldestSeq, 5);
  fill(ring, 1);
  assert.deepEqual(held(ring), [5]);
});

test("an entry read back keeps its source and level", () => {
  const ring = new ReplayRing(4, 1000);
  ring.push({ seq: 1, json: "{}", source: "api.log", level: 4 });
  ring.push({ seq: 2, json: "{}", source: "app.log", level: -1 });
  assert.deepEqual(
    [ring.get(1), ring.get(2)].map((e) => [e?.source, e?.level]),
    [
      ["api.log", 4],
      ["app.log", -1],
    ],
  );
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

test("firstAtOrAfter: the first held entry whose time is at or after the one asked", () => {
  const ring = new ReplayRing(5, 1 << 20);
  const timed = (seq: number) =>
    `{"time":"2026-12-06T21:00:${String(seq).padStart(2, "0")}.000000Z","n":${seq}}`;
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:00.000000Z"), 1, "empty: the next seq");
  fill(ring, 8, timed);
  // held: seqs 4..8, times :04..:08
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:00.000000Z"), 4, "before all held: the oldest");
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:06.000000Z"), 6, "equal: that entry");
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:06.500000Z"), 7, "between: the next");
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:09.000000Z"), 9, "after all: newest + 1");
});

test("firstAtOrAfter: a line with its own older time near the newest is a boundary, not let through", () => {
  const ring = new ReplayRing(10, 1 << 20);
  const at = (second: number) => `{"time":"2026-12-06T21:00:${String(second).padStart(2, "0")}.000000Z"}`;
  for (const second of [50, 51, 52, 53, 54, 10, 55]) ring.push(entry(ring.peekSeq(), at(second)));
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:30.000000Z"), 7, "only the entry after the old one");
  assert.equal(ring.firstAtOrAfter("2026-12-06T21:00:05.000000Z"), 1, "all: nothing is older");
});
