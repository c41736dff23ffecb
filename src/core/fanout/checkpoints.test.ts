import assert from "node:assert/strict";
import { test } from "node:test";
import type { FilePosition } from "../tail/tailer.ts";
import { CheckpointStore } from "./checkpoints.ts";

const at = (ino: number, offset: number): FilePosition => ({
  dev: 1,
  ino,
  prefix: { length: 4, hash: 7 },
  offset,
});

test("a file's position moves on; a new file at the path (a rotation) is kept after the old one", () => {
  const store = new CheckpointStore();
  store.advance("/a.log", at(10, 5));
  store.advance("/a.log", at(10, 9));
  store.advance("/a.log", at(11, 0));
  store.advance("/a.log", at(10, 12));
  assert.deepEqual(store.snapshot().get("/a.log"), [at(10, 12), at(11, 0)]);
});

test("a rotated-away file let go, and a path forgotten, leave the checkpoints", () => {
  const store = new CheckpointStore(new Map([["/a.log", [at(10, 5), at(11, 3)]]]));
  store.release("/a.log", { dev: 1, ino: 10 });
  assert.deepEqual(store.snapshot().get("/a.log"), [at(11, 3)]);
  store.release("/a.log", { dev: 1, ino: 11 });
  assert.equal(store.snapshot().has("/a.log"), false);
  store.advance("/b.log", at(12, 1));
  store.forget("/b.log");
  assert.equal(store.snapshot().size, 0);
});

test("the version moves with every change, so a saver skips a save when nothing moved", () => {
  const store = new CheckpointStore();
  const before = store.version;
  store.forget("/none");
  store.release("/none", { dev: 1, ino: 1 });
  assert.equal(store.version, before);
  store.advance("/a.log", at(1, 1));
  assert.ok(store.version > before);
});

test("a snapshot is a copy: later advances do not change it", () => {
  const store = new CheckpointStore();
  store.advance("/a.log", at(1, 1));
  const snapshot = store.snapshot();
  store.advance("/a.log", at(1, 2));
  store.advance("/a.log", at(2, 0));
  assert.deepEqual(snapshot.get("/a.log"), [at(1, 1)]);
});
