import assert from "node:assert/strict";
import { test } from "node:test";
import type { FileStat } from "../runtime.ts";
import { type Checkpoints, planResume } from "./resume.ts";
import type { FilePosition } from "./tailer.ts";

const file = (ino: number, size = 100): FileStat => ({ dev: 1, ino, size, mtimeMs: 0, kind: "file" });
const at = (ino: number, offset: number): FilePosition => ({
  dev: 1,
  ino,
  prefix: { length: 8, hash: ino },
  offset,
});

/** A directory: path → inode of what is there; locate finds a checkpoint's inode under any name. */
function plan(
  listed: Record<string, number>,
  checkpoints: Record<string, FilePosition[]> | undefined,
  options: {
    unlisted?: Record<string, number>;
    samePrefix?: boolean;
    readFrom?: "checkpoint" | "end" | "beginning";
  } = {},
) {
  const everything = { ...listed, ...options.unlisted };
  return planResume(
    options.readFrom ?? "checkpoint",
    new Map(Object.entries(listed).map(([path, ino]) => [path, file(ino)])),
    checkpoints === undefined ? undefined : (new Map(Object.entries(checkpoints)) as Checkpoints),
    async (_path, position) => Object.entries(everything).find(([, ino]) => ino === position.ino)?.[0],
    async () => options.samePrefix ?? true,
  );
}

test("no state yet: every file present starts at its end; read_from overrides", async () => {
  assert.deepEqual([...(await plan({ "/a": 1 }, undefined)).starts], [["/a", "end"]]);
  assert.deepEqual([...(await plan({ "/a": 1 }, {}, { readFrom: "end" })).starts], [["/a", "end"]]);
  assert.deepEqual(
    [...(await plan({ "/a": 1 }, { "/a": [at(1, 5)] }, { readFrom: "beginning" })).starts],
    [["/a", "beginning"]],
  );
});

test("same identity resumes at its offset; a file no checkpoint knows appeared while down: from its start", async () => {
  const result = await plan({ "/a": 1, "/new": 2 }, { "/a": [at(1, 40)] });
  assert.deepEqual(result.starts.get("/a"), at(1, 40));
  assert.equal(result.starts.get("/new"), "beginning");
  assert.deepEqual(result.rotated, []);
  assert.deepEqual(result.gone, []);
});

test("rotated while down: the old file, found under another name, is drained first; the new file from its start", async () => {
  const result = await plan({ "/a": 2 }, { "/a": [at(1, 40)] }, { unlisted: { "/a.1": 1 } });
  assert.deepEqual(result.rotated, [{ path: "/a", from: "/a.1", position: at(1, 40) }]);
  assert.equal(result.starts.get("/a"), "beginning");
});

test("rotated to a name the targets match too: that path resumes the checkpoint (no second reading)", async () => {
  const result = await plan({ "/a": 2, "/a.1.log": 1 }, { "/a": [at(1, 40)] });
  assert.deepEqual(result.starts.get("/a.1.log"), at(1, 40));
  assert.equal(result.starts.get("/a"), "beginning");
  assert.deepEqual(result.rotated, []);
});

test("a reused inode under another name is not the checkpoint's file without its first bytes", async () => {
  const result = await plan({ "/fresh": 1 }, { "/gone": [at(1, 40)] }, { samePrefix: false });
  assert.equal(result.starts.get("/fresh"), "beginning");
  assert.deepEqual(result.gone, [{ path: "/gone", position: at(1, 40) }]);
});

test("replaced while down (another file at the path, the old one nowhere): the checkpoint goes to the opener, which reads from 0", async () => {
  const result = await plan({ "/a": 2 }, { "/a": [at(1, 40)] });
  assert.deepEqual(result.starts.get("/a"), at(1, 40));
  assert.deepEqual(result.gone, []);
});

test("deleted while down: gone, once per file; a rotated file still draining that is gone too", async () => {
  const result = await plan({ "/b": 3 }, { "/a": [at(1, 40)], "/b": [at(2, 7), at(3, 9)] });
  assert.deepEqual(result.gone, [
    { path: "/a", position: at(1, 40) },
    { path: "/b", position: at(2, 7) },
  ]);
  assert.deepEqual(result.starts.get("/b"), at(3, 9));
});
