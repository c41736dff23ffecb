// The config tests' fake runtime, checked against the real file system it wraps.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fakeRuntime, tempTree } from "./fake-runtime.ts";

test("fake runtime stats files, directories and missing paths", async () => {
  const { dir, cleanup } = await tempTree({ "a.toml": "x = 1\n" });
  try {
    const runtime = fakeRuntime({ cwd: dir });
    assert.equal((await runtime.fs.stat(join(dir, "a.toml")))?.kind, "file");
    assert.equal((await runtime.fs.stat(dir))?.kind, "directory");
    assert.equal(await runtime.fs.stat(join(dir, "missing.toml")), undefined);
    assert.equal(runtime.resolvePath("a.toml"), join(dir, "a.toml"));
  } finally {
    await cleanup();
  }
});
