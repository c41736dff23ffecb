// Symlinks out of a target directory (issue 18): whoever may write into a log directory must not be able
// to have any other file logwisp can read streamed, by linking it there. Each case proves a line appended
// to the outside file does not arrive while one appended to a normal file does, and that the refusal is
// said once on stderr and listed in /status, naming the key that allows it.
import assert from "node:assert/strict";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { byMessage, type EntryStream } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { makeTempDir } from "../_harness/process.ts";
import { connectedSse, type Served, serve } from "../_harness/serve.ts";
import { observeFor } from "../_harness/wait.ts";

/**
 * A new name is found by a watch hint at once, or else by the directory listing, which runs at least every
 * 5 s while the directory is watched.
 */
const DISCOVERY_MS = 10_000;
/** Polls (at --check-interval 20) in which a report repeated on each poll would show. */
const OBSERVE_POLLS_MS = 400;
const KEY_HINT = "set follow_symlinks = true on the target, or in [monitor], to follow it";

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A directory outside the served one, holding files a link could lead to. */
async function outsideDir(names: readonly string[]): Promise<string> {
  const dir = await makeTempDir("logwisp-outside-");
  for (const name of names) await writeFile(join(dir, name), "");
  return dir;
}

/** The stderr lines that refuse `name` (a path ending in it); fails unless there is exactly one. */
function refusedOnce(served: Served, name: string): string {
  const lines = served.proc
    .stderr()
    .split("\n")
    .filter((line) => line.includes("not following") && line.includes(`/${name}:`));
  assert.equal(lines.length, 1, `one refusal of ${name} expected:\n${served.proc.stderr()}`);
  return lines[0] as string;
}

/** Appends `marker` to a normal file and waits for it: a poll pass after anything appended before has run. */
async function passMarker(served: Served, client: EntryStream, file: string, marker: string): Promise<void> {
  await served.logs.appendLines(file, [marker]);
  await client.waitForEntry(byMessage(marker));
}

export const symlinkCases = [
  defineCase(
    "symlinks: a link out of the target directory, there at start or made later, is not streamed and said once; a link inside is followed",
    async (rt) => {
      const outside = await outsideDir(["key", "other-key"]);
      const served = await serve(rt, {
        files: { "app.log": "", "app-2024.log": "" },
        symlinks: { "evil.log": join(outside, "key"), "current.log": "app-2024.log" },
      });
      await served.proc.waitForStderr(
        new RegExp(
          `^logwisp: not following ${escaped(served.logs.file("evil.log"))}: a symlink to ${escaped(join(outside, "key"))}, outside ${escaped(served.dir)} \\(${escaped(KEY_HINT)}\\)$`,
          "m",
        ),
      );
      const client = await connectedSse(served);
      await symlink(join(outside, "other-key"), served.logs.file("late.log"));
      await served.proc.waitForStderr(/not following \S+\/late\.log: a symlink to /, DISCOVERY_MS);
      await writeFile(join(outside, "key"), "SECRET at start\n", { flag: "a" });
      await writeFile(join(outside, "other-key"), "SECRET made later\n", { flag: "a" });
      await served.logs.appendLines("app.log", ["normal"]);
      await served.logs.appendLines("app-2024.log", ["inside"]);
      await client.waitForEntry((entry) => entry.source === "current.log" && entry.message === "inside");
      await client.waitForEntry((entry) => entry.source === "app-2024.log" && entry.message === "inside");
      await client.waitForEntry(byMessage("normal"));
      await observeFor(OBSERVE_POLLS_MS);
      await passMarker(served, client, "app.log", "marker");
      assert.deepEqual(
        client.entries().filter((entry) => entry.message.includes("SECRET")),
        [],
        "nothing of the outside files",
      );
      refusedOnce(served, "evil.log");
      refusedOnce(served, "late.log");
      const files = (await served.status()).monitor.files;
      for (const source of ["evil.log", "late.log"]) {
        const file = files.find((item) => item.source === source);
        assert.ok(file, `${source} listed in /status`);
        assert.equal(file.lines_read, 0);
        assert.match(file.error ?? "", /^not following .* \(set follow_symlinks = true on the target/);
      }
      assert.equal(files.find((item) => item.source === "current.log")?.error, null);
    },
  ),

  defineCase(
    "symlinks: --follow-symlinks streams a link out of a target directory; a target's follow_symlinks = false in the file still refuses",
    async (rt) => {
      const outside = await outsideDir(["key"]);
      const served = await serve(rt, {
        files: { "a/plain.log": "", "b/plain.log": "" },
        symlinks: { "a/linked.log": join(outside, "key"), "b/refused.log": join(outside, "key") },
        config: [
          "[[monitor.targets]]",
          'path = "a"',
          "[[monitor.targets]]",
          'path = "b"',
          "follow_symlinks = false",
          "",
        ].join("\n"),
        args: ["--follow-symlinks"],
      });
      const client = await connectedSse(served);
      await writeFile(join(outside, "key"), "allowed\n", { flag: "a" });
      const linked = await client.waitForEntry(byMessage("allowed"));
      assert.equal(linked.source, "linked.log");
      await observeFor(OBSERVE_POLLS_MS);
      await passMarker(served, client, "b/plain.log", "marker");
      assert.deepEqual(
        client.entries().map((entry) => `${entry.source}: ${entry.message}`),
        ["linked.log: allowed", "plain.log: marker"],
        "the line once, through the allowed link only",
      );
      assert.match(refusedOnce(served, "refused.log"), /outside \S+\/b \(/);
      const status = (await served.status()) as unknown as { monitor: { follow_symlinks: boolean } };
      assert.equal(status.monitor.follow_symlinks, true);
    },
  ),
];
