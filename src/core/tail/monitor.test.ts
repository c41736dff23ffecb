import assert from "node:assert/strict";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { afterEach, beforeEach, test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import type { WatchHint } from "../runtime.ts";
import {
  BURST_POLL_BYTES,
  HINT_GRACE_MS,
  MIN_POLL_SPACING_MS,
  Monitor,
  type MonitorTarget,
} from "./monitor.ts";

let dir: string;
let monitor: Monitor | undefined;
let received: string[];
let notices: string[];

function start(
  targets: MonitorTarget[],
  checkIntervalMs = 20,
  withWatch = false,
  followSymlinks?: boolean,
): Promise<void> {
  const runtime = createNodeRuntime();
  monitor = new Monitor(
    withWatch ? runtime : { ...runtime, watch: undefined },
    { checkIntervalMs, rotateWaitMs: 50, maxLineBytes: 4096, targets, followSymlinks },
    {
      line: (source, _path, text) => received.push(`${source}: ${text}`),
      notice: (kind, _path, detail) => notices.push(`${kind}: ${detail}`),
    },
  );
  return monitor.start();
}

async function waitFor(expected: string[], { anyOrder = false } = {}): Promise<void> {
  const deadline = Date.now() + 3000;
  while (received.length < expected.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(anyOrder ? [...received].sort() : received, anyOrder ? [...expected].sort() : expected);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-monitor-"));
  received = [];
  notices = [];
});

afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
  rmSync(dir, { recursive: true, force: true });
});

test("a directory target picks up matching files as they appear and ignores the rest", async () => {
  writeFileSync(join(dir, "old.log"), "before start\n");
  await start([{ path: dir, pattern: "*.log" }]);
  writeFileSync(join(dir, "new.log"), "one\n");
  writeFileSync(join(dir, "skip.txt"), "never\n");
  appendFileSync(join(dir, "old.log"), "two\n");
  await waitFor(["new.log: one", "old.log: two"], { anyOrder: true });
});

test("removed files are released, and a removed-and-recreated directory is followed again", async () => {
  const logs = join(dir, "logs");
  mkdirSync(logs);
  writeFileSync(join(logs, "a.log"), "");
  await start([{ path: logs, pattern: "*.log" }]);
  assert.equal(monitor?.fileCount, 1);
  rmSync(logs, { recursive: true });
  const deadline = Date.now() + 3000;
  while ((monitor?.fileCount ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(monitor?.fileCount, 0);
  mkdirSync(logs);
  writeFileSync(join(logs, "a.log"), "back\n");
  await waitFor(["a.log: back"]);
});

test("a file target that does not exist yet is followed once it appears, from its start", async () => {
  const path = join(dir, "later.log");
  await start([{ path, pattern: "*.log", is_file: true }]);
  writeFileSync(path, "first\n");
  await waitFor(["later.log: first"]);
});

test("a target path is auto-detected as a file", async () => {
  const path = join(dir, "single.txt");
  writeFileSync(path, "");
  await start([{ path, pattern: "*.log" }]);
  appendFileSync(path, "line\n");
  await waitFor(["single.txt: line"]);
});

test("rotation inside a directory target delivers the old file's tail and the new file", async () => {
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  await start([{ path: dir, pattern: "*.log" }]);
  appendFileSync(path, "a\n");
  await waitFor(["app.log: a"]);
  appendFileSync(path, "b\n");
  renameSync(path, join(dir, "app.log.1"));
  writeFileSync(path, "c\n");
  await waitFor(["app.log: a", "app.log: b", "app.log: c"]);
});

test("a watch hint delivers a line well before the next poll", async () => {
  const path = join(dir, "hinted.log");
  writeFileSync(path, "");
  await start([{ path: dir, pattern: "*.log" }], 60_000, true);
  // the watcher may need a moment to arm; lines appended after that arrive on the hint alone
  const deadline = Date.now() + 5000;
  let n = 0;
  while (received.length === 0 && Date.now() < deadline) {
    appendFileSync(path, `line ${n++}\n`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(received.length > 0, "no line arrived although the poll interval is a minute");
});

test("a new matching file is picked up within one check interval, without watch hints", async (t) => {
  // fake timers make "within one interval" exact: the file I/O stays real, only time is ours
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
  const interval = 1000;
  await start([{ path: dir, pattern: "*.log" }], interval);
  writeFileSync(join(dir, "new.log"), "hello\n");
  const settle = async () => {
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  t.mock.timers.tick(interval - 1);
  await settle();
  assert.deepEqual(received, [], "not before the interval is up");
  t.mock.timers.tick(1);
  const deadline = performance.now() + 3000;
  while (received.length === 0 && performance.now() < deadline) await settle();
  assert.deepEqual(received, ["new.log: hello"]);
});

test("a file removed from a directory target is released and forgotten", async () => {
  writeFileSync(join(dir, "a.log"), "");
  writeFileSync(join(dir, "b.log"), "");
  await start([{ path: dir, pattern: "*.log" }]);
  assert.equal(monitor?.fileCount, 2);
  rmSync(join(dir, "a.log"));
  const deadline = Date.now() + 3000;
  while ((monitor?.fileCount ?? 0) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    monitor?.status().map((file) => file.source),
    ["b.log"],
  );
});

test("a burst of many polls' worth is read to its end at once, not at a backed-off quiet interval", async (t) => {
  // the clock stands still: every poll sees the same time and the same (final) size, as polls that follow
  // each other within one interval do; only the watch hint of the burst's write starts the reading
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
  const path = join(dir, "burst.log");
  writeFileSync(path, "");
  await start([{ path: dir, pattern: "*.log" }], 1000, true);
  const lines = 120_000; // 13 MB: four polls' budget of 4 MiB
  const padding = "x".repeat(100);
  let text = "";
  for (let i = 0; i < lines; i++) text += `line ${i} ${padding}\n`;
  appendFileSync(path, text);
  const deadline = performance.now() + 10_000;
  while (received.length < lines && performance.now() < deadline)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(received.length, lines);
  assert.equal(received.at(-1), `burst.log: line ${lines - 1} ${padding}`);
});

/** `logs/` and, beside it, `secret/key`: the file a link out of `logs/` would stream. */
function logsAndSecret(): { logs: string; key: string } {
  const logs = join(dir, "logs");
  mkdirSync(logs);
  mkdirSync(join(dir, "secret"));
  writeFileSync(join(dir, "secret", "key"), "");
  return { logs, key: join(dir, "secret", "key") };
}

async function waitForNotice(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!notices.some((notice) => pattern.test(notice)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  assert.ok(
    notices.some((notice) => pattern.test(notice)),
    `no notice ${pattern}: ${notices.join("; ")}`,
  );
}

test("a link out of a directory target is not followed, there at start or made later; a link inside is", async () => {
  const { logs, key } = logsAndSecret();
  writeFileSync(join(logs, "app-2024.log"), "");
  symlinkSync("app-2024.log", join(logs, "current.log"));
  symlinkSync("../secret/key", join(logs, "evil.log"));
  await start([{ path: logs, pattern: "*.log" }]);
  symlinkSync("../secret/key", join(logs, "late.log"));
  await waitForNotice(/^error: not following .*late\.log: a symlink to .*secret.key, outside /);
  appendFileSync(key, "SECRET\n");
  appendFileSync(join(logs, "app-2024.log"), "inside\n");
  await waitFor(["app-2024.log: inside", "current.log: inside"], { anyOrder: true });
  // a poll pass after the secret's append has ended once this arrives: a line of it would be in by now
  appendFileSync(join(logs, "app-2024.log"), "again\n");
  await waitFor(
    ["app-2024.log: inside", "current.log: inside", "app-2024.log: again", "current.log: again"],
    {
      anyOrder: true,
    },
  );
  assert.deepEqual(
    notices.filter((notice) => notice.includes("not following")).map((notice) => notice.split(":")[1]),
    [` not following ${join(logs, "evil.log")}`, ` not following ${join(logs, "late.log")}`],
    "each said once",
  );
  const files = monitor?.status().filter((file) => file.error !== null);
  assert.deepEqual(
    files?.map((file) => file.source),
    ["evil.log", "late.log"],
  );
  assert.match(files?.[0]?.error ?? "", /set follow_symlinks = true on the target, or in \[monitor\]/);
});

test("followSymlinks follows a link out of a directory target; a target's own follow_symlinks overrides it", async () => {
  const { logs, key } = logsAndSecret();
  const other = join(dir, "other");
  mkdirSync(other);
  symlinkSync("../secret/key", join(logs, "linked.log"));
  symlinkSync("../secret/key", join(other, "refused.log"));
  writeFileSync(join(other, "plain.log"), "");
  await start(
    [
      { path: logs, pattern: "*.log" },
      { path: other, pattern: "*.log", follow_symlinks: false },
    ],
    20,
    false,
    true,
  );
  appendFileSync(key, "allowed\n");
  appendFileSync(join(other, "plain.log"), "marker\n");
  await waitFor(["linked.log: allowed", "plain.log: marker"], { anyOrder: true });
  appendFileSync(join(other, "plain.log"), "marker 2\n");
  await waitFor(["linked.log: allowed", "plain.log: marker", "plain.log: marker 2"], { anyOrder: true });
  assert.deepEqual(
    notices.filter((notice) => notice.includes("not following")).length,
    1,
    `only refused.log: ${notices.join("; ")}`,
  );
});

/** A monitor whose watch hints the test sends itself, and which counts the stats of `path`. */
async function startWithHints(
  path: string,
  hintWindowMs: number,
  checkIntervalMs = 60_000,
  batchMs?: number,
): Promise<{ hint: (kind?: "modify") => void; stats: () => number }> {
  const runtime = createNodeRuntime();
  let onHint: WatchHint | undefined;
  let stats = 0;
  const fs = {
    ...runtime.fs,
    stat: (statPath: string) => {
      if (statPath === path) stats++;
      return runtime.fs.stat(statPath);
    },
  };
  monitor = new Monitor(
    {
      ...runtime,
      fs,
      watch: (_dir, hint) => {
        onHint = hint;
        return { close: async () => undefined };
      },
    },
    {
      checkIntervalMs,
      rotateWaitMs: 50,
      maxLineBytes: 4096,
      targets: [{ path: dir, pattern: "*.log" }],
      hintWindowMs: () => hintWindowMs,
      batchMs,
    },
    {
      line: (source, _path, text) => received.push(`${source}: ${text}`),
      notice: (kind, _path, detail) => notices.push(`${kind}: ${detail}`),
    },
  );
  await monitor.start();
  return { hint: (kind) => onHint?.(path, kind), stats: () => stats };
}

/** Lets real file I/O finish while the (mocked) clock stands still, until `done` or a deadline. */
async function settleUntil(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 3000;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

function freezeClock(t: TestContext): void {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
}

/**
 * A monitor on app.log with the clients' hint window `windowMs` (none by default; frozen clock): a first
 * line after a quiet spell, polled at once. `before` is the stat count before that poll.
 */
async function startedWithFirstLine(t: TestContext, windowMs = 0) {
  freezeClock(t);
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const { hint, stats } = await startWithHints(path, windowMs);
  appendFileSync(path, "a\n");
  const before = stats();
  hint();
  assert.equal(stats(), before + 1, "polled at once for a");
  await settleUntil(() => received.at(-1) === "app.log: a");
  return { path, hint, stats, before };
}

test("with a hint window, hints that follow a poll within it are gathered into one poll at its end", async (t) => {
  // the first hint after a quiet spell polls at once: a lone line is not delayed
  const { path, hint, stats, before } = await startedWithFirstLine(t, 20);
  assert.deepEqual(received, ["app.log: a"]);
  // within the window: no poll, however many hints, until it ends
  appendFileSync(path, "b\n");
  hint();
  appendFileSync(path, "c\n");
  hint();
  hint();
  assert.equal(stats(), before + 1, "no poll within the window");
  t.mock.timers.tick(19 + HINT_GRACE_MS);
  assert.equal(stats(), before + 1, "no poll before the window and its grace end");
  t.mock.timers.tick(1);
  assert.equal(stats(), before + 2, "one poll for the three hints");
  await settleUntil(() => received.length === 3);
  assert.deepEqual(received, ["app.log: a", "app.log: b", "app.log: c"]);
  // once the window since the last poll is over, a hint polls at once again
  t.mock.timers.tick(20);
  appendFileSync(path, "d\n");
  hint();
  assert.equal(stats(), before + 3, "polled at once after the window");
  await settleUntil(() => received.length === 4);
  assert.equal(received.at(-1), "app.log: d");
});

test("in a steady stream the hint after the spacing polls in its own wake-up: the window's timer waits its grace and is dropped", async (t) => {
  const { path, hint, stats, before } = await startedWithFirstLine(t);
  // a line a millisecond: gathered while the spacing runs; the timer would fire only after its grace
  for (let ms = 1; ms < MIN_POLL_SPACING_MS; ms++) {
    t.mock.timers.tick(1);
    appendFileSync(path, `line ${ms}\n`);
    hint();
  }
  t.mock.timers.tick(1);
  assert.equal(
    stats(),
    before + 1,
    "the spacing is over, but no timer fired: it waits for a hint or its grace",
  );
  appendFileSync(path, "next\n");
  hint();
  assert.equal(stats(), before + 2, "the hint polled");
  await settleUntil(() => received.at(-1) === "app.log: next");
  // the timer was dropped: nothing more when its grace would have ended
  t.mock.timers.tick(HINT_GRACE_MS);
  assert.equal(stats(), before + 2);
});

test("a hint answers how long no further hint is needed: the rest of the window (a watcher may hold its events that long)", async (t) => {
  const { path, hint, stats, before } = await startedWithFirstLine(t);
  t.mock.timers.tick(1);
  appendFileSync(path, "b\n");
  assert.equal(hint(), MIN_POLL_SPACING_MS - 1, "within the window: its rest");
  t.mock.timers.tick(MIN_POLL_SPACING_MS - 1);
  appendFileSync(path, "c\n");
  assert.equal(hint(), MIN_POLL_SPACING_MS, "after it: polled now, a new window");
  assert.equal(stats(), before + 2);
  await settleUntil(() => received.at(-1) === "app.log: c");
  await monitor?.stop();
  monitor = undefined;
  const unbatched = await startWithHints(path, 0, 60_000, 0);
  appendFileSync(path, "d\n");
  assert.equal(unbatched.hint(), 0, "batch_ms 0: every hint is wanted");
  await settleUntil(() => received.at(-1) === "app.log: d");
});

test("batch_ms sets the spacing: hints within it after a poll wait for its end (and the grace), 0 polls at each", async (t) => {
  freezeClock(t);
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const { hint, stats } = await startWithHints(path, 0, 60_000, 10);
  appendFileSync(path, "a\n");
  const before = stats();
  hint();
  assert.equal(stats(), before + 1, "polled at once after a quiet spell");
  await settleUntil(() => received.at(-1) === "app.log: a");
  appendFileSync(path, "b\n");
  hint();
  t.mock.timers.tick(10 + HINT_GRACE_MS - 1);
  assert.equal(stats(), before + 1, "no poll within 10 ms and the grace");
  t.mock.timers.tick(1);
  assert.equal(stats(), before + 2);
  await settleUntil(() => received.at(-1) === "app.log: b");
  await monitor?.stop();
  monitor = undefined;
  const zero = await startWithHints(path, 0, 60_000, 0);
  const start = zero.stats();
  for (const text of ["c", "d"]) {
    appendFileSync(path, `${text}\n`);
    zero.hint();
    await settleUntil(() => received.at(-1) === `app.log: ${text}`);
  }
  assert.equal(zero.stats(), start + 2, "batch_ms 0: a poll per hint");
});

test("without a hint window, hints still wait MIN_POLL_SPACING_MS after a poll: one poll, not one per line", async (t) => {
  // quiet before: polled at once
  const { path, hint, stats, before } = await startedWithFirstLine(t);
  // a line per write, each with its hint: gathered until the spacing since the last poll is over
  for (const text of ["b", "c", "d"]) {
    appendFileSync(path, `${text}\n`);
    hint();
  }
  t.mock.timers.tick(MIN_POLL_SPACING_MS + HINT_GRACE_MS - 1);
  assert.equal(stats(), before + 1, "no poll within the spacing and its grace");
  t.mock.timers.tick(1);
  assert.equal(stats(), before + 2, "one poll for the three hints");
  await settleUntil(() => received.length === 4);
  assert.deepEqual(received, ["app.log: a", "app.log: b", "app.log: c", "app.log: d"]);
  // a hint after a quiet spell as long as the spacing polls at once again
  t.mock.timers.tick(MIN_POLL_SPACING_MS);
  appendFileSync(path, "e\n");
  hint();
  assert.equal(stats(), before + 3, "polled at once after the spacing");
  await settleUntil(() => received.at(-1) === "app.log: e");
});

test("a burst is not spaced: after a poll that read BURST_POLL_BYTES or more, a hint polls at once", async (t) => {
  freezeClock(t);
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const { hint, stats } = await startWithHints(path, 0);
  const chunk = `${"x".repeat(99)}\n`.repeat(Math.ceil(BURST_POLL_BYTES / 100));
  appendFileSync(path, chunk);
  const before = stats();
  hint();
  assert.equal(stats(), before + 1, "polled at once after a quiet spell");
  await settleUntil(() => received.length >= Math.ceil(BURST_POLL_BYTES / 100));
  // the clock stands still: within MIN_POLL_SPACING_MS of the last poll, yet polled at once
  appendFileSync(path, chunk);
  hint();
  assert.equal(stats(), before + 2, "polled at once during a burst");
  await settleUntil(() => received.length >= 2 * Math.ceil(BURST_POLL_BYTES / 100));
  // a small read after it: the spacing is back
  appendFileSync(path, "small\n");
  hint();
  await settleUntil(() => received.at(-1) === "app.log: small");
  appendFileSync(path, "small 2\n");
  hint();
  assert.equal(stats(), before + 3, "spaced again after a small read");
});

test("a hint window does not pace a burst: a file still behind is read on at once", async (t) => {
  freezeClock(t);
  const path = join(dir, "burst.log");
  writeFileSync(path, "");
  const { hint } = await startWithHints(path, 20);
  const lines = 60_000; // 6.5 MB: two polls' budget of 4 MiB, read with the clock standing still
  const padding = "x".repeat(100);
  let text = "";
  for (let i = 0; i < lines; i++) text += `line ${i} ${padding}\n`;
  appendFileSync(path, text);
  hint();
  await settleUntil(() => received.length === lines);
  assert.equal(received.length, lines);
  assert.equal(received.at(-1), `burst.log: line ${lines - 1} ${padding}`);
});

test("reconfigure: a widened pattern follows the new file from its end; a file still matched keeps its place", async () => {
  writeFileSync(join(dir, "a.log"), "a old\n");
  writeFileSync(join(dir, "b.txt"), "b old\n");
  await start([{ path: dir, pattern: "*.log" }]);
  appendFileSync(join(dir, "a.log"), "a partial");
  await new Promise((r) => setTimeout(r, 60));
  monitor?.reconfigure({
    checkIntervalMs: 20,
    rotateWaitMs: 50,
    maxLineBytes: 4096,
    targets: [
      { path: dir, pattern: "*.log" },
      { path: dir, pattern: "*.txt" },
    ],
  });
  const deadline = Date.now() + 3000;
  // b.txt is followed from its end once opened (its first poll): a line written before that is "old"
  const opened = () => monitor?.status().find((file) => file.path.endsWith("b.txt"))?.identity != null;
  while (!opened() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  appendFileSync(join(dir, "a.log"), " ends\n");
  appendFileSync(join(dir, "b.txt"), "b new\n");
  // the held partial line of a.log survived the reload; b.txt's old line is not replayed
  await waitFor(["a.log: a partial ends", "b.txt: b new"], { anyOrder: true });
});

test("reconfigure: a file no target names any more is drained to its end, then released", async () => {
  writeFileSync(join(dir, "a.log"), "");
  writeFileSync(join(dir, "b.log"), "");
  await start([{ path: dir, pattern: "*.log" }], 10_000);
  await monitor?.stop();
  received = [];
  // a long interval: only the reload's own poll can read what b.log got before it
  await start([{ path: dir, pattern: "*.log" }], 10_000);
  appendFileSync(join(dir, "b.log"), "b last\n");
  monitor?.reconfigure({
    checkIntervalMs: 20,
    rotateWaitMs: 50,
    maxLineBytes: 4096,
    targets: [{ path: dir, pattern: "a.*" }],
  });
  await waitFor(["b.log: b last"]);
  const deadline = Date.now() + 3000;
  while (monitor?.fileCount !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    monitor?.status().map((file) => file.source),
    ["a.log"],
  );
  appendFileSync(join(dir, "b.log"), "not followed\n");
  appendFileSync(join(dir, "a.log"), "a line\n");
  await waitFor(["b.log: b last", "a.log: a line"]);
});

test("a content hint reads on from the open file without a stat; a name hint, or an interval since the last stat, stats the path", async (t) => {
  freezeClock(t);
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const { hint, stats } = await startWithHints(path, 0, 40);
  const before = stats();
  for (const text of ["a", "b", "c"]) {
    appendFileSync(path, `${text}\n`);
    hint("modify");
    await settleUntil(() => received.at(-1) === `app.log: ${text}`);
    t.mock.timers.tick(MIN_POLL_SPACING_MS);
  }
  assert.deepEqual(received, ["app.log: a", "app.log: b", "app.log: c"]);
  assert.equal(stats(), before, "content hints: read on, no stat of the path");
  // a content hint and a name hint before one poll: stat'ed
  appendFileSync(path, "d\n");
  hint("modify");
  await settleUntil(() => received.at(-1) === "app.log: d");
  appendFileSync(path, "e\n");
  hint("modify");
  hint();
  t.mock.timers.tick(MIN_POLL_SPACING_MS + HINT_GRACE_MS);
  await settleUntil(() => received.at(-1) === "app.log: e");
  assert.equal(stats(), before + 1, "a name hint stats the path");
  // content hints only, one every MIN_POLL_SPACING_MS: stat'ed once check_interval_ms (40 ms) since the last stat
  for (let i = 0; i < 12; i++) {
    t.mock.timers.tick(MIN_POLL_SPACING_MS);
    appendFileSync(path, `f${i}\n`);
    hint("modify");
    await settleUntil(() => received.at(-1) === `app.log: f${i}`);
  }
  assert.equal(stats(), before + 2, "40 ms of content hints: one stat");
});

test("a content hint for a file truncated below what was read stats it in the same poll, and reads it from 0", async (t) => {
  freezeClock(t);
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const { hint, stats } = await startWithHints(path, 0);
  appendFileSync(path, "a line longer than what follows\n");
  hint("modify");
  await settleUntil(() => received.length === 1);
  t.mock.timers.tick(MIN_POLL_SPACING_MS);
  const before = stats();
  writeFileSync(path, "short\n");
  hint("modify");
  await settleUntil(() => received.length === 2);
  assert.deepEqual(received, ["app.log: a line longer than what follows", "app.log: short"]);
  assert.equal(stats(), before + 1, "the read found it shorter: stat'ed at once");
  assert.ok(
    notices.some((notice) => notice.startsWith("truncated:")),
    notices.join("; "),
  );
});

test("a hint naming a file wakes a followed symlink to it too (a current.log beside the file it names)", async () => {
  const file = join(dir, "app-2024.log");
  writeFileSync(file, "");
  symlinkSync("app-2024.log", join(dir, "current.log"));
  // the watch names the real file only (as inotify does); polls 5 s apart, a quiet file's 10 s (the cap), so
  // without a hint the link's line comes after waitFor's 3 s
  const { hint, stats } = await startWithHints(file, 0, 5000);
  await settleUntil(() => (monitor?.status() ?? []).filter((f) => f.identity !== null).length === 2);
  // a quiet poll of both: the link's next turn is now beyond one interval, out of reach of the next pass
  const before = stats();
  hint();
  await settleUntil(() => stats() > before);
  // (if that pass were still running, the append below would be read by it: the test could only pass
  // wrongly, never fail wrongly)
  await new Promise((resolve) => setTimeout(resolve, 100));
  appendFileSync(file, "inside\n");
  hint("modify");
  await waitFor(["app-2024.log: inside", "current.log: inside"], { anyOrder: true });
});
