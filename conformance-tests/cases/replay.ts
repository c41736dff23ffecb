// Issue 8, replay: ids on SSE entries, backlog=N on SSE and TCP, Last-Event-ID resume with no gap and no
// duplicate, the gap event when the ring was overrun or the server restarted, and the ring in /status.
import assert from "node:assert/strict";
import { byMessage, httpGet, openSse, type SseClient, type SseEvent, sseEntry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { serveArgs, startLogwisp } from "../_harness/process.ts";
import { connectedSse, fetchStatus, type Served, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

/** Appends lines and waits until the server has published them (its ring's newest id moved that far). */
async function publish(served: Served, lines: readonly string[]): Promise<void> {
  const before = (await served.status()).totals.published;
  await served.logs.appendLines("app.log", lines);
  await pollUntil(async () => {
    const status = await served.status();
    return status.totals.published >= before + lines.length ? true : undefined;
  }, `${lines.length} lines to be published`);
}

/** The entry events (id and message) a client has received so far, in order. */
function entryEvents(client: SseClient): Array<{ id: string | undefined; message: string }> {
  return client.events.items.flatMap((event) => {
    const entry = sseEntry(event);
    return entry ? [{ id: event.id, message: entry.message }] : [];
  });
}

const namedEvents = (client: SseClient, name: string): SseEvent[] =>
  client.events.items.filter((event) => event.event === name);

const ID = /^([0-9a-z]+)-(\d+)$/;

function seqOf(id: string | undefined): number {
  const match = ID.exec(id ?? "");
  assert.ok(match, `an id <run>-<seq>, got ${id}`);
  return Number(match[2]);
}

export const replayCases = [
  defineCase("replay: every SSE entry has a monotonic id, and /status shows the ring", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", numbered(1, 5));
    await client.nextEntry(byMessage("line 5"));
    const events = entryEvents(client);
    const runs = new Set(events.map((event) => ID.exec(event.id ?? "")?.[1]));
    assert.equal(runs.size, 1, "one run");
    const seqs = events.map((event) => seqOf(event.id));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
    for (const name of ["connected"])
      assert.equal(namedEvents(client, name)[0]?.id, undefined, "events carry no id");
    const status = (await served.status()) as unknown as {
      replay: { replay_size: number; entries: number; bytes: number; oldest_id: string; newest_id: string };
    };
    assert.equal(status.replay.replay_size, 10000);
    assert.equal(status.replay.entries, 5);
    assert.ok(status.replay.bytes > 0);
    assert.equal(status.replay.oldest_id, events[0]?.id);
    assert.equal(status.replay.newest_id, events[4]?.id);
  }),

  defineCase(
    "replay: backlog=N starts an SSE client with the last N entries that pass its filter",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      await publish(served, [...numbered(1, 8), "ERROR one", "ERROR two", "INFO after"]);
      const client = await served.sse("/stream?backlog=3");
      await client.nextEntry(byMessage("INFO after"));
      const filtered = await served.sse("/stream?backlog=1&level=error");
      await filtered.nextEntry(byMessage("ERROR two"));
      await served.logs.appendLines("app.log", ["ERROR live", "live"]);
      await client.nextEntry(byMessage("live"));
      await filtered.nextEntry(byMessage("ERROR live"));
      assert.deepEqual(
        entryEvents(client).map((event) => event.message),
        ["ERROR one", "ERROR two", "INFO after", "ERROR live", "live"],
      );
      assert.deepEqual(
        entryEvents(filtered).map((event) => event.message),
        ["ERROR two", "ERROR live"],
      );
      assert.equal(client.events.items[0]?.event, "connected", "connected is still the first frame");
    },
  ),

  defineCase("replay: a TCP client's backlog", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
    await publish(served, numbered(1, 10));
    const client = await served.tcp();
    await client.send('{"backlog":4}\n');
    await client.nextEntry(byMessage("line 10"));
    await served.logs.appendLines("app.log", ["live"]);
    await client.nextEntry(byMessage("live"));
    assert.deepEqual(
      client.entries().map((entry) => entry.message),
      ["line 7", "line 8", "line 9", "line 10", "live"],
    );
  }),

  defineCase(
    "replay: since (15m or an RFC 3339 time) starts SSE and TCP clients with the entries from then",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      // JSON lines carry their own time: two from an hour ago, two from the last minutes
      const times = [ago(62), ago(61), ago(3), ago(2)];
      await publish(
        served,
        times.map((time, index) => JSON.stringify({ time, msg: `entry ${index + 1}` })),
      );
      const recent = await served.sse("/stream?since=15m");
      const fromThird = await served.sse(`/stream?since=${encodeURIComponent(times[2] as string)}&backlog=1`);
      const tcp = await served.tcp();
      await tcp.send('{"since":"90m"}\n');
      await tcp.nextEntry(byMessage("entry 4"));
      await served.logs.appendLines("app.log", ["live"]);
      for (const [client, expected] of [
        [recent, ["entry 3", "entry 4", "live"]],
        // since and backlog: at most the last `backlog` of the entries since then
        [fromThird, ["entry 4", "live"]],
        [tcp, ["entry 1", "entry 2", "entry 3", "entry 4", "live"]],
      ] as const) {
        await client.nextEntry(byMessage("live"));
        assert.deepEqual(
          client.entries().map((entry) => entry.message),
          expected,
          client.label,
        );
      }
      const expected =
        /^since: got "yesterday", expected a duration \(a whole number of s, m or h: 15m\) or an RFC 3339 time/;
      const response = await httpGet(`${served.proc.httpUrl}/stream?since=yesterday`);
      assert.equal(response.status, 400, response.body);
      assert.match((response.json() as { detail?: string }).detail ?? "", expected);
      const refused = await served.tcp();
      await refused.send('{"since":"yesterday"}\n');
      await refused.lines.waitForEnd();
      const line = refused.lines.items[0]?.json as { error?: string; detail?: string };
      assert.equal(line.error, "invalid filter");
      assert.match(line.detail ?? "", expected);
    },
  ),

  defineCase("replay: Last-Event-ID resumes with exactly the entries missed, then live ones", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const first = await connectedSse(served);
    await served.logs.appendLines("app.log", numbered(1, 5));
    await first.nextEntry(byMessage("line 5"));
    const lastSeen = entryEvents(first)[2]; // as if the connection dropped after line 3
    first.close();
    await publish(served, numbered(6, 9));
    const resumed = await served.sse("/stream", { "last-event-id": lastSeen?.id ?? "" });
    const byQuery = await served.sse(`/stream?last_event_id=${lastSeen?.id}`);
    for (const client of [resumed, byQuery]) await client.nextEntry(byMessage("line 9"));
    await served.logs.appendLines("app.log", ["line 10"]);
    for (const client of [resumed, byQuery]) {
      await client.nextEntry(byMessage("line 10"));
      const events = entryEvents(client);
      assert.deepEqual(
        events.map((event) => event.message),
        numbered(4, 10),
        "no gap, no duplicate",
      );
      assert.deepEqual(
        events.map((event) => seqOf(event.id)),
        [4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal(namedEvents(client, "gap").length, 0, "nothing was lost: no gap event");
    }
    const malformed = await served.sse("/stream", { "last-event-id": "not an id" });
    assert.equal(malformed.status, 200, "a malformed id is no error");
    await malformed.events.next((event) => event.event === "connected");
    await served.logs.appendLines("app.log", ["line 11"]);
    await malformed.nextEntry(byMessage("line 11"));
    assert.deepEqual(
      entryEvents(malformed).map((event) => event.message),
      ["line 11"],
      "a malformed id counts as absent",
    );
  }),

  defineCase(
    "replay: a resume past what the ring holds gets a gap event saying how many are gone",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" }, args: ["--replay-size", "5"] });
      const first = await connectedSse(served);
      await served.logs.appendLines("app.log", ["line 1"]);
      await first.nextEntry(byMessage("line 1"));
      const id = entryEvents(first)[0]?.id ?? "";
      first.close();
      await publish(served, numbered(2, 20));
      const resumed = await served.sse("/stream", { "last-event-id": id });
      await resumed.nextEntry(byMessage("line 20"));
      const gap = namedEvents(resumed, "gap")[0];
      assert.deepEqual(JSON.parse(gap?.data ?? "null"), { missed: 14, reason: "evicted" });
      const frames = resumed.events.items.filter((event) => event.comment === undefined);
      assert.deepEqual(
        frames.slice(0, 2).map((event) => event.event),
        ["connected", "gap"],
        "the gap comes first, before the entries",
      );
      assert.deepEqual(
        entryEvents(resumed).map((event) => event.message),
        numbered(16, 20),
      );
    },
  ),

  defineCase(
    "replay: without state, an id from before a restart gets a gap with reason restart, then what the ring holds",
    async (rt) => {
      // --state=false: nothing outlives the process (see cases/restarts.ts for what state keeps)
      const served = await serve(rt, { files: { "app.log": "" }, args: ["--state=false"] });
      const first = await connectedSse(served);
      await served.logs.appendLines("app.log", ["before the restart"]);
      await first.nextEntry(byMessage("before the restart"));
      const id = entryEvents(first)[0]?.id ?? "";
      await served.proc.stop();
      const proc = await startLogwisp(rt, { cwd: served.dir, args: [...serveArgs(), "--state=false"] });
      await served.logs.appendLines("app.log", ["after the restart"]);
      await pollUntil(async () => {
        const status = await fetchStatus(proc.httpUrl);
        return status.totals.published >= 1 ? true : undefined;
      }, "the line after the restart to be published");
      const client = await openSse(`${proc.httpUrl}/stream`, { "last-event-id": id });
      await client.nextEntry(byMessage("after the restart"));
      assert.deepEqual(JSON.parse(namedEvents(client, "gap")[0]?.data ?? "null"), {
        missed: null,
        reason: "restart",
      });
      assert.deepEqual(
        entryEvents(client).map((event) => event.message),
        ["after the restart"],
        "then everything the new run's ring holds",
      );
      assert.notEqual(ID.exec(entryEvents(client)[0]?.id ?? "")?.[1], ID.exec(id)?.[1], "a new run");
    },
  ),
];
