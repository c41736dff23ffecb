// The entry format: {time, source, level, message, fields}, in that order, from plain and JSON lines.
import assert from "node:assert/strict";
import { byMessage, type Entry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import type { RuntimeUnderTest } from "../_harness/runtimes.ts";
import { connectedSse, connectedTcp, serve } from "../_harness/serve.ts";
import { observeFor } from "../_harness/wait.ts";

const RFC3339_MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Serves a fresh dir, appends `content` to app.log, and returns the entries up to `lastMessage`. */
async function entriesFor(
  rt: RuntimeUnderTest,
  content: string | Uint8Array,
  lastMessage: string,
): Promise<Entry[]> {
  const served = await serve(rt);
  const client = await connectedSse(served);
  await served.logs.append("app.log", content);
  await client.nextEntry(byMessage(lastMessage));
  return client.entries();
}

async function onlyEntry(rt: RuntimeUnderTest, line: string, message = line): Promise<Entry> {
  const entries = await entriesFor(rt, `${line}\n`, message);
  assert.equal(entries.length, 1, JSON.stringify(entries));
  return entries[0] as Entry;
}

function assertRecentTime(entry: Entry): void {
  assert.match(entry.time, RFC3339_MICROS_UTC);
  const ageMs = Date.now() - Date.parse(entry.time);
  assert.ok(ageMs > -5000 && ageMs < 60_000, `read time ${entry.time} should be now`);
}

export const entryCases = [
  defineCase("entry: plain line with a level", async (rt) => {
    const line = "2024-05-01 10:00:00 ERROR payment failed for order 42";
    const entry = await onlyEntry(rt, line);
    assert.deepEqual(Object.keys(entry), ["time", "source", "level", "message"]);
    assert.equal(entry.source, "app.log");
    assert.equal(entry.level, "error");
    assert.equal(entry.message, line);
    assertRecentTime(entry);
  }),

  defineCase("entry: --hostname puts the host in every entry, after its time", async (rt) => {
    const served = await serve(rt, { args: ["--hostname", "web-1.example"] });
    const client = await connectedSse(served);
    await served.logs.append("app.log", "ERROR first\nsecond\n");
    await client.nextEntry(byMessage("second"));
    const entries = client.entries();
    assert.deepEqual(
      entries.map((entry) => Object.keys(entry)),
      [
        ["time", "host", "source", "level", "message"],
        ["time", "host", "source", "message"],
      ],
    );
    assert.ok(entries.every((entry) => entry.host === "web-1.example"));
  }),

  defineCase("entry: plain line levels in common forms", async (rt) => {
    const lines = [
      "[warn] disk almost full",
      "level=info started worker",
      "WARNING: cache cold",
      "[DBG] tick",
    ];
    const entries = await entriesFor(rt, lines.map((line) => `${line}\n`).join(""), "[DBG] tick");
    assert.deepEqual(
      entries.map((entry) => [entry.message, entry.level]),
      [
        ["[warn] disk almost full", "warn"],
        ["level=info started worker", "info"],
        ["WARNING: cache cold", "warn"],
        ["[DBG] tick", "debug"],
      ],
    );
  }),

  defineCase("entry: plain line without a level has no level key", async (rt) => {
    const entry = await onlyEntry(rt, "just some words here");
    assert.deepEqual(Object.keys(entry), ["time", "source", "message"]);
    assert.equal(entry.message, "just some words here");
    assert.equal("fields" in entry, false);
  }),

  defineCase("entry: JSON line gives time, level, message and fields in order", async (rt) => {
    const line = JSON.stringify({
      ts: "2024-01-01T12:00:00.123456Z",
      lvl: "WARN",
      msg: "disk low",
      disk: "/dev/sda1",
      pct: 91,
      tags: { zone: "a" },
    });
    const entry = await onlyEntry(rt, line, "disk low");
    assert.equal(
      JSON.stringify(entry),
      '{"time":"2024-01-01T12:00:00.123456Z","source":"app.log","level":"warn","message":"disk low",' +
        '"fields":{"disk":"/dev/sda1","pct":91,"tags":{"zone":"a"}}}',
    );
  }),

  defineCase("entry: JSON line with time/severity/message keys and a UTC offset", async (rt) => {
    const line = JSON.stringify({
      timestamp: "2024-01-01T13:00:00+01:00",
      severity: "error",
      message: "boom",
    });
    const entry = await onlyEntry(rt, line, "boom");
    assert.deepEqual(Object.keys(entry), ["time", "source", "level", "message"]);
    assert.equal(entry.time, "2024-01-01T12:00:00.000000Z");
    assert.equal(entry.level, "error");
  }),

  defineCase("entry: JSON line without a time gets the read time", async (rt) => {
    const entry = await onlyEntry(
      rt,
      JSON.stringify({ level: "info", msg: "no time", user: "ada" }),
      "no time",
    );
    assert.deepEqual(Object.keys(entry), ["time", "source", "level", "message", "fields"]);
    assertRecentTime(entry);
    assert.deepEqual(entry.fields, { user: "ada" });
  }),

  defineCase("entry: invalid UTF-8 and NUL bytes do not stop the stream", async (rt) => {
    const bad = Buffer.concat([
      Buffer.from("bad \xff\xfe bytes\n", "latin1"),
      Buffer.from("nul\0inside\n", "latin1"),
      Buffer.from("good line\n"),
    ]);
    const entries = await entriesFor(rt, bad, "good line");
    assert.deepEqual(
      entries.map((entry) => entry.message),
      ["bad \uFFFD\uFFFD bytes", "nul\u0000inside", "good line"],
    );
  }),

  defineCase("entry: empty lines are skipped", async (rt) => {
    const entries = await entriesFor(rt, "one\n\n\ntwo\n\r\n", "two");
    assert.deepEqual(
      entries.map((entry) => entry.message),
      ["one", "two"],
    );
  }),

  defineCase("entry: CRLF line endings lose the trailing \\r", async (rt) => {
    const entries = await entriesFor(rt, "windows line\r\nnext\r\n", "next");
    assert.deepEqual(
      entries.map((entry) => entry.message),
      ["windows line", "next"],
    );
  }),

  defineCase("entry: a multi-byte character split across writes arrives whole", async (rt) => {
    const served = await serve(rt);
    const client = await connectedSse(served);
    const bytes = Buffer.from("café ☕ done\n");
    const cut = bytes.indexOf(Buffer.from("☕")) + 1;
    await served.logs.append("app.log", bytes.subarray(0, cut));
    // Give a poll (every 20 ms) the chance to read the half character; the assertion holds either way.
    await observeFor(150);
    await served.logs.append("app.log", bytes.subarray(cut));
    const entry = await client.nextEntry();
    assert.equal(entry.message, "café ☕ done");
  }),

  defineCase("entry: TCP and SSE carry the identical entry", async (rt) => {
    const served = await serve(rt, { tcp: true });
    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    await served.logs.appendLines("app.log", ['{"level":"info","msg":"same on both","n":1}']);
    const fromSse = await sse.nextEntry(byMessage("same on both"));
    const fromTcp = await tcp.nextEntry(byMessage("same on both"));
    assert.equal(JSON.stringify(fromTcp), JSON.stringify(fromSse));
  }),
];
