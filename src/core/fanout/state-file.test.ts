// The saved pair (checkpoints + ring) round-trips, and a hub restored from it goes on with the same ids
// after a clean stop, and after a crash honours the crashed run's ids only up to its last save.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "./hub.ts";
import { ReplayRing } from "./replay.ts";
import { decodeState, encodeState, type SavedState } from "./state-file.ts";
import type { Subscriber } from "./subscriber.ts";

const decoder = new TextDecoder();
const entry = (n: number, source = "a.log") =>
  JSON.stringify({ source, level: n % 2 ? "info" : "error", message: `m${n} é` });

function publishedHub(count: number, replaySize = 100): Hub {
  const hub = new Hub({ replaySize, runId: "run1" });
  hub.publishBatch(Array.from({ length: count }, (_, i) => entry(i + 1, i % 3 ? "a.log" : "b.log")));
  return hub;
}

function saved(hub: Hub, clean: boolean): SavedState {
  const position = { dev: 1, ino: 2, prefix: { length: 3, hash: 4 }, offset: 50 };
  return decodeState(
    encodeState({
      clean,
      savedAtMs: 1,
      run: hub.runId,
      earlierRuns: hub.earlierRuns,
      checkpoints: new Map([["/logs/a.log", [position]]]),
      ring: hub.ring.exportEntries(),
    }),
  );
}

/** Every SSE frame the subscriber has: `id message` for entries, the event name for others. */
async function framesOf(subscriber: Subscriber): Promise<string[]> {
  const frames: string[] = [];
  while (subscriber.queued > 0 || subscriber.isCatchingUp) {
    const batch = await subscriber.next();
    if (!batch) break;
    for (const frame of decoder.decode(batch.bytes).split("\n\n")) {
      if (frame === "") continue;
      const id = /^id: (.*)$/m.exec(frame)?.[1];
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? "";
      frames.push(event ? `${event} ${data}` : `${id} ${JSON.parse(data).message}`);
    }
  }
  return frames;
}

const resumeFrom = (hub: Hub, run: string, seq: number) =>
  hub.subscribe({ transport: "sse", remoteAddress: "x", bufferSize: 100, start: { after: { run, seq } } });

test("the ring and checkpoints round-trip: same entries, seqs, sources and levels", () => {
  const hub = publishedHub(7, 5);
  const state = saved(hub, true);
  assert.equal(state.run, "run1");
  assert.equal(state.clean, true);
  assert.deepEqual(state.checkpoints.get("/logs/a.log"), [
    { dev: 1, ino: 2, prefix: { length: 3, hash: 4 }, offset: 50 },
  ]);
  const ring = new ReplayRing(5);
  ring.restore(state.ring);
  assert.equal(ring.oldestSeq, 3);
  assert.equal(ring.newestSeq, 7);
  for (let seq = 3; seq <= 7; seq++) {
    const restored = ring.get(seq);
    const original = hub.ring.get(seq);
    assert.equal(restored?.json, original?.json);
    assert.equal(restored?.source, original?.source);
    assert.equal(restored?.level, original?.level);
  }
});

test("a smaller ring keeps the newest saved entries; replay off keeps none but the seqs go on", () => {
  const state = saved(publishedHub(7, 10), true);
  const small = new ReplayRing(2);
  small.restore(state.ring);
  assert.deepEqual([small.oldestSeq, small.newestSeq], [6, 7]);
  const off = new ReplayRing(0);
  off.restore(state.ring);
  assert.equal(off.peekSeq(), 8);
});

test("a damaged file is refused with what is wrong, never half-loaded", () => {
  const bytes = encodeState(saved(publishedHub(3), true));
  assert.throws(() => decodeState(bytes.subarray(0, bytes.length - 5)), /entries, the header says 3/);
  assert.throws(() => decodeState(new TextEncoder().encode('{"format":99}\n')), /format 99/);
  assert.throws(() => decodeState(new Uint8Array(3)), /no header line/);
});

test("after a clean stop the run goes on: an id from before resumes with no gap, new entries follow", async () => {
  const state = saved(publishedHub(5), true);
  const hub = new Hub({ replaySize: 100, runId: "run2" });
  hub.restore(state.ring, state.run, state.earlierRuns);
  assert.equal(hub.runId, "run1");
  assert.equal(hub.published, 0, "published counts this process's entries");
  const client = resumeFrom(hub, "run1", 3);
  hub.publishBatch([entry(6)]);
  assert.deepEqual(await framesOf(client), ["run1-4 m4 é", "run1-5 m5 é", "run1-6 m6 é"]);
});

test("after a crash: a new run; the crashed run's ids up to the save resume exactly, later ones get a restart gap", async () => {
  const state = saved(publishedHub(5), false);
  const hub = new Hub({ replaySize: 100, runId: "run2" });
  hub.restore(state.ring, "run2", [{ run: state.run, upToSeq: 5 }]);
  hub.publishBatch([entry(6), entry(7)]);
  const before = resumeFrom(hub, "run1", 4);
  assert.deepEqual(await framesOf(before), ["run2-5 m5 é", "run2-6 m6 é", "run2-7 m7 é"]);
  // seq 6 of run1 was published after the last save and lost with the process: which entry it was is unknown
  const after = resumeFrom(hub, "run1", 6);
  assert.deepEqual(await framesOf(after), [
    'gap {"missed":null,"reason":"restart"}',
    "run2-6 m6 é",
    "run2-7 m7 é",
  ]);
  const unknown = resumeFrom(hub, "run0", 2);
  assert.equal((await framesOf(unknown))[0], 'gap {"missed":null,"reason":"restart"}');
});

test("exported text is every held entry once, a line each, whether pushed alone or in batches, wrapped or not", () => {
  const ring = new ReplayRing(50, 65536);
  const encoder = new TextEncoder();
  let seq = 1;
  for (let round = 0; round < 40; round++) {
    const batch = Array.from({ length: (round % 4) + 1 }, () => ({
      seq: seq++,
      json: `{"n":${seq},"pad":"${"y".repeat(round * 37)}"}`,
      source: "a.log",
      level: 2,
    }));
    if (round % 3 === 0) for (const entry of batch) ring.push(entry);
    else ring.pushLines(batch, encoder.encode(batch.map((entry) => `${entry.json}\n`).join("")));
  }
  const exported = ring.exportEntries();
  const texts = new TextDecoder().decode(exported.text).split("\n").slice(0, -1);
  const expected: string[] = [];
  for (let s = ring.oldestSeq; s <= ring.newestSeq; s++) expected.push(ring.get(s)?.json ?? "?");
  assert.deepEqual(texts, expected);
  assert.equal(exported.levels.length, ring.size);
});
