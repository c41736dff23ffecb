import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createNodeRuntime } from "../../adapters/node/index.ts";
import { ConfigFileWatch } from "./watch-file.ts";

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const withWatch of [true, false]) {
  test(`a change of the file, written in place or renamed over it, is reported once per save (${withWatch ? "watch hint" : "poll alone"})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "logwisp-config-watch-"));
    const path = join(dir, "logwisp.toml");
    writeFileSync(path, "[monitor]\n");
    const runtime = createNodeRuntime();
    let changes = 0;
    const watch = new ConfigFileWatch(
      withWatch ? runtime : { ...runtime, watch: undefined },
      path,
      () => changes++,
      100,
    );
    await watch.start();
    try {
      // a save in several writes is one change
      writeFileSync(path, "[monitor]\ncheck_interval_ms = 50\n");
      writeFileSync(path, "[monitor]\ncheck_interval_ms = 500\n");
      await until(() => changes === 1, "the first change");
      writeFileSync(join(dir, "new.toml"), "[auth]\ntoken = 'x'\n");
      renameSync(join(dir, "new.toml"), path);
      await until(() => changes === 2, "the rename");
      // a write elsewhere in the directory is not a change of the config file
      writeFileSync(join(dir, "other.log"), "line\n");
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(changes, 2);
    } finally {
      await watch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
