// A Tailer started on a checkpoint of the last run: resumed where it stopped when the file is the same,
// from its start when it was truncated or replaced, and a file rotated away while down read on first.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { nodeFileSystem } from "../../adapters/_shared/node-fs.ts";
import { type FilePosition, Tailer } from "./tailer.ts";

let dir: string;
let path: string;
let lines: string[];
let notices: string[];
let positions: FilePosition[];
let tailers: Tailer[];

function makeTailer(): Tailer {
  const tailer = new Tailer(
    path,
    "app.log",
    nodeFileSystem,
    {
      rotateWaitMs: 1000,
      maxLineBytes: 1024,
      maxBytesPerPoll: 1 << 20,
      buffer: new Uint8Array(64),
      yieldToEventLoop: () => Promise.resolve(),
    },
    {
      line: (_t, text) => lines.push(text),
      position: (_t, at) => positions.push(at),
      notice: (_t, _kind, detail) => notices.push(detail),
    },
  );
  tailers.push(tailer);
  return tailer;
}

/** A first run: the tailer reads the file as it is, and the last position is its checkpoint. */
async function checkpointOf(text: string): Promise<FilePosition> {
  writeFileSync(path, text);
  const first = makeTailer();
  await first.poll(await nodeFileSystem.stat(path), false, 0);
  await first.close();
  lines = [];
  notices = [];
  const last = positions.at(-1);
  assert.ok(last);
  positions = [];
  return last;
}

async function firstPoll(tailer: Tailer, fromEnd = true): Promise<void> {
  await tailer.poll(await nodeFileSystem.stat(path), fromEnd, 10);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-resume-"));
  path = join(dir, "app.log");
  lines = [];
  notices = [];
  positions = [];
  tailers = [];
});

afterEach(async () => {
  for (const tailer of tailers) await tailer.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the same file, grown while down: only the lines after the checkpoint", async () => {
  const checkpoint = await checkpointOf("one\ntwo\n");
  appendFileSync(path, "three\nfour\n");
  const tailer = makeTailer();
  tailer.resumeFrom(checkpoint);
  await firstPoll(tailer);
  assert.deepEqual(lines, ["three", "four"]);
  assert.deepEqual(notices, []);
});

test("opened at a checkpoint, the start itself is reported: a file with nothing new keeps its place", async () => {
  const checkpoint = await checkpointOf("one\ntwo\n");
  const tailer = makeTailer();
  tailer.resumeFrom(checkpoint);
  await firstPoll(tailer);
  assert.deepEqual(lines, []);
  assert.deepEqual(positions.at(-1), checkpoint);
});

test("truncated while down (shorter than the checkpoint): from its start, said once", async () => {
  const checkpoint = await checkpointOf("a long first line\nanother long line\n");
  writeFileSync(path, "short\n");
  const tailer = makeTailer();
  tailer.resumeFrom(checkpoint);
  await firstPoll(tailer);
  assert.deepEqual(lines, ["short"]);
  assert.equal(notices.length, 1);
  assert.match(notices[0] ?? "", /truncated while logwisp was down; reading it from its start/);
});

test("rewritten while down, as long or longer (other first bytes): from its start", async () => {
  const checkpoint = await checkpointOf("first\n");
  writeFileSync(path, "FIRST, rewritten longer\nsecond\n");
  const tailer = makeTailer();
  tailer.resumeFrom(checkpoint);
  await firstPoll(tailer);
  assert.deepEqual(lines, ["FIRST, rewritten longer", "second"]);
});

test("replaced while down (another inode at the path): from its start, said as replaced", async () => {
  const checkpoint = await checkpointOf("old\n");
  rmSync(path);
  writeFileSync(join(dir, "keep-the-inode-busy"), "x");
  writeFileSync(path, "new one\n");
  const tailer = makeTailer();
  tailer.resumeFrom(checkpoint);
  await firstPoll(tailer);
  assert.deepEqual(lines, ["new one"]);
  assert.match(notices.join("\n"), /replaced while logwisp was down|truncated while logwisp was down/);
});

test("rotated while down: the old file's rest first, from its checkpoint, then the new file from its start", async () => {
  const checkpoint = await checkpointOf("old 1\n");
  appendFileSync(path, "old 2\nold 3\n");
  renameSync(path, join(dir, "app.log.1"));
  writeFileSync(path, "new 1\n");
  const tailer = makeTailer();
  assert.equal(await tailer.adoptRotated(join(dir, "app.log.1"), checkpoint, 10), true);
  tailer.resumeFrom("beginning");
  await firstPoll(tailer);
  assert.deepEqual(lines, ["old 2", "old 3", "new 1"]);
  assert.match(notices.join("\n"), /rotated while logwisp was down; reading the rest of the old file/);
  assert.equal(tailer.status().draining, 1, "kept for the grace window like any rotated file");
});

test("a file that is not the checkpoint's (other first bytes) is not adopted", async () => {
  const checkpoint = await checkpointOf("old 1\n");
  writeFileSync(join(dir, "other"), "something else\n");
  const tailer = makeTailer();
  assert.equal(await tailer.adoptRotated(join(dir, "other"), checkpoint, 10), false);
  assert.equal(tailer.status().draining, 0);
});
