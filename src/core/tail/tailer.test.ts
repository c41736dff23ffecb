import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { nodeFileSystem } from "../../adapters/_shared/node-fs.ts";
import type { FileSystem } from "../runtime.ts";
import { DirectReads, deviceNumbers } from "./direct-reads.ts";
import { fnv1a } from "./fingerprint.ts";
import type { LineFlags } from "./lines.ts";
import { LINES_PER_TURN } from "./reader.ts";
import { Tailer, type TailerOptions } from "./tailer.ts";

let dir: string;
let path: string;
let lines: Array<[string, LineFlags | undefined]>;
let notices: string[];
let tailer: Tailer;
let clock: number;

/** The tailer under test, on the real file system unless a test passes one that misbehaves on purpose. */
function makeTailer(overrides: Partial<TailerOptions> & { fs?: FileSystem } = {}): Tailer {
  const { fs = nodeFileSystem, ...options } = overrides;
  return new Tailer(
    path,
    "app.log",
    fs,
    {
      rotateWaitMs: 1000,
      maxLineBytes: 1024,
      maxBytesPerPoll: 1 << 20,
      buffer: new Uint8Array(64),
      yieldToEventLoop: () => Promise.resolve(),
      ...options,
    },
    {
      line: (_t, text, flags) => lines.push([text, flags]),
      notice: (_t, kind) => notices.push(kind),
    },
  );
}

async function poll(fromEnd = false, advanceMs = 10): Promise<string[]> {
  clock += advanceMs;
  const before = lines.length;
  await tailer.poll(await nodeFileSystem.stat(path), fromEnd, clock);
  return lines.slice(before).map(([text]) => text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-tailer-"));
  path = join(dir, "app.log");
  lines = [];
  notices = [];
  clock = 0;
  tailer = makeTailer();
});

afterEach(async () => {
  await tailer.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a file present at start is followed from after its last newline", async () => {
  writeFileSync(path, "old 1\nold 2\nhalf");
  assert.deepEqual(await poll(true), []);
  appendFileSync(path, " done\nnew\n");
  assert.deepEqual(await poll(), ["half done", "new"]);
});

test("a file present at start whose last newline is several read windows back starts right after it", async () => {
  const unfinished = "x".repeat(300); // the default test buffer is 64 bytes: five windows back
  writeFileSync(path, `old 1\nold 2\n${unfinished}`);
  assert.deepEqual(await poll(true), []);
  appendFileSync(path, " done\nnew\n");
  assert.deepEqual(await poll(), [`${unfinished} done`, "new"]);
});

test("a file with no newline at start is one unfinished line, read from 0", async () => {
  writeFileSync(path, "begun");
  assert.deepEqual(await poll(true), []);
  appendFileSync(path, " and ended\n");
  assert.deepEqual(await poll(), ["begun and ended"]);
});

test("a file that appears later is read from its start", async () => {
  assert.deepEqual(await poll(false), []);
  writeFileSync(path, "first\nsecond\n");
  assert.deepEqual(await poll(), ["first", "second"]);
});

test("rename rotation: lines written to the old file before and after the rename arrive once, in order", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "a1\n");
  assert.deepEqual(await poll(), ["a1"]);
  appendFileSync(path, "a2\n");
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, "a3 after rename\n");
  writeFileSync(path, "b1\n");
  assert.deepEqual(await poll(), ["a2", "a3 after rename", "b1"]);
  appendFileSync(`${path}.1`, "a4 late\n");
  appendFileSync(path, "b2\n");
  assert.deepEqual(await poll(), ["a4 late", "b2"]);
  assert.equal(tailer.status().rotations, 1);
  assert.deepEqual(notices, ["rotated"]);
});

test("a rotated-away file with nothing new is checked by its stat alone, not read, on each poll of its grace", async () => {
  let reads = 0;
  const fs: FileSystem = {
    ...nodeFileSystem,
    open: async (p: string) => {
      const handle = await nodeFileSystem.open(p);
      return {
        read: (buffer: Uint8Array, position: number) => {
          reads++;
          return handle.read(buffer, position);
        },
        stat: () => handle.stat(),
        close: () => handle.close(),
      };
    },
  };
  tailer = makeTailer({ fs });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "a1\n");
  renameSync(path, `${path}.1`);
  writeFileSync(path, "b1\n");
  assert.deepEqual(await poll(), ["a1", "b1"]);
  // nothing new in either file: no read of the old one (nor of the new one) while the grace runs
  reads = 0;
  assert.deepEqual(await poll(), []);
  assert.deepEqual(await poll(), []);
  assert.equal(reads, 0);
  // a late write to the old file is still read
  appendFileSync(`${path}.1`, "a2 late\n");
  assert.deepEqual(await poll(), ["a2 late"]);
});

test("after the grace window the old file's partial line is emitted, marked partial, and the file released", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "x\nunfinished");
  renameSync(path, `${path}.1`);
  assert.deepEqual(await poll(), ["x"]);
  assert.equal(tailer.status().draining, 1);
  appendFileSync(`${path}.1`, " still");
  await poll(false, 2000);
  assert.deepEqual(lines.at(-1), ["unfinished still", { partial: true }]);
  assert.equal(tailer.status().draining, 0);
  assert.equal(tailer.idle, true);
});

test("copytruncate: a truncation restarts at 0, drops the held partial line, re-emits nothing", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "one\ntwo\nheld");
  assert.deepEqual(await poll(), ["one", "two"]);
  truncateSync(path, 0);
  appendFileSync(path, "three\n");
  assert.deepEqual(await poll(), ["three"]);
  assert.equal(tailer.status().truncations, 1);
});

test("truncate-and-regrow past the old offset between polls is caught by the prefix hash", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "short\n");
  assert.deepEqual(await poll(), ["short"]);
  writeFileSync(path, "completely different and longer content\nline two\n");
  assert.deepEqual(await poll(), ["completely different and longer content", "line two"]);
  assert.equal(tailer.status().truncations, 1);
});

test("a leading run of NULs after a truncation (writer without O_APPEND) is skipped", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "0123456789\n");
  assert.deepEqual(await poll(), ["0123456789"]);
  truncateSync(path, 0);
  writeFileSync(path, Buffer.concat([Buffer.alloc(11), Buffer.from("after hole\n")]));
  assert.deepEqual(await poll(), ["after hole"]);
});

test("delete and recreate: the old handle is drained, the new file read from 0", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "before\n");
  unlinkSync(path);
  assert.deepEqual(await poll(), ["before"]);
  assert.deepEqual(notices, ["deleted"]);
  writeFileSync(path, "again\n");
  assert.deepEqual(await poll(), ["again"]);
});

test("replaced by another file between polls (atomic rename over it)", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "old\n");
  writeFileSync(`${path}.tmp`, "replacement\n");
  renameSync(`${path}.tmp`, path);
  assert.deepEqual(await poll(), ["old", "replacement"]);
});

test("a long line is cut once, marked truncated, and the file keeps being followed", async () => {
  tailer = makeTailer({ maxLineBytes: 100 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, `${"z".repeat(500)}\nnext\n`);
  await poll();
  assert.deepEqual(lines, [
    ["z".repeat(100), { truncated: true }],
    ["next", undefined],
  ]);
});

test("a permission error is reported once, retried, and the file read from its start once readable", async () => {
  let refuse = true;
  const fs = {
    ...nodeFileSystem,
    open: (p: string) =>
      refuse
        ? Promise.reject(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }))
        : nodeFileSystem.open(p),
  };
  tailer = makeTailer({
    fs: fs,
    rotateWaitMs: 10,
    maxLineBytes: 64,
    maxBytesPerPoll: 1024,
    buffer: new Uint8Array(64),
    yieldToEventLoop: () => Promise.resolve(),
  });
  writeFileSync(path, "x\n");
  await poll(true);
  await poll(true);
  assert.deepEqual(notices, ["error"]);
  assert.match(tailer.status().error ?? "", /permission denied/);
  refuse = false;
  assert.deepEqual(await poll(), ["x"]);
  assert.deepEqual(notices, ["error", "recovered"]);
});

test("a handle whose stat fails right after the open is closed, reported, and the file opened again next poll", async () => {
  let failStat = true;
  let closed = 0;
  const fs: FileSystem = {
    ...nodeFileSystem,
    open: async (p: string) => {
      const handle = await nodeFileSystem.open(p);
      return {
        read: (buffer, position) => handle.read(buffer, position),
        stat: () => (failStat ? Promise.reject(new Error("EIO: i/o error, fstat")) : handle.stat()),
        close: () => {
          closed++;
          return handle.close();
        },
      };
    },
  };
  tailer = makeTailer({ fs });
  writeFileSync(path, "x\n");
  await poll(true);
  assert.equal(closed, 1, "the handle that could not be used was closed");
  assert.match(tailer.status().error ?? "", /EIO/);
  failStat = false;
  appendFileSync(path, "y\n");
  assert.deepEqual(await poll(), ["x", "y"]);
  assert.equal(closed, 1, "the handle in use stays open");
});

test("a FIFO at the path is reported once and never opened; a regular file in its place is followed", async () => {
  execFileSync("mkfifo", [path]);
  let isFifo = true;
  const fs = {
    ...nodeFileSystem,
    // opening the FIFO would block this test: fail loudly instead
    open: (p: string) => (isFifo ? Promise.reject(new Error(`opened ${p}`)) : nodeFileSystem.open(p)),
  };
  tailer = makeTailer({
    fs: fs,
    rotateWaitMs: 10,
    maxLineBytes: 64,
    maxBytesPerPoll: 1024,
    buffer: new Uint8Array(64),
    yieldToEventLoop: () => Promise.resolve(),
  });
  await poll(true);
  await poll();
  await poll();
  assert.deepEqual(notices, ["error"]);
  assert.match(tailer.status().error ?? "", /not a regular file \(a FIFO\), not opened$/);
  unlinkSync(path);
  writeFileSync(path, "regular\n");
  isFifo = false;
  assert.deepEqual(await poll(), ["regular"]);
  assert.deepEqual(notices, ["error", "recovered"]);
});

test("a character device as a file target (/dev/zero: no end, no newline) is reported once, never opened", async () => {
  path = "/dev/zero";
  tailer = makeTailer({
    fs: { ...nodeFileSystem, open: (p: string) => Promise.reject(new Error(`opened ${p}`)) },
  });
  assert.deepEqual(await poll(true), []);
  assert.deepEqual(await poll(), []);
  assert.deepEqual(notices, ["error"]);
  const { error, offset, lines_read } = tailer.status();
  assert.deepEqual(
    { error, offset, lines_read },
    { error: "/dev/zero: not a regular file (a character device), not opened", offset: 0, lines_read: 0 },
  );
});

test("a file truncated and regrown just before it is renamed away is drained from 0, not from the old offset", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "first line\n");
  assert.deepEqual(await poll(), ["first line"]);
  // between two polls: copytruncate, the writer carries on, then the file is rotated away by rename
  truncateSync(path, 0);
  appendFileSync(path, "after the truncation\nsecond\n");
  renameSync(path, `${path}.1`);
  writeFileSync(path, "new file\n");
  assert.deepEqual(await poll(), ["after the truncation", "second", "new file"]);
  assert.equal(tailer.status().truncations, 1);
});

test("a deleted file that was truncated before it went loses only what it no longer holds", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "a much longer first line\nheld partial");
  assert.deepEqual(await poll(), ["a much longer first line"]);
  truncateSync(path, 0);
  appendFileSync(path, "short\n");
  unlinkSync(path);
  assert.deepEqual(await poll(), ["short"]);
  await poll(false, 2000);
  assert.deepEqual(
    lines.at(-1),
    ["short", undefined],
    "the dropped partial line is not emitted at grace end",
  );
});

test("a retired file is read to its end before it is let go, even past one poll's byte budget", async () => {
  tailer = makeTailer({
    rotateWaitMs: 1000,
    maxLineBytes: 1024,
    maxBytesPerPoll: 64,
    buffer: new Uint8Array(16),
    yieldToEventLoop: () => Promise.resolve(),
  });
  writeFileSync(path, "");
  await poll(true);
  renameSync(path, `${path}.1`);
  await poll();
  const late = Array.from({ length: 20 }, (_, i) => `late line ${i}`);
  appendFileSync(`${path}.1`, `${late.join("\n")}\n`);
  clock += 2000;
  // the monitor polls again at once while a poll answers "more"
  while ((await tailer.poll(await nodeFileSystem.stat(path), false, clock)) === "more");
  assert.deepEqual(
    lines.map(([text]) => text),
    late,
  );
  assert.equal(tailer.idle, true);
});

test("/status lines_read counts the partial line emitted at the end of the grace window", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "whole\nunfinished");
  unlinkSync(path);
  await poll();
  await poll(false, 2000);
  assert.deepEqual(lines, [
    ["whole", undefined],
    ["unfinished", { partial: true }],
  ]);
  assert.equal(tailer.status().lines_read, 2);
});

test("a rewrite to the same size is caught when the mtime changed (the prefix is re-checked)", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "aaaa\n");
  assert.deepEqual(await poll(), ["aaaa"]);
  writeFileSync(path, "bbbb\n");
  utimesSync(path, 2_000_000, 2_000_000);
  assert.deepEqual(await poll(), ["bbbb"]);
  assert.equal(tailer.status().truncations, 1);
});

test("a rewrite that keeps size and mtime is the documented limit: seen, from 0, once the file changes again", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "aaaa\n");
  utimesSync(path, 1_000_000, 1_000_000);
  assert.deepEqual(await poll(), ["aaaa"]);
  writeFileSync(path, "bbbb\n");
  utimesSync(path, 1_000_000, 1_000_000);
  assert.deepEqual(await poll(), [], "stat cannot tell this file from the one read");
  appendFileSync(path, "cccc\n");
  assert.deepEqual(await poll(), ["bbbb", "cccc"]);
});

test("shrunk with the same first KiB: read again from 0, and the risked duplicates are counted", async () => {
  const head = Array.from(
    { length: 30 },
    (_, i) => `head line ${String(i).padStart(2, "0")} ${"-".repeat(30)}`,
  );
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, `${head.join("\n")}\ntail\n`);
  assert.equal((await poll()).length, 31);
  // a rewrite that kept the first lines (more than the 1 KiB fingerprint) but is shorter than what was read
  truncateSync(path, 1200);
  const again = await poll();
  assert.deepEqual(again, head.slice(0, again.length));
  assert.ok(again.length > 0, "prefer a duplicate to a loss");
  assert.equal(tailer.status().duplicates_risked, 1);
  assert.equal(tailer.status().truncations, 1);
});

test("a partial line is never flushed by time alone, however long it waits", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "slow writer");
  for (let i = 0; i < 5; i++) assert.deepEqual(await poll(false, 10_000), []);
  assert.equal(tailer.status().pending_bytes, "slow writer".length);
  appendFileSync(path, " finally done\n");
  assert.deepEqual(await poll(), ["slow writer finally done"]);
  assert.deepEqual(lines, [["slow writer finally done", undefined]]);
});

test("a line longer than a read (over Fluent Bit's 32 KiB) but under max_line_bytes arrives whole", async () => {
  tailer = makeTailer({ maxLineBytes: 1 << 20 });
  writeFileSync(path, "");
  await poll(true);
  const long = "L".repeat(40 * 1024);
  appendFileSync(path, `${long.slice(0, 20_000)}`);
  assert.deepEqual(await poll(), []);
  appendFileSync(path, `${long.slice(20_000)}\nnext\n`);
  assert.deepEqual(await poll(), [long, "next"]);
  assert.deepEqual(lines[0]?.[1], undefined, "not marked truncated");
});

test("memory stays bounded while a line over max_line_bytes is written without its newline", async () => {
  tailer = makeTailer({ maxLineBytes: 100 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "h".repeat(1000));
  assert.deepEqual(await poll(), ["h".repeat(100)]);
  for (let i = 0; i < 3; i++) {
    appendFileSync(path, "h".repeat(1000));
    assert.deepEqual(await poll(), []);
    assert.equal(tailer.status().pending_bytes, 0, "the rest is skipped, not held");
  }
  appendFileSync(path, "h\nnext\n");
  assert.deepEqual(await poll(), ["next"]);
  assert.deepEqual(lines[0], ["h".repeat(100), { truncated: true }]);
});

test("/status names the followed file: identity (dev, ino, prefix), offset, pending bytes, counters", async () => {
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "one\ntwo\nhal");
  await poll();
  const first = statSync(path);
  const status = tailer.status();
  assert.deepEqual(status.identity, {
    dev: first.dev,
    ino: first.ino,
    prefix_bytes: 11,
    prefix_hash: fnv1a(new TextEncoder().encode("one\ntwo\nhal")).toString(16).padStart(8, "0"),
  });
  assert.equal(status.path, path);
  assert.equal(status.source, "app.log");
  assert.equal(status.offset, 11);
  assert.equal(status.pending_bytes, 3);
  assert.equal(status.lines_read, 2);
  renameSync(path, `${path}.1`);
  writeFileSync(path, "new\n");
  await poll();
  const second = tailer.status();
  assert.equal(second.identity?.ino, statSync(path).ino, "the identity is the file now at the path");
  assert.equal(second.rotations, 1);
  assert.equal(second.draining, 1);
  assert.equal(second.lines_read, 3);
  assert.equal(second.error, null);
});

test("a burst is handed on in slices of LINES_PER_TURN with an event-loop turn between them", async () => {
  const handedBeforeTurn: number[] = [];
  tailer = makeTailer({
    rotateWaitMs: 1000,
    maxLineBytes: 1024,
    maxBytesPerPoll: 1 << 20,
    buffer: new Uint8Array(64 * 1024),
    yieldToEventLoop: () => {
      handedBeforeTurn.push(lines.length);
      return Promise.resolve();
    },
  });
  writeFileSync(path, "");
  await poll(true);
  const burst = Array.from({ length: 1000 }, (_, i) => `burst ${i}`);
  appendFileSync(path, `${burst.join("\n")}\n`);
  assert.deepEqual(await poll(), burst);
  assert.deepEqual(handedBeforeTurn, [LINES_PER_TURN, 2 * LINES_PER_TURN, 3 * LINES_PER_TURN]);
});

test("bytes_read never goes back (truncation, rotation, end of a grace); unread_bytes is the last check's size beyond the offset", async () => {
  // one 64-byte read per poll: a poll leaves the rest of a longer append unread
  tailer = makeTailer({ maxBytesPerPoll: 64 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, `${"a".repeat(99)}\n`);
  await poll();
  assert.deepEqual([tailer.status().bytes_read, tailer.status().unread_bytes], [64, 36]);
  assert.deepEqual(await poll(), ["a".repeat(99)]);
  assert.deepEqual([tailer.status().bytes_read, tailer.status().unread_bytes], [100, 0]);
  writeFileSync(path, "bb\n");
  assert.deepEqual(await poll(), ["bb"]);
  assert.equal(tailer.status().truncations, 1);
  assert.equal(tailer.status().bytes_read, 103, "the offset started over, the count did not");
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, "dd\n");
  writeFileSync(path, "cc\n");
  assert.deepEqual(await poll(), ["dd", "cc"]);
  assert.equal(tailer.status().bytes_read, 109);
  await poll(false, 2000);
  assert.equal(tailer.status().draining, 0, "the grace window is over");
  assert.deepEqual([tailer.status().bytes_read, tailer.status().unread_bytes], [109, 0]);
});

/**
 * The node file system, counting the reads of opened files and where each started: `positions` for every
 * read, `calls` as `read@<position>` (through the I/O threads) or `readNow@<position>` (direct).
 */
function countingReads(): { fs: FileSystem; positions: number[]; calls: string[] } {
  const positions: number[] = [];
  const calls: string[] = [];
  const fs: FileSystem = {
    ...nodeFileSystem,
    async open(p) {
      const handle = await nodeFileSystem.open(p);
      return {
        ...handle,
        read(buffer, position) {
          positions.push(position);
          calls.push(`read@${position}`);
          return handle.read(buffer, position);
        },
        readNow(buffer, position) {
          positions.push(position);
          calls.push(`readNow@${position}`);
          return handle.readNow?.(buffer, position) ?? 0;
        },
      };
    },
  };
  return { fs, positions, calls };
}

test("a growing file's first KiB is re-checked once per prefixCheckIntervalMs, not at every poll: one read a poll", async () => {
  const { fs, positions } = countingReads();
  tailer = makeTailer({ fs, buffer: new Uint8Array(4096), prefixCheckIntervalMs: () => 100 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "line 0\n");
  assert.deepEqual(await poll(), ["line 0"]);
  positions.length = 0;
  for (let i = 1; i <= 9; i++) {
    appendFileSync(path, `line ${i}\n`);
    utimesSync(path, 1_000_000 + i, 1_000_000 + i);
    assert.deepEqual(await poll(), [`line ${i}`]);
  }
  assert.equal(positions.length, 9, `one read a poll, at the offset: ${positions.join(", ")}`);
  appendFileSync(path, "line 10\n");
  utimesSync(path, 1_000_100, 1_000_100);
  assert.deepEqual(await poll(), ["line 10"]);
  assert.deepEqual(
    positions.slice(9),
    [0, 70 - 64],
    "100 ms on: the prefix, then the read (with the bytes before the offset)",
  );
});

test("with the prefix re-check spaced, a truncate-and-regrow past the offset is still caught at once (the bytes before the offset)", async () => {
  tailer = makeTailer({ buffer: new Uint8Array(4096), prefixCheckIntervalMs: () => 60_000 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "first line of the old content\nsecond line of the old content\n");
  assert.deepEqual(await poll(), ["first line of the old content", "second line of the old content"]);
  appendFileSync(path, "third\n");
  assert.deepEqual(await poll(), ["third"]);
  writeFileSync(path, "new content, longer than what was read before it\nand a second line of it\nthird\n");
  assert.deepEqual(await poll(), [
    "new content, longer than what was read before it",
    "and a second line of it",
    "third",
  ]);
  assert.equal(tailer.status().truncations, 1);
});

test("with the prefix re-check spaced, a rewrite to the same size is caught at the first poll after the interval", async () => {
  tailer = makeTailer({ prefixCheckIntervalMs: () => 100 });
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "aaaa\n");
  assert.deepEqual(await poll(), ["aaaa"]);
  writeFileSync(path, "bbbb\n");
  utimesSync(path, 2_000_000, 2_000_000);
  assert.deepEqual(await poll(false, 10), [], "within the interval: stat alone cannot tell");
  assert.deepEqual(await poll(false, 100), ["bbbb"], "the interval is over: the prefix is re-checked");
  assert.equal(tailer.status().truncations, 1);
});

test("read on without a stat (readOnly), the prefix grows with what was read: a regrow past the offset is caught, then a rename", async () => {
  tailer = makeTailer({ buffer: new Uint8Array(4096), prefixCheckIntervalMs: () => 60_000 });
  const readOnly = async (): Promise<string[]> => {
    const before = lines.length;
    assert.equal(tailer.canReadOn, true);
    await tailer.readOnly();
    return lines.slice(before).map(([text]) => text);
  };
  writeFileSync(path, "");
  await poll(true);
  appendFileSync(path, "a1\n");
  assert.deepEqual(await readOnly(), ["a1"]);
  appendFileSync(path, "a2\n");
  assert.deepEqual(await readOnly(), ["a2"]);
  assert.equal(tailer.status().identity?.prefix_bytes, 6, "the prefix is what was read");
  writeFileSync(path, "regrown line number 1\n");
  assert.deepEqual(await readOnly(), ["regrown line number 1"]);
  assert.equal(tailer.status().truncations, 1);
  // truncated, regrown and renamed away before the next look: drained from 0, the new file from 0
  truncateSync(path, 0);
  appendFileSync(path, "c1 after the truncation\n");
  renameSync(path, `${path}.1`);
  writeFileSync(path, "b1\n");
  assert.deepEqual(await poll(), ["c1 after the truncation", "b1"]);
  assert.equal(tailer.status().truncations, 2);
});

test("a caught-up file is read directly (readNow) where its filesystem allows it; a burst goes through read", async () => {
  const { fs, calls } = countingReads();
  const local = `1 1 ${deviceNumbers(statSync(dir).dev)} / / rw - ext4 /dev/x rw\n`;
  const directReads = new DirectReads({ readText: async () => local, notice: () => undefined });
  await directReads.load();
  await tailer.close();
  tailer = makeTailer({ fs, directReads });
  // a first line of 50 bytes: the prefix reads are at 0, the data reads after it (32 bytes before the offset)
  const first = "a".repeat(49);
  writeFileSync(path, `${first}\n`);
  assert.deepEqual(await poll(false), [first]);
  assert.deepEqual(calls, ["read@0", "read@0"], "prefix, then data: not known to be caught up, I/O threads");
  const dataReads = () => calls.filter((call) => !call.endsWith("@0"));
  calls.length = 0;
  appendFileSync(path, "b\n");
  assert.deepEqual(await poll(), ["b"]);
  assert.deepEqual(dataReads(), ["readNow@18"], "caught up: the new bytes read directly");
  calls.length = 0;
  // more than the 64-byte buffer: the first read fills it, the rest goes through the I/O threads
  const long = ["c".repeat(40), "d".repeat(40), "e".repeat(40)];
  appendFileSync(path, `${long.join("\n")}\n`);
  assert.deepEqual(await poll(), long);
  const burst = dataReads();
  assert.equal(burst[0]?.startsWith("readNow@"), true, burst.join(","));
  assert.ok(burst.length > 2 && burst.slice(1).every((call) => call.startsWith("read@")), burst.join(","));
  calls.length = 0;
  appendFileSync(path, "f\n");
  assert.deepEqual(await poll(), ["f"]);
  assert.deepEqual(
    dataReads().map((call) => call.split("@")[0]),
    ["readNow"],
    "caught up again",
  );
  // off: every read through the I/O threads
  calls.length = 0;
  directReads.enabled = false;
  appendFileSync(path, "g\n");
  assert.deepEqual(await poll(), ["g"]);
  assert.deepEqual(
    dataReads().map((call) => call.split("@")[0]),
    ["read"],
  );
});
