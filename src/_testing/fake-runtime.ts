// A small Runtime for config tests, backed by the real file system (tests may use node:*), a temp
// directory helper, and loadConfig run inside a temp directory. It lives in src/_testing/, outside the core
// (which never imports node:*) and left out of the build.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { nodeFileSystem } from "../adapters/_shared/node-fs.ts";
import { ConfigError, type ConfigIssue } from "../core/config/errors.ts";
import type { ConfigRuntime } from "../core/config/file.ts";
import { type CliRequest, loadConfig } from "../core/config/load.ts";
import type { FileStat } from "../core/runtime.ts";

async function statPath(path: string): Promise<FileStat | undefined> {
  try {
    const s = await stat(path);
    const kind = s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, kind };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function fakeRuntime(options: {
  cwd: string;
  env?: Record<string, string>;
  homeDir?: string;
}): ConfigRuntime {
  const unused = () => Promise.reject(new Error("not used by config"));
  return {
    fs: {
      stat: statPath,
      open: unused,
      readDir: unused,
      readText: (path) => readFile(path, "utf8"),
      realPath: unused,
      // the state directory's needs, on the real file system as everything else here
      writeFileAtomic: nodeFileSystem.writeFileAtomic,
      appendAndSync: nodeFileSystem.appendAndSync,
      rename: nodeFileSystem.rename,
      createExclusive: nodeFileSystem.createExclusive,
      makeDir: nodeFileSystem.makeDir,
      remove: nodeFileSystem.remove,
    },
    env: options.env ?? {},
    cwd: options.cwd,
    homeDir: options.homeDir,
    resolvePath: (path, base) => resolve(base ?? options.cwd, path),
    joinPath: (...parts) => join(...parts),
  };
}

/** A fresh temp directory with the given files (relative path → content); removed by the returned cleanup. */
export async function tempTree(
  files: Record<string, string>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "logwisp-config-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
export interface Setup {
  files?: Record<string, string>;
  env?: Record<string, string>;
  argv?: string[];
  /** A home directory inside the temp tree. */
  home?: string;
}

/** Runs loadConfig in a temp directory (cwd); `$DIR` in env and argv is replaced by that directory. */
export async function load(setup: Setup): Promise<{ dir: string; result: CliRequest | ConfigError }> {
  const tree = await tempTree(setup.files ?? {});
  const fill = (text: string) => text.replaceAll("$DIR", tree.dir);
  const env = Object.fromEntries(Object.entries(setup.env ?? {}).map(([name, value]) => [name, fill(value)]));
  const runtime = fakeRuntime({
    cwd: tree.dir,
    env,
    homeDir: setup.home === undefined ? undefined : join(tree.dir, setup.home),
  });
  try {
    return { dir: tree.dir, result: await loadConfig(runtime, (setup.argv ?? []).map(fill)) };
  } catch (error) {
    if (error instanceof ConfigError) return { dir: tree.dir, result: error };
    throw error;
  } finally {
    await tree.cleanup();
  }
}

export async function run(setup: Setup) {
  const { dir, result } = await load(setup);
  if (result instanceof ConfigError) assert.fail(result.format());
  assert.equal(result.kind, "run");
  return { dir, ...(result.kind === "run" ? result : assert.fail("not run")) };
}

export async function issues(setup: Setup): Promise<ConfigIssue[]> {
  const { result } = await load(setup);
  assert.ok(result instanceof ConfigError, "expected a ConfigError");
  return [...result.issues];
}

// the in-memory NATS JetStream (a Runtime's loadNats in unit tests)
export { FakeNatsServer } from "./fake-nats.ts";
