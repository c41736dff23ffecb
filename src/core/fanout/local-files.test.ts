// LocalFiles and the checkpoints: a file's position is advanced only once the lines before it reached the
// hub (and its ring), and a start on saved checkpoints reads each file from where it stopped.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import { defaultConfig } from "../config/schema.ts";
import type { FilePosition } from "../tail/tailer.ts";
import { Hub } from "./hub.ts";
import { LocalFiles } from "./local-files.ts";

let dir: string;
let files: LocalFiles | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-local-files-"));
});

afterEach(async () => {
  await files?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(hub: Hub, saved?: Map<string, FilePosition[]>) {
  const advanced: Array<{ path: string; at: FilePosition; published: number }> = [];
  const monitor = {
    ...defaultConfig().monitor,
    check_interval_ms: 10,
    targets: [{ path: dir, pattern: "*.log" }],
  };
  files = new LocalFiles({ ...createNodeRuntime(), log: () => undefined }, monitor, hub, {
    positions: {
      advance: (path, at) => advanced.push({ path, at, published: hub.ring.newestSeq }),
      release: () => undefined,
      forget: () => undefined,
    },
    saved: () => saved,
  });
  return { advanced, started: files.start() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("a position advances only after the lines before it are in the hub", async () => {
  const path = join(dir, "app.log");
  writeFileSync(path, "");
  const hub = new Hub({ replaySize: 1000 });
  const { advanced, started } = start(hub);
  await started;
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${"x".repeat(i % 50)}`);
  const text = lines.map((line) => `${line}\n`).join("");
  appendFileSync(path, text);
  await until(() => advanced.at(-1)?.at.offset === text.length, "the last position");
  for (const { at, published } of advanced) {
    const before = text.slice(0, at.offset).split("\n").length - 1;
    assert.ok(
      published >= before,
      `at offset ${at.offset}: ${before} lines before it, ${published} in the hub`,
    );
  }
  assert.equal(hub.ring.newestSeq, 300);
});

test("started on checkpoints: a known file from its offset, a file the state does not know from its start", async () => {
  const known = join(dir, "known.log");
  writeFileSync(known, "old 1\nold 2\n");
  const first = new Hub({ replaySize: 100 });
  const run = start(first);
  await run.started;
  await until(() => run.advanced.some((a) => a.path === known), "the known file's position");
  const saved = new Map([[known, [run.advanced.filter((a) => a.path === known).at(-1)?.at as FilePosition]]]);
  await files?.stop();
  appendFileSync(known, "while down\n");
  writeFileSync(join(dir, "new.log"), "appeared while down\n");
  const hub = new Hub({ replaySize: 100 });
  const { started } = start(hub, saved);
  await started;
  await until(() => hub.ring.newestSeq >= 2, "the two lines");
  const messages = [1, 2].map((seq) => JSON.parse(hub.ring.get(seq)?.json ?? "{}").message).sort();
  assert.deepEqual(messages, ["appeared while down", "while down"]);
});
