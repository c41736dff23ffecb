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

function discover(targets: MonitorTarget[], fs?: FileSystem, followSymlinks?: boolean): Discovery {
  const runtime = createNodeRuntime();
  return new Discovery(
    { ...runtime, fs: fs ?? runtime.fs },
    targets,
    (kind, path, detail) => notices.push(`${kind} ${path}: ${detail}`),
    followSymlinks,
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

test("a directory target's matches are confined to it unless follow_symlinks; a file target never is", async () => {
  for (const name of ["a", "b", "c"]) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "x.log"), "");
  }
  writeFileSync(join(dir, "single.log"), "");
  const targets: MonitorTarget[] = [
    { path: join(dir, "a"), pattern: "*.log" },
    { path: join(dir, "b"), pattern: "*.log", follow_symlinks: true },
    { path: join(dir, "c"), pattern: "*.log", follow_symlinks: false },
    { path: join(dir, "single.log"), pattern: "*.log" },
  ];
  const confinedTo = async (followSymlinks?: boolean) =>
    Object.fromEntries(
      [...(await discover(targets, undefined, followSymlinks).scan())].map(([path, to]) => [
        path.slice(dir.length + 1),
        to?.slice(dir.length + 1),
      ]),
    );
  assert.deepEqual(await confinedTo(), {
    "a/x.log": "a",
    "b/x.log": undefined,
    "c/x.log": "c",
    "single.log": undefined,
  });
  assert.deepEqual(await confinedTo(true), {
    "a/x.log": undefined,
    "b/x.log": undefined,
    "c/x.log": "c",
    "single.log": undefined,
  });
});

test("a path two targets name is confined only if both confine it", async () => {
  writeFileSync(join(dir, "x.log"), "");
  const paths = await discover([
    { path: dir, pattern: "*.log" },
    { path: dir, pattern: "x.*", follow_symlinks: true },
  ]).scan();
  assert.deepEqual([...paths], [[join(dir, "x.log"), undefined]]);
});
