// The journal adds up to the ring and checkpoints of its last complete record: records of new entries only,
// a torn or damaged last record left out (the one before it is a consistent pair), entries the ring dropped
// never brought back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "./hub.ts";
import type { RingExport } from "./replay.ts";
import { decodeJournal, encodeRecord } from "./state-journal.ts";

const decoder = new TextDecoder();
const entry = (n: number) =>
  JSON.stringify({ source: n % 3 ? "a.log" : "b.log", level: n % 2 ? "info" : "error", message: `m${n} é` });
const position = (offset: number) => ({ dev: 1, ino: 2, prefix: { length: 3, hash: 4 }, offset });

/** A hub and a journal saved as the keeper saves: each record holds what was published since the last. */
class Journal {
  readonly hub: Hub;
  private published = 0;
  private savedNextSeq = 0;
  readonly records: Uint8Array[] = [];
  /** The journal before this one (state.journal.1), once it was started anew. */
  previous: Uint8Array | undefined;

  constructor(replaySize: number, replayMaxBytes?: number) {
    this.hub = new Hub({ replaySize, replayMaxBytes, runId: "run1" });
  }

  publish(count: number): void {
    this.hub.publishBatch(Array.from({ length: count }, () => entry(++this.published)));
  }

  save(options: { fresh?: boolean; clean?: boolean } = {}): Uint8Array {
    const ring = this.hub.ring;
    const entries = ring.exportEntries(options.fresh ? ring.oldestSeq : this.savedNextSeq);
    const record = encodeRecord({
      clean: options.clean ?? false,
      savedAtMs: 1,
      run: this.hub.runId,
      earlierRuns: [],
      checkpoints: new Map([["/logs/a.log", [position(this.published)]]]),
      ringOldestSeq: ring.oldestSeq,
      entries,
    });
    this.savedNextSeq = entries.nextSeq;
    if (options.fresh) this.records.length = 0;
    this.records.push(record);
    return record;
  }

  /** A fresh journal of `first` entries, then a save after each count of new ones in `then`. */
  saves(first: number, then: readonly number[]): void {
    this.publish(first);
    this.save({ fresh: true });
    for (const count of then) {
      this.publish(count);
      this.save();
    }
  }

  /** Starts a new journal, as the keeper does past the ring: this one becomes the one before it. */
  rotate(): void {
    this.previous = this.bytes;
    this.records.length = 0;
  }

  get bytes(): Uint8Array {
    const all = new Uint8Array(this.records.reduce((sum, record) => sum + record.length, 0));
    let at = 0;
    for (const record of this.records) {
      all.set(record, at);
      at += record.length;
    }
    return all;
  }
}

/** A saved ring as comparable values: seqs, messages, sources, levels. */
function entriesOf(ring: RingExport): string[] {
  const texts = decoder.decode(ring.text).split("\n").slice(0, -1);
  assert.equal(texts.length, ring.levels.length);
  return texts.map((text, i) => {
    const { message } = JSON.parse(text) as { message: string };
    return `${ring.oldestSeq + i} ${message} ${ring.sources[ring.sourceIds[i] as number]} ${ring.levels[i]}`;
  });
}

test("the records add up to the ring and checkpoints of the last save", () => {
  const journal = new Journal(100);
  journal.saves(5, [3, 0, 7, 1]);
  const { state, records, damaged } = decodeJournal(journal.bytes);
  assert.equal(records, 5);
  assert.equal(damaged, undefined);
  assert.ok(state);
  assert.deepEqual(entriesOf(state.ring), entriesOf(journal.hub.ring.exportEntries()));
  assert.equal(state.ring.nextSeq, 17);
  assert.deepEqual(state.checkpoints.get("/logs/a.log"), [position(16)]);
  assert.equal(state.run, "run1");
});

test("a record holds only the entries published since the last save", () => {
  const journal = new Journal(1000);
  journal.publish(900);
  const whole = journal.save({ fresh: true }).length;
  journal.publish(10);
  const ten = journal.save().length;
  assert.ok(ten < whole / 50, `a record of 10 new entries takes ${ten} bytes, the whole ring ${whole}`);
  assert.equal((decoder.decode(journal.records[1]).match(/"message"/g) ?? []).length, 10);
});

test("a last record cut short anywhere, or damaged, is left out: the save before it is loaded whole", () => {
  const journal = new Journal(100);
  journal.saves(4, [3]);
  const before = decodeJournal(journal.bytes).state;
  journal.publish(5);
  const last = journal.save();
  const complete = journal.bytes;
  const start = complete.length - last.length;
  for (const cut of [1, 5, 20, Math.floor(last.length / 2), last.length - 1]) {
    const loaded = decodeJournal(complete.subarray(0, start + cut));
    assert.equal(loaded.records, 2, `cut after ${cut} bytes`);
    assert.match(loaded.damaged ?? "", /record 3 .*cut short|not a record/);
    assert.deepEqual(loaded.state, before);
  }
  for (const at of [start + 2, start + 40, complete.length - 3]) {
    const damaged = complete.slice();
    damaged[at] = (damaged[at] as number) ^ 0x20;
    const loaded = decodeJournal(damaged);
    assert.match(
      loaded.damaged ?? "",
      /record 3 .*(checksum|frame)/,
      `byte ${at - start} of the record flipped`,
    );
    assert.deepEqual(loaded.state, before);
  }
  // the zeros a crash may leave where the file grew but the data did not reach the disk
  const zeros = new Uint8Array(start + last.length);
  zeros.set(complete.subarray(0, start));
  assert.deepEqual(decodeJournal(zeros).state, before);
  assert.equal(decodeJournal(new Uint8Array(0)).state, undefined);
});

test("entries the ring dropped (its capacity, its bytes, a new start) are not brought back", () => {
  const journal = new Journal(5);
  journal.saves(3, [4, 4, 4, 4]);
  let state = decodeJournal(journal.bytes).state;
  assert.ok(state);
  assert.deepEqual(
    entriesOf(state.ring).map((line) => line.split(" ")[0]),
    ["15", "16", "17", "18", "19"],
  );
  assert.deepEqual(entriesOf(state.ring), entriesOf(journal.hub.ring.exportEntries()));
  // more than the ring holds between two saves: the record holds only what the ring still has
  journal.publish(12);
  journal.save();
  state = decodeJournal(journal.bytes).state;
  assert.ok(state);
  assert.deepEqual([state.ring.oldestSeq, state.ring.nextSeq], [27, 32]);
  // the ring let go of everything (seqs taken but not kept): nothing from before comes back
  journal.hub.ring.skip(3);
  journal.save();
  state = decodeJournal(journal.bytes).state;
  assert.ok(state);
  assert.deepEqual([state.ring.levels.length, state.ring.nextSeq], [0, 35]);
  // bounded by bytes: the oldest go as the text grows
  const bytes = new Journal(100, 1024);
  bytes.saves(5, Array(10).fill(6));
  const byBytes = decodeJournal(bytes.bytes).state;
  assert.ok(byBytes);
  assert.deepEqual(entriesOf(byBytes.ring), entriesOf(bytes.hub.ring.exportEntries()));
  assert.ok(byBytes.ring.levels.length < 30);
});

test("a journal written afresh holds the whole ring and loads the same", () => {
  const journal = new Journal(20);
  journal.saves(15, [10]);
  const appended = decodeJournal(journal.bytes).state;
  journal.save({ fresh: true, clean: true });
  assert.equal(journal.records.length, 1);
  const fresh = decodeJournal(journal.bytes).state;
  assert.ok(appended && fresh);
  assert.deepEqual(entriesOf(fresh.ring), entriesOf(appended.ring));
  assert.equal(fresh.clean, true);
});

test("records whose seqs do not follow on are refused, not spliced", () => {
  const one = new Journal(100);
  one.publish(5);
  one.save({ fresh: true });
  const other = new Journal(100);
  other.publish(8);
  other.save({ fresh: true });
  other.publish(2);
  const stray = other.save();
  const bytes = new Uint8Array([...one.bytes, ...stray]);
  const loaded = decodeJournal(bytes);
  assert.equal(loaded.records, 1);
  assert.match(loaded.damaged ?? "", /from seq 9, the records before end at 5/);
});

test("a journal started anew and the one before it add up to the ring; a torn first record leaves the one before it", () => {
  const journal = new Journal(30);
  journal.saves(20, [10]);
  journal.rotate();
  const before = decodeJournal(journal.previous ?? new Uint8Array(0)).state;
  journal.publish(10);
  const first = journal.save();
  journal.publish(5);
  journal.save();
  const loaded = decodeJournal(journal.bytes, journal.previous);
  assert.equal(loaded.records, 4);
  assert.equal(loaded.damaged, undefined);
  assert.ok(loaded.state && before);
  assert.deepEqual(entriesOf(loaded.state.ring), entriesOf(journal.hub.ring.exportEntries()));
  assert.equal(loaded.state.ring.oldestSeq, 16);
  // a crash in the new journal's first append: the one before it is resumed, whole
  const torn = decodeJournal(first.subarray(0, first.length >> 1), journal.previous);
  assert.ok(torn.state);
  assert.deepEqual(entriesOf(torn.state.ring), entriesOf(before.ring));
  assert.match(torn.damaged ?? "", /^record 3 at byte 0: cut short/);
  assert.equal(torn.damagedIn, "journal");
  // the one before it damaged: said as its own, and the ring starts at the journal's first entry
  const previous = (journal.previous ?? new Uint8Array(0)).slice();
  previous[previous.length - 20] = (previous[previous.length - 20] as number) ^ 0x20;
  const older = decodeJournal(journal.bytes, previous);
  assert.equal(older.damagedIn, "previous");
  assert.match(older.damaged ?? "", /^record 2 at byte \d+: checksum mismatch/);
  assert.deepEqual(
    entriesOf(older.state?.ring ?? journal.hub.ring.exportEntries(0)).map((e) => e.split(" ")[1]),
    Array.from({ length: 15 }, (_, i) => `m${31 + i}`),
  );
});

test("a journal written afresh, or one that does not run on from the one before it, starts the ring itself", () => {
  const journal = new Journal(50);
  journal.publish(10);
  journal.save({ fresh: true });
  journal.rotate();
  const left = journal.previous ?? new Uint8Array(0);
  journal.publish(5);
  journal.save({ fresh: true });
  const alone = decodeJournal(journal.bytes).state;
  const beside = decodeJournal(journal.bytes, left);
  assert.ok(alone && beside.state);
  assert.deepEqual(entriesOf(beside.state.ring), entriesOf(alone.ring));
  assert.equal(beside.state.ring.levels.length, 15);
  // not read at all: even a damaged one is not said
  const garbage = decodeJournal(journal.bytes, new TextEncoder().encode("#12 00000000\nnot a record"));
  assert.equal(garbage.damaged, undefined);
  assert.deepEqual(entriesOf(garbage.state?.ring ?? alone.ring), entriesOf(alone.ring));
  // the one before it from another run (its seqs end elsewhere): not spliced in, the journal's own kept
  const other = new Journal(50);
  other.publish(3);
  other.save({ fresh: true });
  journal.rotate();
  journal.publish(4);
  journal.save();
  const stray = decodeJournal(journal.bytes, other.bytes);
  assert.equal(stray.damaged, undefined);
  assert.deepEqual(
    entriesOf(stray.state?.ring ?? journal.hub.ring.exportEntries(0)).map((e) => e.split(" ")[1]),
    ["m16", "m17", "m18", "m19"],
  );
});
