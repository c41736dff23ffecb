// Hostile input (issue 5): what may be found in a log directory must not crash, block or flood logwisp.
// Each case then proves the next good line still arrives, and that a problem is reported once — a
// failing path is re-checked every poll, so a report per poll would show as a repeated stderr line.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { symlink, writeFile } from "node:fs/promises";
import { byMessage, openSse } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { LogDir } from "../_harness/files.ts";
import { makeTempDir, READY_LINE, serveArgs, startLogwisp } from "../_harness/process.ts";
import { connectedSse, type Served, serve } from "../_harness/serve.ts";
import { observeFor, pollUntil } from "../_harness/wait.ts";

/** Polls (at --check-interval 20) that a per-poll report would have repeated in. */
const OBSERVE_POLLS_MS = 600;
/**
 * A new name is found by a watch hint at once, or else by the directory listing, which runs at least every
 * 5 s while the directory is watched (Deno's watchFs sends no event for a mkfifo).
 */
const DISCOVERY_MS = 10_000;

/** Lines logwisp wrote to stderr after its ready line. */
function stderrAfterReady(served: Pick<Served, "proc">): string[] {
  const text = served.proc.stderr();
  const ready = READY_LINE.exec(text);
  const rest = ready ? text.slice((ready.index ?? 0) + ready[0].length) : text;
  return rest
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "");
}

/** Every stderr line containing `needle`; fails when the same report appears twice. */
function reportsOnce(served: Pick<Served, "proc">, needle: string): string[] {
  const lines = served.proc
    .stderr()
    .split("\n")
    .filter((line) => line.includes(needle));
  assert.equal(new Set(lines).size, lines.length, `reported more than once:\n${lines.join("\n")}`);
  return lines;
}

export const reliabilityInputCases = [
  defineCase(
    "reliability: a 4 MiB line without newline is cut once, and the next line arrives",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const client = await connectedSse(served);
      await served.logs.append("app.log", "L".repeat(4 * 1024 * 1024));
      const cut = await client.nextEntry(undefined, 15_000);
      assert.equal(cut.fields?.truncated, true, "the over-long line is marked truncated");
      assert.equal(cut.message.length, 1024 * 1024, "cut at max_line_bytes (default 1 MiB)");
      await pollUntil(async () => {
        const file = (await served.status()).monitor.files.find((f) => f.source === "app.log");
        return file && file.offset === 4 * 1024 * 1024 ? true : undefined;
      }, "the whole 4 MiB to be read");
      await observeFor(OBSERVE_POLLS_MS);
      await served.logs.append("app.log", "\nafter the long line\n");
      await client.nextEntry(byMessage("after the long line"));
      assert.equal(client.entries().length, 2, "one cut entry, then the good line; the rest was skipped");
      assert.deepEqual(stderrAfterReady(served), [], "nothing to report: the entry itself says truncated");
    },
  ),

  defineCase("reliability: NUL and invalid UTF-8 bytes do not stop the stream", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    const hostile = Buffer.concat([
      Buffer.from("nul \u0000 and invalid "),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from(" bytes\n\u0000\u0000\u0000\n"),
    ]);
    await served.logs.append("app.log", hostile);
    await served.logs.appendLines("app.log", ["good after bytes"]);
    await client.nextEntry(byMessage("good after bytes"));
    const bad = client.entries().find((entry) => entry.message.startsWith("nul "));
    assert.ok(bad, JSON.stringify(client.entries()));
    assert.match(bad.message, /\uFFFD/, "invalid bytes become U+FFFD");
    assert.match(bad.message, / bytes$/, "the rest of the line is kept");
    assert.deepEqual(stderrAfterReady(served), []);
  }),

  defineCase("reliability: a FIFO matching the pattern is reported once and never opened", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    // opening a FIFO for reading blocks until a writer comes: a poll that opened it would never end
    execFileSync("mkfifo", [served.logs.file("pipe.log")]);
    await served.proc.waitForStderr(/pipe\.log.*not a regular file/, DISCOVERY_MS);
    await observeFor(OBSERVE_POLLS_MS);
    await served.logs.appendLines("app.log", ["next to a FIFO"]);
    await client.nextEntry(byMessage("next to a FIFO"));
    assert.equal(reportsOnce(served, "pipe.log").length, 1);
  }),

  defineCase(
    "reliability: /dev/null and /dev/zero as file targets are reported once, never read, and other targets stream",
    async (rt) => {
      // reading /dev/zero never ends and never finds a newline; a poll that opened it would hold the reader
      const served = await serve(rt, {
        files: { "app.log": "" },
        args: ["/dev/null", "/dev/zero", "/dev/zero::true", ".:*.log"],
      });
      const client = await connectedSse(served);
      await served.proc.waitForStderr(/\/dev\/zero: not a regular file \(a character device\)/);
      await served.proc.waitForStderr(/\/dev\/null: not a regular file \(a character device\)/);
      await observeFor(OBSERVE_POLLS_MS);
      await served.logs.appendLines("app.log", ["next to two devices"]);
      await client.nextEntry(byMessage("next to two devices"));
      assert.equal(reportsOnce(served, "/dev/zero").length, 1, "one report, though both targets name it");
      assert.equal(reportsOnce(served, "/dev/null").length, 1);
      const devices = (await served.status()).monitor.files.filter((file) => file.path.startsWith("/dev/"));
      assert.deepEqual(
        devices.map((file) => [file.path, file.offset, file.lines_read, file.error]),
        [
          ["/dev/null", 0, 0, "/dev/null: not a regular file (a character device), not opened"],
          ["/dev/zero", 0, 0, "/dev/zero: not a regular file (a character device), not opened"],
        ],
        "listed in /status with the error, nothing read",
      );
      assert.deepEqual(
        client.entries().map((entry) => entry.message),
        ["next to two devices"],
      );
    },
  ),

  defineCase("reliability: a symlink loop named *.log is reported once (ELOOP)", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await symlink("b.log", served.logs.file("a.log"));
    await symlink("a.log", served.logs.file("b.log"));
    await served.proc.waitForStderr(/a\.log.*(ELOOP|symbolic links)/i, DISCOVERY_MS);
    await served.proc.waitForStderr(/b\.log.*(ELOOP|symbolic links)/i, DISCOVERY_MS);
    await observeFor(OBSERVE_POLLS_MS);
    await served.logs.appendLines("app.log", ["next to a symlink loop"]);
    await client.nextEntry(byMessage("next to a symlink loop"));
    assert.equal(reportsOnce(served, "/a.log").length, 1);
    assert.equal(reportsOnce(served, "/b.log").length, 1);
  }),

  defineCase(
    "reliability: in a directory of 10,000 files, a line appended to one of them arrives",
    async (rt) => {
      const logs = new LogDir(await makeTempDir());
      const names = Array.from({ length: 10_000 }, (_, i) => `f${String(i).padStart(5, "0")}.log`);
      for (let from = 0; from < names.length; from += 500) {
        await Promise.all(names.slice(from, from + 500).map((name) => writeFile(logs.file(name), "")));
      }
      const proc = await startLogwisp(rt, {
        cwd: logs.path,
        args: serveArgs(),
        readyTimeoutMs: 30_000,
      });
      assert.match(proc.stderr(), /following 10000 files/);
      const client = await openSse(`${proc.httpUrl}/stream`);
      await client.events.next((event) => event.event === "connected");
      await logs.appendLines("f07777.log", ["one of ten thousand"]);
      const entry = await client.nextEntry(byMessage("one of ten thousand"), 15_000);
      assert.equal(entry.source, "f07777.log");
      assert.deepEqual(stderrAfterReady({ proc }), []);
    },
    { timeoutMs: 60_000, exclusive: true },
  ),
];
