// The state directory: where it is, one per instance, its lock, and saves that fail without stopping
// anything. On the real file system (node's adapter), in a temp dir.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import { type Config, defaultConfig } from "../config/schema.ts";
import type { Runtime } from "../runtime.ts";
import { Hub } from "./hub.ts";
import { instanceName, StateDir, StateLockedError, stateBaseDir } from "./state-dir.ts";
import { StateKeeper } from "./state-keeper.ts";

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
  const hub = new Hub({ replaySize: 10, runId: "first" });
  const keeper = await StateKeeper.open(runtime(), config(), hub, Date.now());
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

test("the pause of a save with 10,000 entries held (figure, not asserted)", async (t) => {
  const hub = new Hub({ replaySize: 10_000, runId: "bench" });
  const line = (i: number) =>
    JSON.stringify({
      source: "app.log",
      level: "info",
      message: `GET /api/items/${i} 200 ${"x".repeat(120)}`,
    });
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
