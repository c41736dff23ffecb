import assert from "node:assert/strict";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { nodeFileSystem } from "../../adapters/_shared/node-fs.ts";
import type { FileSystem } from "../runtime.ts";
import { Confinement, FOLLOW_SYMLINKS_HINT, isInside } from "./confinement.ts";
import { Tailer } from "./tailer.ts";

const inside: Array<[string, string, boolean]> = [
  ["/logs/a.log", "/logs", true],
  ["/logs/sub/x.log", "/logs", true],
  ["/secret/key", "/logs", false],
  ["/logs2/a.log", "/logs", false],
  ["/log", "/logs", false],
  ["/logs", "/logs", false],
  ["/", "/logs", false],
  ["/a.log", "/", true],
];

for (const [path, dir, expected] of inside) {
  test(`isInside(${path}, ${dir}) is ${expected}`, () => {
    assert.equal(isInside(path, dir, posix.dirname), expected);
  });
}

let root: string;
/** The target directory, and a directory beside it whose files must not be streamed. */
let logs: string;
let secret: string;

beforeEach(() => {
  // real path of the temp dir: the expected messages name real paths
  root = realpathSync(mkdtempSync(join(tmpdir(), "logwisp-confinement-")));
  logs = join(root, "logs");
  secret = join(root, "secret");
  mkdirSync(logs);
  mkdirSync(secret);
  writeFileSync(join(secret, "key"), "SECRET\n");
  writeFileSync(join(logs, "app.log"), "app\n");
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The real fs, counting realPath calls and opens. */
function countingFs(): FileSystem & { realPaths: number; opens: string[] } {
  const fs = {
    ...nodeFileSystem,
    realPaths: 0,
    opens: [] as string[],
    realPath: (path: string) => {
      fs.realPaths++;
      return nodeFileSystem.realPath(path);
    },
    open: (path: string) => {
      fs.opens.push(path);
      return nodeFileSystem.open(path);
    },
  };
  return fs;
}

async function verdictOf(path: string, dir = logs, fs: FileSystem = nodeFileSystem) {
  const stat = await fs.stat(path);
  assert.ok(stat, `nothing at ${path}`);
  return new Confinement(dir, fs, dirname).check(path, stat);
}

test("a plain file and a link to a file inside the directory (or a subdirectory of it) are inside", async () => {
  symlinkSync("app.log", join(logs, "current.log"));
  mkdirSync(join(logs, "sub"));
  writeFileSync(join(logs, "sub", "x.log"), "");
  symlinkSync("sub/x.log", join(logs, "a.log"));
  assert.deepEqual(await verdictOf(join(logs, "app.log")), {
    kind: "inside",
    realPath: join(logs, "app.log"),
  });
  assert.deepEqual(await verdictOf(join(logs, "current.log")), {
    kind: "inside",
    realPath: join(logs, "app.log"),
  });
  assert.deepEqual(await verdictOf(join(logs, "a.log")), {
    kind: "inside",
    realPath: join(logs, "sub", "x.log"),
  });
});

test("a link to a file outside is refused, naming the path, where it leads, the directory and the key", async () => {
  const evil = join(logs, "evil.log");
  symlinkSync("../secret/key", evil);
  assert.deepEqual(await verdictOf(evil), {
    kind: "outside",
    detail: `not following ${evil}: a symlink to ${join(secret, "key")}, outside ${logs} (${FOLLOW_SYMLINKS_HINT})`,
  });
  assert.match(FOLLOW_SYMLINKS_HINT, /follow_symlinks = true on the target, or in \[monitor\]/);
  // through a chain of links, and a link out to a directory that only shares a prefix with the target's
  mkdirSync(join(root, "logs2"));
  writeFileSync(join(root, "logs2", "b.log"), "");
  symlinkSync(join(root, "logs2", "b.log"), join(logs, "prefix.log"));
  symlinkSync("evil.log", join(logs, "chain.log"));
  assert.equal((await verdictOf(join(logs, "prefix.log"))).kind, "outside");
  assert.equal((await verdictOf(join(logs, "chain.log"))).kind, "outside");
});

test("a target directory reached through a symlink is compared by its real path", async () => {
  const alias = join(root, "alias");
  symlinkSync(logs, alias);
  symlinkSync("app.log", join(logs, "current.log"));
  symlinkSync("../secret/key", join(logs, "evil.log"));
  assert.equal((await verdictOf(join(alias, "app.log"), alias)).kind, "inside");
  assert.equal((await verdictOf(join(alias, "current.log"), alias)).kind, "inside");
  const evil = await verdictOf(join(alias, "evil.log"), alias);
  assert.equal(evil.kind, "outside");
  assert.match(evil.kind === "outside" ? evil.detail : "", new RegExp(`outside ${alias} \\(`));
});

test("a dangling link, or a directory gone, is 'gone': nothing to report, tried again later", async () => {
  const stat = await nodeFileSystem.stat(join(logs, "app.log"));
  assert.ok(stat);
  symlinkSync("../secret/none", join(logs, "dangling.log"));
  const confinement = new Confinement(logs, nodeFileSystem, dirname);
  assert.deepEqual(await confinement.check(join(logs, "dangling.log"), stat), { kind: "gone" });
  const missing = new Confinement(join(root, "missing"), nodeFileSystem, dirname);
  assert.deepEqual(await missing.check(join(logs, "app.log"), stat), { kind: "gone" });
});

test("a refused file is not resolved again while it is at the path; another file there is", async () => {
  const fs = countingFs();
  const evil = join(logs, "evil.log");
  symlinkSync("../secret/key", evil);
  const confinement = new Confinement(logs, fs, dirname);
  const stat = await fs.stat(evil);
  assert.ok(stat);
  const first = await confinement.check(evil, stat);
  const calls = fs.realPaths;
  assert.deepEqual(await confinement.check(evil, stat), first);
  assert.equal(fs.realPaths, calls, "no realpath for the same refused file");
  unlinkSync(evil);
  symlinkSync("app.log", evil);
  const now = await fs.stat(evil);
  assert.ok(now);
  assert.equal((await confinement.check(evil, now)).kind, "inside");
  assert.ok(fs.realPaths > calls);
});

// ---- the Tailer with a confinement: what is opened, what is said, what /status shows ----

function confinedTailer(path: string, fs: FileSystem, lines: string[], notices: string[]): Tailer {
  return new Tailer(
    path,
    "evil.log",
    fs,
    {
      rotateWaitMs: 0,
      maxLineBytes: 1024,
      maxBytesPerPoll: 1 << 20,
      buffer: new Uint8Array(256),
      yieldToEventLoop: () => Promise.resolve(),
      confinement: new Confinement(logs, fs, dirname),
    },
    {
      line: (_t, text) => lines.push(text),
      notice: (_t, kind, detail) => notices.push(`${kind}: ${detail}`),
    },
  );
}

test("a tailer never opens a link that leads outside, says so once, and lists it with that error", async () => {
  const fs = countingFs();
  const evil = join(logs, "evil.log");
  symlinkSync("../secret/key", evil);
  const lines: string[] = [];
  const notices: string[] = [];
  const tailer = confinedTailer(evil, fs, lines, notices);
  await tailer.poll(await fs.stat(evil), false, 1);
  const calls = fs.realPaths;
  for (let i = 2; i < 6; i++) {
    appendFileSync(join(secret, "key"), `more ${i}\n`);
    await tailer.poll(await fs.stat(evil), false, i);
  }
  assert.deepEqual(lines, []);
  assert.deepEqual(fs.opens, [], "never opened");
  assert.equal(fs.realPaths, calls, "checked once, not on every poll");
  const detail = `not following ${evil}: a symlink to ${join(secret, "key")}, outside ${logs} (${FOLLOW_SYMLINKS_HINT})`;
  assert.deepEqual(notices, [`error: ${detail}`]);
  assert.equal(tailer.status().error, detail);
  // pointed back inside, it is followed (from its start: a new file at the path)
  unlinkSync(evil);
  symlinkSync("app.log", evil);
  await tailer.poll(await fs.stat(evil), false, 10);
  assert.deepEqual(lines, ["app"]);
  assert.equal(tailer.status().error, null);
  assert.match(notices.at(-1) ?? "", /^recovered: /);
  await tailer.close();
});

for (const [what, makeFirst] of [
  ["a followed file replaced by a link outside", (path: string) => writeFileSync(path, "")],
  ["a followed link inside retargeted outside", (path: string) => symlinkSync("app.log", path)],
] as const) {
  test(`${what}: the old file is drained, and the new one is not opened`, async () => {
    const fs = countingFs();
    const path = join(logs, "swap.log");
    makeFirst(path);
    const lines: string[] = [];
    const notices: string[] = [];
    const tailer = confinedTailer(path, fs, lines, notices);
    await tailer.poll(await fs.stat(path), true, 1);
    assert.equal(tailer.status().error, null);
    appendFileSync(path, "last inside\n");
    unlinkSync(path);
    symlinkSync("../secret/key", path);
    await tailer.poll(await fs.stat(path), false, 2);
    await tailer.poll(await fs.stat(path), false, 3);
    assert.deepEqual(lines, ["last inside"], "the old file drained; nothing of the secret");
    assert.deepEqual(fs.opens, [path], "opened once: the first file");
    assert.equal(notices.filter((notice) => notice.startsWith("error: not following")).length, 1);
    await tailer.close();
  });
}

test("a link swapped between the check and the open is not read: the handle is closed and tried again", async () => {
  const path = join(logs, "race.log");
  symlinkSync("app.log", path);
  let closed = 0;
  const fs: FileSystem = {
    ...nodeFileSystem,
    // the swap lands right after the check said "inside"
    open: async (p) => {
      unlinkSync(path);
      symlinkSync("../secret/key", path);
      const handle = await nodeFileSystem.open(p);
      return {
        ...handle,
        close: () => {
          closed++;
          return handle.close();
        },
      };
    },
  };
  const lines: string[] = [];
  const notices: string[] = [];
  const tailer = confinedTailer(path, fs, lines, notices);
  await tailer.poll(await nodeFileSystem.stat(path), false, 1);
  assert.deepEqual(lines, []);
  assert.equal(closed, 1, "the handle to the outside file was closed");
  assert.deepEqual(tailer.status().identity, null, "nothing followed");
  await tailer.poll(await nodeFileSystem.stat(path), false, 2);
  assert.deepEqual(lines, []);
  assert.equal(notices.filter((notice) => notice.startsWith("error: not following")).length, 1);
  await tailer.close();
});
