// Following files: start position, new files, rotation, truncation, delete, partial and long lines.
// The rule behind every case: each line a file contains reaches the stream once, in file order, and
// nothing reaches it that no file contains.
import assert from "node:assert/strict";
import { open } from "node:fs/promises";
import { asEntry, byMessage, type Entry, type EntryStream, sseEntry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, serve } from "../_harness/serve.ts";
import { observeFor, pollUntil } from "../_harness/wait.ts";

const lines = (prefix: string, count: number, from = 1): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}${index + from}`);

/** Every entry on the stream is one of the lines written, and the lines of each file came once, in order. */
export function assertExactlyOnce(stream: EntryStream, files: Record<string, readonly string[]>): void {
  const messages = stream.entries().map((entry) => entry.message);
  const written = new Set(Object.values(files).flat());
  const invented = messages.filter((message) => !written.has(message));
  assert.deepEqual(invented, [], `${stream.label}: entries that no file contains`);
  for (const [name, expected] of Object.entries(files)) {
    const mine = new Set(expected);
    assert.deepEqual(
      messages.filter((message) => mine.has(message)),
      [...expected],
      `${stream.label}: lines of ${name}, once each and in file order; all messages: ${JSON.stringify(messages)}`,
    );
  }
}

async function fileStatus(served: Awaited<ReturnType<typeof serve>>, source: string) {
  return (await served.status()).monitor.files.find((file) => file.source === source);
}

export const tailingCases = [
  defineCase("tailing: existing content is not replayed, only new lines", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "old 1\nold 2\nold 3\n" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["new 1"]);
    await client.nextEntry(byMessage("new 1"));
    assertExactlyOnce(client, { "app.log": ["new 1"] });
  }),

  defineCase("tailing: an existing file is followed from after its last newline", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "old 1\nunfinished " } });
    const client = await connectedSse(served);
    await served.logs.append("app.log", "line\nnext\n");
    await client.nextEntry(byMessage("next"));
    assertExactlyOnce(client, { "app.log": ["unfinished line", "next"] });
  }),

  defineCase("tailing: a file created after start is read from its start", async (rt) => {
    const served = await serve(rt);
    const client = await connectedSse(served);
    await served.logs.appendLines("fresh.log", ["first", "second", "third"]);
    const entry = await client.nextEntry(byMessage("third"));
    assert.equal(entry.source, "fresh.log");
    assertExactlyOnce(client, { "fresh.log": ["first", "second", "third"] });
  }),

  defineCase(
    "tailing: a directory target that does not exist yet is followed once it appears",
    async (rt) => {
      const served = await serve(rt, { args: ["later:*.log"] });
      const client = await connectedSse(served);
      await served.logs.mkdir("later");
      await served.logs.appendLines("later/app.log", ["from a late directory"]);
      // A missing target is re-checked less often than a present one (~4 s on node today): allow for it.
      await client.nextEntry(byMessage("from a late directory"), 10_000);
    },
  ),

  defineCase("tailing: a directory target removed and recreated is followed again", async (rt) => {
    const served = await serve(rt, {
      files: { "logs/app.log": "" },
      args: ["--rotate-wait", "300", "logs:*.log"],
    });
    const client = await connectedSse(served);
    await served.logs.appendLines("logs/app.log", ["before"]);
    await client.nextEntry(byMessage("before"));
    await served.logs.remove("logs");
    await pollUntil(
      async () => ((await served.status()).monitor.files.length === 0 ? true : undefined),
      "the removed directory's file to be released",
      10_000,
    );
    await served.logs.appendLines("logs/app.log", ["after"]);
    await client.nextEntry(byMessage("after"), 10_000);
    assertExactlyOnce(client, { old: ["before"], "logs/app.log": ["after"] });
  }),

  defineCase("tailing: rename rotation delivers every line once, in order", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    const writer = await served.logs.openWriter("app.log");
    await writer.writeLines(lines("a", 3));
    await sse.nextEntry(byMessage("a3"));
    // logrotate `create`: rename, the application still writes to its open descriptor, then a new file.
    await served.logs.rename("app.log", "app.log.1");
    await writer.writeLines(["a4", "a5"]);
    await served.logs.appendLines("app.log", ["b1", "b2"]);
    // The new file is followed at once, while the old one is still being drained.
    await sse.waitForEntry(byMessage("b2"), 3000);
    await sse.waitForEntry(byMessage("a5"));
    // Still inside the grace window (rotate_wait_ms, 5 s by default): late writes to the old file arrive.
    await writer.writeLines(["a6"]);
    await sse.waitForEntry(byMessage("a6"));
    await served.logs.appendLines("app.log", ["b3"]);
    for (const stream of [sse, tcp]) {
      await stream.waitForEntry(byMessage("b3"));
      await stream.waitForEntry(byMessage("a6"));
      assertExactlyOnce(stream, { "app.log.1": lines("a", 6), "app.log": lines("b", 3) });
    }
    // A poll that lands between the rename and the new file sees the path gone: "deleted", not "rotated".
    await served.proc.waitForStderr(/rotated|deleted/);
    // A rotation may be told to SSE clients only as a named event; every unnamed data message is an entry.
    for (const event of sse.events.items) {
      if (event.data === undefined || (event.event !== undefined && event.event !== "message")) continue;
      assert.ok(
        sseEntry(event) || event.data.includes('"heartbeat"'),
        `not an entry: ${JSON.stringify(event)}`,
      );
    }
    for (const line of tcp.lines.items) assert.ok(asEntry(line.json), `not an entry on TCP: ${line.raw}`);
  }),

  defineCase("tailing: a file recreated while the old one drains is followed at once", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    const writer = await served.logs.openWriter("app.log");
    await writer.writeLines(["a1"]);
    await client.nextEntry(byMessage("a1"));
    await served.logs.rename("app.log", "app.log.1");
    // Nothing is at the path now, so the next poll can only call it deleted; the grace window starts.
    await served.proc.waitForStderr(/deleted|rotated/);
    await served.logs.appendLines("app.log", ["b1"]);
    await client.waitForEntry(byMessage("b1"), 3000);
    await writer.writeLines(["a2"]);
    await client.waitForEntry(byMessage("a2"));
    assertExactlyOnce(client, { "app.log.1": ["a1", "a2"], "app.log": ["b1"] });
  }),

  defineCase("tailing: rename rotation between two polls (SIGSTOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    const writer = await served.logs.openWriter("app.log");
    await writer.writeLines(["a1"]);
    await client.nextEntry(byMessage("a1"));
    served.proc.signal("SIGSTOP");
    await writer.writeLines(["a2"]);
    await served.logs.rename("app.log", "app.log.1");
    await writer.writeLines(["a3"]);
    await served.logs.appendLines("app.log", ["b1"]);
    served.proc.signal("SIGCONT");
    await client.waitForEntry(byMessage("b1"));
    await client.waitForEntry(byMessage("a3"));
    await served.logs.appendLines("app.log", ["b2"]);
    await client.waitForEntry(byMessage("b2"));
    assertExactlyOnce(client, { "app.log.1": lines("a", 3), "app.log": ["b1", "b2"] });
    // No poll saw the path empty, so this is certainly a rotation: logged and counted as one.
    await served.proc.waitForStderr(/rotated/);
    const file = await fileStatus(served, "app.log");
    assert.ok(file && file.rotations >= 1, `rotations counted in /status: ${JSON.stringify(file)}`);
  }),

  defineCase("tailing: copytruncate delivers the new lines without re-emitting old ones", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    await served.logs.appendLines("app.log", ["a1 with some length", "a2 with some length"]);
    await sse.nextEntry(byMessage("a2 with some length"));
    await served.logs.truncate("app.log");
    await served.logs.appendLines("app.log", ["b1"]);
    await served.proc.waitForStderr(/truncated/);
    for (const stream of [sse, tcp]) {
      await stream.nextEntry(byMessage("b1"));
    }
    await served.logs.appendLines("app.log", ["b2"]);
    for (const stream of [sse, tcp]) {
      await stream.nextEntry(byMessage("b2"));
      assertExactlyOnce(stream, { "app.log": ["a1 with some length", "a2 with some length", "b1", "b2"] });
    }
    const file = await fileStatus(served, "app.log");
    assert.equal(file?.truncations, 1, JSON.stringify(file));
  }),

  defineCase("tailing: truncate and regrow past the old offset between two polls (SIGSTOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1", "a2"]);
    await client.nextEntry(byMessage("a2"));
    served.proc.signal("SIGSTOP");
    await served.logs.truncate("app.log");
    const regrown = lines("regrown line number ", 5);
    await served.logs.appendLines("app.log", regrown);
    served.proc.signal("SIGCONT");
    await client.nextEntry(byMessage("regrown line number 5"));
    await served.logs.appendLines("app.log", ["after"]);
    await client.nextEntry(byMessage("after"));
    assertExactlyOnce(client, { "app.log": ["a1", "a2", ...regrown, "after"] });
  }),

  defineCase("tailing: truncation under a writer without O_APPEND skips the NUL hole", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    // The writer keeps its own position, as a program opened with O_WRONLY (no O_APPEND) does.
    const handle = await open(served.logs.file("app.log"), "r+");
    try {
      const first = Buffer.from("a1 before the copy\na2 before the copy\n");
      await handle.write(first, 0, first.length, 0);
      await client.nextEntry(byMessage("a2 before the copy"));
      await served.logs.truncate("app.log");
      const next = Buffer.from("b1 after the copy\n");
      await handle.write(next, 0, next.length, first.length);
    } finally {
      await handle.close();
    }
    const entry = await client.nextEntry((item) => item.message.includes("b1 after the copy"));
    assert.equal(entry.message, "b1 after the copy");
    assertExactlyOnce(client, {
      "app.log": ["a1 before the copy", "a2 before the copy", "b1 after the copy"],
    });
  }),

  defineCase("tailing: delete and recreate", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1"]);
    await client.nextEntry(byMessage("a1"));
    await served.logs.remove("app.log");
    // Give a poll the chance to see the path empty; the assertions hold either way.
    await observeFor(100);
    await served.logs.appendLines("app.log", ["b1", "b2"]);
    await client.nextEntry(byMessage("b2"));
    assertExactlyOnce(client, { "app.log": ["a1", "b1", "b2"] });
  }),

  defineCase("tailing: delete and recreate between two polls (SIGSTOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1"]);
    await client.nextEntry(byMessage("a1"));
    served.proc.signal("SIGSTOP");
    await served.logs.appendLines("app.log", ["a2"]);
    await served.logs.remove("app.log");
    await served.logs.appendLines("app.log", ["b1"]);
    served.proc.signal("SIGCONT");
    await client.nextEntry(byMessage("b1"));
    await served.logs.appendLines("app.log", ["b2"]);
    await client.nextEntry(byMessage("b2"));
    // a2 lived only in the deleted file: it is lost unless logwisp still had it open, which it did.
    assertExactlyOnce(client, { old: ["a1", "a2"], "app.log": ["b1", "b2"] });
  }),

  defineCase("tailing: replaced by another file through an atomic rename (SIGSTOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1"]);
    await client.nextEntry(byMessage("a1"));
    served.proc.signal("SIGSTOP");
    await served.logs.write("app.log.tmp", "c1\nc2\n");
    await served.logs.rename("app.log.tmp", "app.log");
    served.proc.signal("SIGCONT");
    await client.nextEntry(byMessage("c2"));
    assertExactlyOnce(client, { old: ["a1"], "app.log": ["c1", "c2"] });
  }),

  defineCase("tailing: a partial line is delivered only once its newline is written", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.append("app.log", "half a line");
    await client.expectNoEntry(() => true, 400, "entry before the newline");
    await served.logs.append("app.log", ", now whole\n");
    await client.nextEntry(byMessage("half a line, now whole"));
    await served.logs.appendLines("app.log", ["next"]);
    await client.nextEntry(byMessage("next"));
    assertExactlyOnce(client, { "app.log": ["half a line, now whole", "next"] });
  }),

  defineCase("tailing: the partial tail of a deleted file is emitted once, marked partial", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" }, args: ["--rotate-wait", "200"] });
    const client = await connectedSse(served);
    await served.logs.append("app.log", "whole\norphan tail");
    await client.nextEntry(byMessage("whole"));
    await served.logs.remove("app.log");
    const entry = await client.nextEntry(byMessage("orphan tail"));
    assert.equal(entry.fields?.partial, true, JSON.stringify(entry));
    await observeFor(300);
    assert.equal(client.entries().filter(byMessage("orphan tail")).length, 1, "emitted once");
  }),

  defineCase(
    "tailing: a 2 MiB line arrives cut, marked truncated, and the next line follows",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const client = await connectedSse(served);
      const huge = "x".repeat(2 * 1024 * 1024);
      await served.logs.append("app.log", `${huge}\nafter the huge line\n`);
      const cut: Entry = await client.nextEntry((entry) => entry.message.startsWith("xxx"), 10_000);
      assert.equal(cut.fields?.truncated, true);
      assert.ok(
        cut.message.length <= 1024 * 1024,
        `cut to max_line_bytes (1 MiB), got ${cut.message.length}`,
      );
      assert.ok(
        cut.message.length >= 1024 * 1024 - 4,
        `keeps up to max_line_bytes, got ${cut.message.length}`,
      );
      await client.nextEntry(byMessage("after the huge line"), 10_000);
      assert.equal(client.entries().length, 2, "the rest of the long line is skipped, not emitted");
    },
    { exclusive: true },
  ),

  defineCase("tailing: --max-line-bytes cuts on a character boundary", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" }, args: ["--max-line-bytes", "1024"] });
    const client = await connectedSse(served);
    // 1 + 2 × 1000 bytes: byte 1024 falls inside an "é", so the cut keeps 1 + 2 × 511 = 1023 bytes.
    await served.logs.appendLines("app.log", [`a${"é".repeat(1000)}`, "ok"]);
    const cut = await client.nextEntry();
    assert.equal(cut.message, `a${"é".repeat(511)}`);
    assert.equal(cut.fields?.truncated, true);
    await client.nextEntry(byMessage("ok"));
  }),

  defineCase(
    "tailing: a burst of 100,000 lines arrives complete and in order",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const tcp = await connectedTcp(served);
      const count = 100_000;
      const burst = lines("burst line ", count);
      await served.logs.appendLines("app.log", burst);
      // Stop as soon as logwisp reports a drop rather than waiting out the deadline for a lost last line.
      const outcome = await pollUntil(
        async () => {
          if (tcp.entries().length >= count) return "complete";
          return (await served.status()).totals.dropped > 0 ? "dropped" : undefined;
        },
        `all ${count} lines`,
        30_000,
        250,
      );
      if (outcome === "dropped") {
        const { totals } = await served.status();
        assert.fail(
          `logwisp dropped ${totals.dropped} of ${count} entries for a client that kept reading ` +
            `(received ${tcp.entries().length})\n${tcp.lines.dump(3)}`,
        );
      }
      const messages = tcp.entries().map((entry) => entry.message);
      assert.equal(messages.length, count);
      const outOfPlace = messages.findIndex((message, index) => message !== burst[index]);
      assert.equal(outOfPlace, -1, `first difference at ${outOfPlace}: ${messages[outOfPlace]}`);
      assert.equal((await served.status()).totals.dropped, 0);
    },
    { timeoutMs: 45_000, exclusive: true },
  ),
];
