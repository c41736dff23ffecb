// Tailing edges that only show between two polls or inside one line: a truncation just before a rename,
// a held partial line, lines longer than a read, bytes split across polls. /status says what a poll saw
// (offset, pending_bytes), so "between two polls" is exact without sleeping.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { byMessage, type Entry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, type Served, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";
import { assertExactlyOnce } from "./tailing.ts";

/** A file as /status shows it (monitor.files[]), with the fields the harness type leaves out. */
interface FileStatus {
  readonly path: string;
  readonly source: string;
  readonly identity: { dev: number; ino: number; prefix_bytes: number; prefix_hash: string } | null;
  readonly offset: number;
  readonly pending_bytes: number;
  readonly rotations: number;
  readonly truncations: number;
  readonly lines_read: number;
  readonly duplicates_risked: number;
}

async function fileStatus(served: Served, source: string): Promise<FileStatus | undefined> {
  const files = (await served.status()).monitor.files as unknown as FileStatus[];
  return files.find((file) => file.source === source);
}

/** Waits until /status shows the file in the given state: proof that a poll has seen it so. */
function statusShows(
  served: Served,
  source: string,
  what: string,
  check: (file: FileStatus) => boolean,
): Promise<FileStatus> {
  return pollUntil(async () => {
    const file = await fileStatus(served, source);
    if (file && check(file)) return file;
    throw new Error(`app.log in /status: ${JSON.stringify(file)}`);
  }, what);
}

export const tailingEdgeCases = [
  defineCase("tailing: truncated, regrown and renamed away between two polls (SIGSTOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1"]);
    await client.nextEntry(byMessage("a1"));
    served.proc.signal("SIGSTOP");
    // copytruncate, the writer goes on past the old offset, then a rename rotation: all before a poll
    await served.logs.truncate("app.log");
    await served.logs.appendLines("app.log", ["c1 after the truncation", "c2 after the truncation"]);
    await served.logs.rename("app.log", "app.log.1");
    await served.logs.appendLines("app.log", ["b1"]);
    served.proc.signal("SIGCONT");
    await client.waitForEntry(byMessage("b1"));
    await client.waitForEntry(byMessage("c2 after the truncation"));
    // the old file is read again from 0, not from its old offset (which would start mid-line)
    assertExactlyOnce(client, {
      "app.log.1": ["a1", "c1 after the truncation", "c2 after the truncation"],
      "app.log": ["b1"],
    });
    const file = await fileStatus(served, "app.log");
    assert.equal(file?.truncations, 1, JSON.stringify(file));
  }),

  defineCase("tailing: a held partial line is dropped when its file is truncated", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.append("app.log", "whole\nheld partial");
    await client.nextEntry(byMessage("whole"));
    await statusShows(served, "app.log", "the partial line to be held", (f) => f.pending_bytes === 12);
    await served.logs.truncate("app.log");
    await served.logs.appendLines("app.log", ["b1"]);
    await client.nextEntry(byMessage("b1"));
    assertExactlyOnce(client, { "app.log": ["whole", "b1"] });
  }),

  defineCase(
    "tailing: a held partial line is not flushed by time, however many grace windows pass",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" }, args: ["--rotate-wait", "50"] });
      const client = await connectedSse(served);
      await served.logs.append("app.log", "slow writer");
      await statusShows(served, "app.log", "the partial line to be held", (f) => f.pending_bytes === 11);
      await client.expectNoEntry(() => true, 300, "an entry before the newline (held for 6 grace windows)");
      await served.logs.append("app.log", ", done\n");
      const entry = await client.nextEntry(byMessage("slow writer, done"));
      assert.equal(entry.fields, undefined, "a completed line carries no partial flag");
    },
  ),

  defineCase(
    "tailing: a 100 KiB line (over Fluent Bit's 32 KiB) arrives whole, and the file is still followed",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const client = await connectedSse(served);
      const long = `long ${"0123456789".repeat(10 * 1024)}`;
      await served.logs.appendLines("app.log", [long, "after the long line"]);
      const entry: Entry = await client.nextEntry((item) => item.message.startsWith("long "));
      assert.equal(entry.message.length, long.length);
      assert.equal(entry.message, long);
      assert.equal(entry.fields, undefined, "not truncated");
      await client.nextEntry(byMessage("after the long line"));
    },
  ),

  defineCase(
    "tailing: an over-long line is cut before its newline comes, and not held in memory",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" }, args: ["--max-line-bytes", "1024"] });
      const client = await connectedSse(served);
      await served.logs.append("app.log", "x".repeat(5000));
      const cut = await client.nextEntry();
      assert.equal(cut.message, "x".repeat(1024));
      assert.equal(cut.fields?.truncated, true);
      await served.logs.append("app.log", "x".repeat(5000));
      await statusShows(served, "app.log", "the rest read and skipped", (f) => f.offset === 10_000);
      const file = await fileStatus(served, "app.log");
      assert.equal(file?.pending_bytes, 0, "the rest of the long line is skipped, not held");
      await served.logs.append("app.log", "tail of the long line\nnext\n");
      await client.nextEntry(byMessage("next"));
      assert.equal(
        client.entries().length,
        2,
        JSON.stringify(client.entries().map((e) => e.message.slice(0, 40))),
      );
    },
  ),

  defineCase("tailing: a character split across two polls arrives whole", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    const bytes = Buffer.from("split ☕ here\n");
    const cut = bytes.indexOf(Buffer.from("☕")) + 1;
    await served.logs.append("app.log", bytes.subarray(0, cut));
    // a poll has read the first byte of the ☕ and holds it
    await statusShows(served, "app.log", "the half character to be read", (f) => f.offset === cut);
    await served.logs.append("app.log", bytes.subarray(cut));
    const entry = await client.nextEntry();
    assert.equal(entry.message, "split ☕ here");
  }),

  defineCase(
    "tailing: one trailing \\r is removed, a second is kept, a bare \\r\\n is skipped",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const client = await connectedSse(served);
      await served.logs.append("app.log", "one\r\n\r\ntwo\r\r\nlast\n");
      await client.nextEntry(byMessage("last"));
      assert.deepEqual(
        client.entries().map((entry) => entry.message),
        ["one", "two\r", "last"],
      );
    },
  ),

  defineCase("tailing: /status shows each file's path, identity, offset and counters", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "old\n" } });
    const client = await connectedSse(served);
    const path = served.logs.file("app.log");
    const first = await fileStatus(served, "app.log");
    assert.ok(first?.identity, `identity: ${JSON.stringify(first)}`);
    assert.equal(first.path, path);
    assert.equal(first.identity.ino, statSync(path).ino);
    assert.equal(typeof first.identity.dev, "number");
    assert.equal(first.identity.prefix_bytes, 4);
    assert.match(first.identity.prefix_hash, /^[0-9a-f]{8}$/);
    assert.deepEqual(
      [first.offset, first.rotations, first.truncations, first.lines_read, first.duplicates_risked],
      [4, 0, 0, 0, 0],
    );
    await served.logs.appendLines("app.log", ["a1", "a2"]);
    await client.nextEntry(byMessage("a2"));
    await served.logs.truncate("app.log");
    await served.logs.appendLines("app.log", ["b1"]);
    await client.nextEntry(byMessage("b1"));
    await served.logs.rename("app.log", "app.log.1");
    await served.logs.appendLines("app.log", ["c1"]);
    await client.nextEntry(byMessage("c1"));
    const ino = statSync(path).ino;
    const last = await statusShows(
      served,
      "app.log",
      "the new file as identity",
      (f) => f.identity?.ino === ino,
    );
    assert.equal(last.truncations, 1, JSON.stringify(last));
    assert.ok(last.rotations >= 1, JSON.stringify(last));
    assert.equal(last.lines_read, 4, JSON.stringify(last));
    assert.equal(last.duplicates_risked, 0);
    assert.equal(last.offset, 3);
  }),
];
