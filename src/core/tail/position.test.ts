// Line-aligned positions: what a checkpoint or a published batch's end is made of. Every line before a
// reported offset was handed on, and the offset is never inside a line.

import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { nodeFileSystem } from "../../adapters/_shared/node-fs.ts";
import { LineSplitter } from "./lines.ts";
import { type FilePosition, Tailer } from "./tailer.ts";

test("the splitter tells how far back the unfinished line starts", () => {
  const lines: string[] = [];
  const splitter = new LineSplitter(1024, (text) => lines.push(text));
  assert.equal(splitter.lineStartBack, 0);
  splitter.push(new TextEncoder().encode("one\ntw"));
  assert.equal(splitter.lineStartBack, 2);
  splitter.push(new TextEncoder().encode("o and"));
  assert.equal(splitter.lineStartBack, 7);
  splitter.push(new TextEncoder().encode(" more\n"));
  assert.equal(splitter.lineStartBack, 0);
  assert.deepEqual(lines, ["one", "two and more"]);
});

test("begun mid-line, the start is unknown until the next newline", () => {
  const splitter = new LineSplitter(1024, () => undefined);
  splitter.skipToNextLine();
  splitter.push(new TextEncoder().encode("rest of a line"));
  assert.equal(splitter.lineStartBack, undefined);
  splitter.push(new TextEncoder().encode(" ends\nnext"));
  assert.equal(splitter.lineStartBack, 4);
});

test("an over-long line counts whole, up to its newline, though only its head was emitted", () => {
  const lines: string[] = [];
  const splitter = new LineSplitter(4, (text) => lines.push(text));
  splitter.push(new TextEncoder().encode("abcdefgh"));
  assert.equal(splitter.lineStartBack, 8);
  splitter.push(new TextEncoder().encode("ij\nk"));
  assert.equal(splitter.lineStartBack, 1);
  assert.deepEqual(lines, ["abcd"]);
});

let dir: string;
let path: string;
/** Each position with the number of lines handed on when it came. */
let positions: Array<FilePosition & { lines: number }>;
let lines: string[];
let tailer: Tailer;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-position-"));
  path = join(dir, "app.log");
  positions = [];
  lines = [];
  clock = 0;
  tailer = new Tailer(
    path,
    "app.log",
    nodeFileSystem,
    {
      rotateWaitMs: 1000,
      maxLineBytes: 1024,
      maxBytesPerPoll: 1 << 20,
      // small reads: many pieces, so positions come in the middle of a poll too
      buffer: new Uint8Array(16),
      yieldToEventLoop: () => Promise.resolve(),
    },
    {
      line: (_t, text) => lines.push(text),
      position: (_t, at) => positions.push({ ...at, lines: lines.length }),
      notice: () => undefined,
    },
  );
});

afterEach(async () => {
  await tailer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function poll(fromEnd = false): Promise<void> {
  clock += 10;
  await tailer.poll(await nodeFileSystem.stat(path), fromEnd, clock);
}

/** The number of lines that end at or before each offset in the text. */
function linesBefore(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length - 1;
}

test("each position is a line boundary, with exactly the lines before it handed on", async () => {
  const text = "alpha\nbravo charlie delta\necho\nfoxtrot golf hotel india\npartial";
  writeFileSync(path, text);
  await poll();
  assert.ok(positions.length >= 3, `several positions over 16-byte reads, got ${positions.length}`);
  const { ino, dev } = statSync(path);
  for (const at of positions) {
    assert.ok(at.offset === 0 || text[at.offset - 1] === "\n", `offset ${at.offset} is after a newline`);
    assert.equal(at.lines, linesBefore(text, at.offset));
    assert.equal(at.ino, ino);
    assert.equal(at.dev, dev);
  }
  // the unfinished "partial" is not covered: a restart from here reads it whole
  assert.equal(positions.at(-1)?.offset, text.lastIndexOf("\n") + 1);
  appendFileSync(path, " line\n");
  await poll();
  assert.equal(positions.at(-1)?.offset, text.length + " line\n".length);
  assert.equal(lines.at(-1), "partial line");
});

test("a file followed from its end inside an over-long line reports no position until that line ends", async () => {
  // no newline within maxLineBytes of the end: the reader starts at the end, inside that line
  const head = `old\n${"y".repeat(2000)}`;
  writeFileSync(path, head);
  await poll(true);
  assert.equal(positions.length, 0);
  appendFileSync(path, " still\nnext\n");
  await poll();
  assert.deepEqual(lines, ["next"]);
  assert.equal(positions.at(-1)?.offset, head.length + " still\nnext\n".length);
});

test("after a truncation positions start over from 0", async () => {
  writeFileSync(path, "first line of many bytes\nsecond line here\n");
  await poll();
  truncateSync(path, 0);
  writeFileSync(path, "new\n");
  await poll();
  assert.equal(lines.at(-1), "new");
  assert.equal(positions.at(-1)?.offset, 4);
});

test("opening a file reports where its lines start: after the last newline of a file there at start, 0 for a new one", async () => {
  writeFileSync(path, "old one\nold two\n");
  await poll(true);
  assert.deepEqual(
    positions.map((at) => [at.offset, at.lines]),
    [[16, 0]],
  );
  rmSync(path);
  await poll();
  writeFileSync(path, "new\n");
  await poll();
  assert.deepEqual(
    positions.slice(1).map((at) => [at.offset, at.lines]),
    [
      [0, 0],
      [4, 1],
    ],
  );
});

test("a truncation reports offset 0 before the lines read after it", async () => {
  writeFileSync(path, "first line of many bytes\nsecond line here\n");
  await poll();
  const before = positions.length;
  truncateSync(path, 0);
  writeFileSync(path, "new\n");
  await poll();
  assert.deepEqual(
    positions.slice(before).map((at) => [at.offset, at.lines]),
    [
      [0, 2],
      [4, 3],
    ],
  );
});

test("startOffset: a file there at start begins where the hook says, not at its end", async () => {
  const asked: string[] = [];
  const resumed = new Tailer(
    path,
    "app.log",
    nodeFileSystem,
    {
      rotateWaitMs: 1000,
      maxLineBytes: 1024,
      maxBytesPerPoll: 1 << 20,
      buffer: new Uint8Array(64),
      yieldToEventLoop: () => Promise.resolve(),
      startOffset: async (p, source, _handle, opened) => {
        asked.push(`${p} ${source} ${opened.size}`);
        return 4;
      },
    },
    { line: (_t, text) => lines.push(text), notice: () => undefined },
  );
  writeFileSync(path, "one\ntwo\nthree\n");
  await resumed.poll(await nodeFileSystem.stat(path), true, 1);
  await resumed.close();
  assert.deepEqual(asked, [`${path} app.log 14`]);
  assert.deepEqual(lines, ["two", "three"]);
});
