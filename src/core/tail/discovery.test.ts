import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import type { FileSystem } from "../runtime.ts";
import { Discovery, type MonitorTarget } from "./discovery.ts";

let dir: string;
let notices: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-discovery-"));
  notices = [];
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function discover(targets: MonitorTarget[], fs?: FileSystem): Discovery {
  const runtime = createNodeRuntime();
  return new Discovery({ ...runtime, fs: fs ?? runtime.fs }, targets, (kind, path, detail) =>
    notices.push(`${kind} ${path}: ${detail}`),
  );
}

const names = (paths: ReadonlyMap<string, unknown>): string[] =>
  [...paths.keys()].map((path) => path.slice(dir.length + 1)).sort();

test("a directory target lists matching files only", async () => {
  writeFileSync(join(dir, "a.log"), "");
  writeFileSync(join(dir, "b.txt"), "");
  writeFileSync(join(dir, "c.log.1"), "");
  const discovery = discover([{ path: dir, pattern: "*.log" }]);
  assert.deepEqual(names(await discovery.scan()), ["a.log"]);
});

test("a directory that cannot be listed is reported once, retried every scan, and recovers", async () => {
  writeFileSync(join(dir, "app.log"), "");
  const runtime = createNodeRuntime();
  let refuse = true;
  let attempts = 0;
  const fs: FileSystem = {
    ...runtime.fs,
    readDir: (path) => {
      attempts++;
      return refuse
        ? Promise.reject(
            Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: "EACCES" }),
          )
        : runtime.fs.readDir(path);
    },
  };
  const discovery = discover([{ path: dir, pattern: "*.log" }], fs);
  for (let i = 0; i < 3; i++) assert.deepEqual(names(await discovery.scan()), []);
  assert.equal(attempts, 3, "retried on every scan");
  assert.deepEqual(notices, [`error ${dir}: permission denied: ${dir} (will retry)`]);
  refuse = false;
  assert.deepEqual(names(await discovery.scan()), ["app.log"]);
  assert.deepEqual(notices.slice(1), [`recovered ${dir}: ${dir} is readable again`]);
});

test("a target that does not exist yet is listed once it appears; a removed file leaves the listing", async () => {
  const logs = join(dir, "logs");
  const discovery = discover([{ path: logs, pattern: "*.log" }]);
  assert.deepEqual(names(await discovery.scan()), []);
  assert.equal(discovery.watchedDirectories().complete, false, "nothing to watch yet: keep polling");
  mkdirSync(logs);
  writeFileSync(join(logs, "a.log"), "");
  assert.deepEqual(names(await discovery.scan()), ["logs/a.log"]);
  rmSync(join(logs, "a.log"));
  assert.deepEqual(names(await discovery.scan()), []);
  assert.deepEqual(notices, [], "a missing path is not an error");
});
