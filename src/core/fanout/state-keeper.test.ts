// The state directory: where it is, one per instance, its lock, and saves that fail without stopping
// anything. On the real file system (node's adapter), in a temp dir.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import { type Config, defaultConfig } from "../config/schema.ts";
import type { Runtime } from "../runtime.ts";
import { Hub } from "./hub.ts";
import { instanceName, StateDir, StateLockedError, stateBaseDir } from "./state-dir.ts";
import { encodeState } from "./state-file.ts";
import { MIN_ROTATION_BYTES, StateKeeper } from "./state-keeper.ts";

let dir: string;
let logged: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-state-"));
  logged = [];
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runtime(overrides: Partial<Runtime> = {}): Runtime {
  return { ...createNodeRuntime(), log: (line: string) => logged.push(line), ...overrides };
}

function config(state: Partial<Config["state"]> = {}): Config {
  const base = defaultConfig();
  return { ...base, state: { ...base.state, dir: join(dir, "state"), ...state } };
}

test("where the state lives: the config's dir, else $XDG_STATE_HOME/logwisp, else ~/.local/state/logwisp", () => {
  const rt = runtime({ env: {}, homeDir: "/home/u" });
  assert.equal(stateBaseDir(rt, config()), join(dir, "state"));
  assert.equal(stateBaseDir(rt, config({ dir: undefined })), "/home/u/.local/state/logwisp");
  const xdg = runtime({ env: { XDG_STATE_HOME: "/xdg" }, homeDir: "/home/u" });
  assert.equal(stateBaseDir(xdg, config({ dir: undefined })), "/xdg/logwisp");
  // the XDG spec ignores a relative value
  const relative = runtime({ env: { XDG_STATE_HOME: "xdg" }, homeDir: "/home/u" });
  assert.equal(stateBaseDir(relative, config({ dir: undefined })), "/home/u/.local/state/logwisp");
  assert.equal(stateBaseDir(rt, config({ enabled: false })), undefined);
});

test("one subdirectory per set of targets: the same targets in any order share it, others do not", () => {
  const rt = runtime();
  const a = { path: "/var/log", pattern: "*.log" };
  const b = { path: "/srv/app.log", pattern: "*.log", is_file: true };
  assert.match(instanceName(rt, [a]), /^targets-[0-9a-f]{8}$/);
  assert.equal(instanceName(rt, [a, b]), instanceName(rt, [b, a]));
  assert.notEqual(instanceName(rt, [a]), instanceName(rt, [a, b]));
  assert.notEqual(instanceName(rt, [a]), instanceName(rt, [{ ...a, pattern: "*.txt" }]));
});

test("a second instance on a locked state is refused, naming the first's pid and start", async () => {
  const first = await StateDir.open(runtime(), dir, "i", Date.UTC(2026, 0, 2), () => undefined);
  const second = StateDir.open(
    runtime({ pid: 4242, isProcessAlive: () => true }),
    dir,
    "i",
    0,
    () => undefined,
  );
  await assert.rejects(second, (error: unknown) => {
    assert.ok(error instanceof StateLockedError);
    assert.match(error.message, new RegExp(`pid ${process.pid}, started 2026-01-02T00:00:00.000Z`));
    return true;
  });
  await first.unlock();
  await StateDir.open(runtime({ pid: 4242 }), dir, "i", 0, () => undefined);
});

test("a stale lock (its pid gone) is taken over with a note; one whose owner cannot be told is refused", async () => {
  await StateDir.open(runtime(), dir, "i", 0, () => undefined);
  const notes: string[] = [];
  const dead = runtime({ pid: 4242, isProcessAlive: () => false });
  await StateDir.open(dead, dir, "i", 0, (line) => notes.push(line));
  assert.match(notes.join("\n"), new RegExp(`taking over the state in .*pid ${process.pid}.*which is gone`));
  assert.match(readFileSync(join(dir, "i", "lock"), "utf8"), /"pid":4242/);
  const unknown = runtime({ pid: 7, isProcessAlive: () => undefined });
  await assert.rejects(
    StateDir.open(unknown, dir, "i", 0, () => undefined),
    StateLockedError,
  );
});

test("state that cannot be saved (a full disk) is said once and counted; streaming is not stopped", async () => {
  let failing = true;
  const rt = runtime();
  const fs = {
    ...rt.fs,
    writeFileAtomic: (path: string, bytes: Uint8Array) =>
      failing
        ? Promise.reject(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }))
        : rt.fs.writeFileAtomic(path, bytes),
  };
  const hub = new Hub({ replaySize: 10 });
  const keeper = await StateKeeper.open({ ...rt, fs }, config(), hub, Date.now());
  const position = { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: 1 };
  for (let i = 0; i < 3; i++) {
    keeper.advance("/a.log", { ...position, offset: i });
    await keeper.save(false);
  }
  assert.equal(keeper.status().write_failures, 3);
  assert.equal(
    logged.filter((line) => /cannot save the state.*ENOSPC/.test(line)).length,
    1,
    logged.join("\n"),
  );
  assert.match(keeper.status().error ?? "", /ENOSPC/);
  failing = false;
  keeper.advance("/a.log", { ...position, offset: 9 });
  await keeper.stop();
  assert.equal(keeper.status().writes, 1);
  assert.equal(keeper.status().error, null);
  assert.match(logged.join("\n"), /saving to .* works again/);
});

test("a state directory that cannot be made: a warning, and the run goes on without state", async () => {
  writeFileSync(join(dir, "file"), "not a directory");
  const hub = new Hub({ replaySize: 10 });
  const keeper = await StateKeeper.open(runtime(), config({ dir: join(dir, "file") }), hub, Date.now());
  assert.equal(keeper.saved, undefined);
  assert.match(keeper.status().error ?? "", /cannot use the state directory/);
  assert.match(logged.join("\n"), /warning: cannot use the state directory .*will not outlive this run/);
  await keeper.stop();
});

test("a clean stop saves the ring and checkpoints as a pair; the next start restores both", async () => {
  const { hub, keeper } = await opened(10, "first");
  assert.equal(keeper.saved, undefined, "no state yet");
  hub.publishBatch(['{"source":"a.log","message":"one"}', '{"source":"a.log","message":"two"}']);
  keeper.advance("/a.log", { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: 8 });
  await keeper.stop();
  const next = new Hub({ replaySize: 10, runId: "second" });
  const again = await StateKeeper.open(runtime(), config(), next, Date.now());
  assert.equal(next.runId, "first");
  assert.equal(next.ring.newestSeq, 2);
  assert.equal(again.saved?.get("/a.log")?.[0]?.offset, 8);
  assert.equal(again.status().resumed_from, "clean");
  assert.equal(again.status().ring_loaded_entries, 2);
  await again.stop();
});

/** An entry's JSON text of about 190 bytes, as the pause figures are taken with. */
const line = (i: number) =>
  JSON.stringify({
    source: "app.log",
    level: "info",
    message: `GET /api/items/${i} 200 ${"x".repeat(120)}`,
  });

test("the pause of a save with 10,000 entries held (figure, not asserted)", async (t) => {
  const hub = new Hub({ replaySize: 10_000, runId: "bench" });
  for (let i = 0; i < 10_000; i += 500) hub.publishBatch(Array.from({ length: 500 }, (_, j) => line(i + j)));
  const keeper = await StateKeeper.open(runtime(), config(), hub, Date.now());
  const pauses: number[] = [];
  for (let i = 0; i < 20; i++) {
    keeper.advance("/a.log", { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: i + 1 });
    await keeper.save(false);
    pauses.push(keeper.status().last_save_pause_ms ?? Number.NaN);
  }
  pauses.sort((a, b) => a - b);
  t.diagnostic(
    `save pause with ${hub.ring.size} entries (${hub.ring.bytes} bytes): median ${pauses[10]} ms, max ${pauses[19]} ms`,
  );
  assert.equal(keeper.status().ring_saved_entries, 10_000);
  await keeper.stop();
});

test("the pause of a save after 1,000 new entries with 10,000 held (figure, not asserted)", async (t) => {
  const hub = new Hub({ replaySize: 10_000, runId: "bench" });
  let published = 0;
  const publish = (count: number) => {
    for (let end = published + count; published < end; published += 500)
      hub.publishBatch(Array.from({ length: 500 }, (_, j) => line(published + j)));
  };
  publish(10_000);
  const keeper = await StateKeeper.open(runtime(), config(), hub, Date.now());
  const pauses: number[] = [];
  for (let i = 0; i < 21; i++) {
    // a second of a 1,000 lines/s stream between two saves
    publish(1000);
    keeper.advance("/a.log", { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: i + 1 });
    await keeper.save(false);
    if (i > 0) pauses.push(keeper.status().last_save_pause_ms ?? Number.NaN);
  }
  pauses.sort((a, b) => a - b);
  t.diagnostic(
    `save pause after 1,000 new entries, ${hub.ring.size} held: median ${pauses[10]} ms, max ${pauses[19]} ms`,
  );
  assert.equal(keeper.status().ring_saved_entries, 10_000);
  await keeper.stop();
});

const journalOf = () =>
  join(dir, "state", instanceName(runtime(), config().monitor.targets), "state.journal");
const journalSize = () => statSync(journalOf()).size;
const padded = (i: number, pad = 100) =>
  JSON.stringify({ source: `f${i % 3}.log`, level: "info", message: `line ${i} ${"x".repeat(pad)}` });
let offset = 0;
const advance = (keeper: StateKeeper) =>
  keeper.advance("/a.log", { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: ++offset });

/** The ring's entries as `seq source level text`, for comparing two rings. */
function entriesOf(hub: Hub): string[] {
  const lines: string[] = [];
  for (let seq = hub.ring.oldestSeq; seq <= hub.ring.newestSeq; seq++) {
    const entry = hub.ring.get(seq);
    lines.push(`${seq} ${entry?.source} ${entry?.level} ${entry?.json}`);
  }
  return lines;
}

/** A hub and its keeper on the test's state directory, as a start makes them. */
async function opened(
  replaySize: number,
  runId: string,
  rt: Runtime = runtime(),
): Promise<{ hub: Hub; keeper: StateKeeper }> {
  const hub = new Hub({ replaySize, runId });
  const keeper = await StateKeeper.open(rt, config(), hub, Date.now());
  return { hub, keeper };
}

/** What a new start restores from the state directory: its hub and keeper (stopped: nothing is saved). */
function reopen(replaySize: number): Promise<{ hub: Hub; keeper: StateKeeper }> {
  return opened(replaySize, "next");
}

test("a save appends what was published since the last one, not the ring; a new start loads the last save", async () => {
  const { hub, keeper } = await opened(10_000, "first");
  hub.publishBatch(Array.from({ length: 5000 }, (_, i) => padded(i)));
  advance(keeper);
  await keeper.save(false);
  const whole = journalSize();
  assert.ok(whole > 5000 * 100, `the first save holds the ring (${whole} bytes)`);
  for (let round = 0; round < 3; round++) {
    const before = journalSize();
    hub.publishBatch(Array.from({ length: 100 }, (_, i) => padded(5000 + round * 100 + i)));
    advance(keeper);
    await keeper.save(false);
    const added = journalSize() - before;
    const entryBytes = padded(1).length + 1;
    // the entries' text, plus a level and a source id each and the header with its checkpoints
    assert.ok(added >= 100 * entryBytes && added < 100 * (entryBytes + 8) + 1024, `appended ${added} bytes`);
  }
  assert.equal(keeper.status().ring_saved_entries, 5300);
  // a crash (no stop): the next start has the ring and the checkpoint of the last save
  const next = await reopen(10_000);
  assert.deepEqual(entriesOf(next.hub), entriesOf(hub));
  assert.equal(next.keeper.saved?.get("/a.log")?.[0]?.offset, offset);
  assert.equal(next.keeper.status().resumed_from, "crash");
});

test("past the ring a new journal is started beside the one before it: nothing is written twice, and the two load the same", async () => {
  const rt = runtime();
  let written = 0;
  const fs = {
    ...rt.fs,
    appendAndSync: (path: string, bytes: Uint8Array) => {
      written += bytes.length;
      return rt.fs.appendAndSync(path, bytes);
    },
    writeFileAtomic: (path: string, bytes: Uint8Array) => {
      written += bytes.length;
      return rt.fs.writeFileAtomic(path, bytes);
    },
  };
  const { hub, keeper } = await opened(200, "first", { ...rt, fs });
  let published = 0;
  let textBytes = 0;
  const sizes: number[] = [];
  for (let round = 0; round < 40; round++) {
    const batch = Array.from({ length: 50 }, () => padded(published++, 500));
    textBytes += batch.reduce((sum, text) => sum + text.length + 1, 0);
    hub.publishBatch(batch);
    advance(keeper);
    await keeper.save(false);
    sizes.push(journalSize());
  }
  const started = sizes.filter((size, i) => i > 0 && size < (sizes[i - 1] as number)).length;
  assert.ok(started >= 2, `started anew ${started} times: ${sizes.join(" ")}`);
  // each entry once (a level and a source id each, a header per save), never the ring again
  assert.ok(
    written < textBytes + 40 * (50 * 8 + 1024),
    `${written} bytes written for ${textBytes} of entries`,
  );
  const ringBytes = hub.ring.bytes + hub.ring.size;
  const previous = statSync(`${journalOf()}.1`).size;
  const record = 50 * 600;
  for (const size of [...sizes, previous])
    assert.ok(
      size <= Math.max(MIN_ROTATION_BYTES, ringBytes) + record,
      `sizes ${sizes.join(" ")} ${previous}`,
    );
  const next = await reopen(200);
  assert.deepEqual(entriesOf(next.hub), entriesOf(hub));
  assert.equal(next.hub.ring.oldestSeq, published - 199);
  // its first save writes the whole ring afresh: the journal before it is gone
  advance(next.keeper);
  await next.keeper.stop();
  assert.equal(existsSync(`${journalOf()}.1`), false);
  assert.deepEqual(entriesOf((await reopen(200)).hub), entriesOf(hub));
});

test("a damaged journal before the last is said by its name; the ring then starts where the last journal does", async () => {
  const { hub, keeper } = await opened(200, "first");
  let published = 0;
  while (!existsSync(`${journalOf()}.1`) && published < 10_000) {
    hub.publishBatch(Array.from({ length: 50 }, () => padded(published++, 500)));
    advance(keeper);
    await keeper.save(false);
  }
  const previous = readFileSync(`${journalOf()}.1`);
  previous[previous.length - 100] = (previous[previous.length - 100] as number) ^ 0x20;
  writeFileSync(`${journalOf()}.1`, previous);
  logged.length = 0;
  const next = await reopen(200);
  assert.match(
    logged.join("\n"),
    /the state journal .*state\.journal\.1 \(the one before .*state\.journal\) has a save cut short or damaged \(record \d+ at byte \d+: checksum mismatch\); the replay ring holds only the entries after it/,
  );
  assert.doesNotMatch(logged.join("\n"), /ends with a save cut short/);
  // the last journal's entries, and its checkpoints
  assert.deepEqual(entriesOf(next.hub), entriesOf(hub).slice(-next.hub.ring.size));
  assert.ok(next.hub.ring.size > 0 && next.hub.ring.size < 200, `${next.hub.ring.size} entries`);
  assert.equal(next.keeper.saved?.get("/a.log")?.[0]?.offset, offset);
});

test("a save cut short by a crash is left out: the save before it is resumed, and the next save starts afresh", async () => {
  const { hub, keeper } = await opened(100, "first");
  hub.publishBatch(Array.from({ length: 30 }, (_, i) => padded(i)));
  advance(keeper);
  await keeper.save(false);
  const expected = entriesOf(hub);
  const savedOffset = offset;
  // what a crash in the middle of an append leaves: the start of the next record
  hub.publishBatch(Array.from({ length: 10 }, (_, i) => padded(30 + i)));
  advance(keeper);
  const sizeBefore = journalSize();
  await keeper.save(false);
  const whole = readFileSync(journalOf());
  writeFileSync(journalOf(), whole.subarray(0, sizeBefore + Math.floor((whole.length - sizeBefore) / 2)));
  const next = await reopen(100);
  assert.deepEqual(entriesOf(next.hub), expected);
  assert.equal(next.keeper.saved?.get("/a.log")?.[0]?.offset, savedOffset);
  assert.match(
    logged.join("\n"),
    /the state journal .* ends with a save cut short .*record 2.*resuming from the save before it/,
  );
  // the next run's first save replaces the journal: nothing torn stays in the middle of it
  logged.length = 0;
  advance(next.keeper);
  await next.keeper.stop();
  await reopen(100);
  assert.doesNotMatch(logged.join("\n"), /cut short/);
});

test("a failed append (part of a record written) is followed by a journal written afresh", async () => {
  const rt = runtime();
  let failNext = false;
  const fs = {
    ...rt.fs,
    appendAndSync: async (path: string, bytes: Uint8Array) => {
      if (!failNext) return rt.fs.appendAndSync(path, bytes);
      failNext = false;
      await rt.fs.appendAndSync(path, bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    },
  };
  const { hub, keeper } = await opened(100, "first", { ...rt, fs });
  for (const fail of [false, false, true, false]) {
    failNext = fail;
    hub.publishBatch(Array.from({ length: 5 }, (_, i) => padded(i)));
    advance(keeper);
    await keeper.save(false);
  }
  assert.equal(keeper.status().write_failures, 1);
  logged.length = 0;
  const next = await reopen(100);
  assert.deepEqual(entriesOf(next.hub), entriesOf(hub));
  assert.doesNotMatch(logged.join("\n"), /cut short/);
});

test("a state file of an earlier logwisp (format 1) is read once, then replaced by the journal", async () => {
  const old = new Hub({ replaySize: 10, runId: "old" });
  old.publishBatch([padded(1), padded(2), padded(3)]);
  const instance = join(dir, "state", instanceName(runtime(), config().monitor.targets));
  mkdirSync(instance, { recursive: true });
  const position = { dev: 1, ino: 2, prefix: { length: 0, hash: 0 }, offset: 42 };
  writeFileSync(
    join(instance, "state.jsonl"),
    encodeState({
      clean: true,
      savedAtMs: 1,
      run: "old",
      earlierRuns: [],
      checkpoints: new Map([["/a.log", [position]]]),
      ring: old.ring.exportEntries(),
    }),
  );
  const { hub, keeper } = await reopen(10);
  assert.equal(hub.runId, "old");
  assert.deepEqual(entriesOf(hub), entriesOf(old));
  assert.equal(keeper.saved?.get("/a.log")?.[0]?.offset, 42);
  await keeper.stop();
  assert.equal(existsSync(join(instance, "state.jsonl")), false);
  const again = await reopen(10);
  assert.deepEqual(entriesOf(again.hub), entriesOf(old));
  assert.equal(again.keeper.saved?.get("/a.log")?.[0]?.offset, 42);
});
