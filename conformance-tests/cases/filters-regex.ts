// Issue 18, regex filters: every /regex/ runs on RE2 (linear time), so a pattern that makes a backtracking
// engine take exponential time cannot stall the server; patterns RE2 cannot run are refused naming the
// construct; ordinary ones keep working.
import assert from "node:assert/strict";
import { byMessage, type EntryStream, httpGet, type TcpClient } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, type Served, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

/** Each pattern with the line that a backtracking engine needs 2^60-odd steps to reject. */
const HOSTILE: ReadonlyArray<readonly [pattern: string, line: string]> = [
  ["/(a|aa)+b/", `${"a".repeat(60)}c`],
  ["/(a|a)*b/", `${"a".repeat(60)}c`],
  ["/(x+x+)+y/", `${"x".repeat(60)}c`],
];

/** The figure: the next line reaches an unfiltered client, and /status answers, within this. */
const RESPONSIVE_MS = 200;

async function tcpWithFilter(served: Served, q: string): Promise<TcpClient> {
  const client = await served.tcp();
  await client.send(`${JSON.stringify({ filter: { q } })}\n`);
  return client;
}

/** Times GET /status, one request after another, until `done` settles; returns every duration. */
async function statusTimesUntil(served: Served, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.then(
    () => {
      finished = true;
    },
    () => {
      finished = true;
    },
  );
  const times: number[] = [];
  do {
    const started = performance.now();
    const response = await httpGet(`${served.proc.httpUrl}/status`);
    times.push(performance.now() - started);
    assert.equal(response.status, 200);
  } while (!finished);
  return times;
}

export const filterRegexCases = [
  defineCase(
    "filters-regex: a pathological /regex/ (SSE and TCP) does not hold up other clients or /status",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const witness = await connectedSse(served);
      const hostile: EntryStream[] = [];
      for (const [pattern] of HOSTILE) {
        const client = await served.sse(`/stream?q=${encodeURIComponent(pattern)}`);
        assert.equal(client.status, 200, `${pattern} is accepted: RE2 runs it in linear time`);
        await client.events.next((event) => event.event === "connected", undefined, "the connected event");
        hostile.push(client, await tcpWithFilter(served, pattern));
      }
      await pollUntil(async () => {
        const { servers } = await served.status();
        return servers.tcp.active_clients === HOSTILE.length ? true : undefined;
      }, "the TCP clients with a filter to start");
      for (const [i, [pattern, line]] of HOSTILE.entries()) {
        await served.logs.appendLines("app.log", [line]);
        // no b or y in it, so it matches none of the patterns either
        const next = `following line ${i + 1}`;
        const appendedAt = performance.now();
        await served.logs.appendLines("app.log", [next]);
        const delivered = witness.waitForEntry(byMessage(next)).then(() => performance.now() - appendedAt);
        const statusMs = await statusTimesUntil(served, delivered);
        const deliveredMs = await delivered;
        assert.ok(deliveredMs < RESPONSIVE_MS, `${pattern}: the next line took ${deliveredMs.toFixed(0)} ms`);
        const slowest = Math.max(...statusMs);
        assert.ok(slowest < RESPONSIVE_MS, `${pattern}: /status took ${slowest.toFixed(0)} ms`);
        assert.equal(witness.entries().length, 2 * (i + 1), "the witness has every line");
      }
      for (const client of hostile) assert.deepEqual(client.entries(), [], `${client.label} matched nothing`);
      const { servers } = await served.status();
      assert.equal(servers.tcp.active_clients, HOSTILE.length, "the filtered TCP clients are still there");
      assert.equal(servers.http.active_clients, HOSTILE.length + 1, "and the SSE ones");
    },
    { exclusive: true },
  ),

  defineCase(
    "filters-regex: a construct RE2 cannot run is refused, naming it, on SSE and TCP",
    async (rt) => {
      const served = await serve(rt, { tcp: true });
      const refused: ReadonlyArray<readonly [pattern: string, construct: RegExp]> = [
        ["/(a)\\1/", /: backreference \\1 is not supported; expected RE2 syntax: classes .*alternation/],
        ["/(?=a)/", /: lookahead \(\?=…\) is not supported; expected RE2 syntax: classes .*alternation/],
      ];
      for (const [pattern, construct] of refused) {
        const response = await httpGet(`${served.proc.httpUrl}/stream?q=${encodeURIComponent(pattern)}`);
        assert.equal(response.status, 400, `${pattern}: ${response.body}`);
        const body = response.json() as { error?: string; detail?: string };
        assert.equal(body.error, "invalid filter");
        assert.match(
          body.detail ?? "",
          new RegExp(`^q: got ${literal(JSON.stringify(pattern))}${construct.source}`),
        );
        const tcp = await tcpWithFilter(served, pattern);
        await tcp.lines.waitForEnd();
        assert.equal(tcp.lines.items.length, 1, tcp.lines.dump());
        const line = tcp.lines.items[0]?.json as { error?: string; detail?: string };
        assert.equal(line.error, "invalid filter");
        assert.match(
          line.detail ?? "",
          new RegExp(`^filter\\.q: got ${literal(JSON.stringify(pattern))}${construct.source}`),
        );
      }
    },
  ),

  defineCase(
    "filters-regex: RE2 filters with a flag, anchors, classes and alternation pass their entries",
    async (rt) => {
      const served = await serve(rt, { tcp: true, files: { "app.log": "" } });
      const lines = [
        "ERROR db down",
        "info all fine",
        "Warn: disk 91% full",
        "GET /api/orders 200",
        "a GET /api/orders 200",
        "POST /api/orders 503",
        "done",
      ];
      const filters: ReadonlyArray<readonly [q: string, expected: readonly string[]]> = [
        ["/ERROR|warn/i", ["ERROR db down", "Warn: disk 91% full"]],
        ["/^(GET|POST) \\/api/", ["GET /api/orders 200", "POST /api/orders 503"]],
        ["/ 5\\d\\d$|^done$/", ["POST /api/orders 503", "done"]],
        ["/[0-9]+%/", ["Warn: disk 91% full"]],
      ];
      const clients: EntryStream[] = [];
      for (const [q] of filters) {
        const client = await served.sse(`/stream?q=${encodeURIComponent(q)}`);
        assert.equal(client.status, 200, q);
        await client.events.next((event) => event.event === "connected", undefined, "the connected event");
        clients.push(client);
      }
      const tcp = await tcpWithFilter(served, "/ERROR|warn/i");
      await pollUntil(async () => {
        const { servers } = await served.status();
        return servers.tcp.active_clients === 1 ? true : undefined;
      }, "the TCP client to start");
      const witness = await connectedSse(served);
      await served.logs.appendLines("app.log", lines);
      await witness.waitForEntry(byMessage("done"));
      for (const [i, [q, expected]] of filters.entries()) {
        const client = clients[i] as EntryStream;
        await client.waitForEntry(byMessage(expected[expected.length - 1] as string));
        assert.deepEqual(
          client.entries().map((entry) => entry.message),
          expected,
          q,
        );
      }
      await tcp.waitForEntry(byMessage("Warn: disk 91% full"));
      assert.deepEqual(
        tcp.entries().map((entry) => entry.message),
        ["ERROR db down", "Warn: disk 91% full"],
      );
    },
  ),
];

/** `text` as a RegExp source that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
