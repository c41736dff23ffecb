// The watch hint names the changed file by its path under the watched directory, joined as node:path joins
// it, however the directory was written (a trailing separator, `..` segments).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { watch } from "./node-watch.ts";

test("a hint names the file as join(directory, name), for any spelling of the directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "logwisp-watch-"));
  try {
    for (const spelling of [dir, `${dir}/`, `${dir}/../${dir.split("/").at(-1)}`]) {
      let resolve: (path: string) => void = () => undefined;
      const promise = new Promise<string>((settle) => {
        resolve = settle;
      });
      const watcher = watch(spelling, (path) => {
        resolve(path);
        return 0;
      });
      const timer = setTimeout(() => resolve("no hint within 5 s"), 5000);
      writeFileSync(join(dir, "a.log"), "line\n", { flag: "a" });
      assert.equal(await promise, join(spelling, "a.log"));
      clearTimeout(timer);
      await watcher.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
