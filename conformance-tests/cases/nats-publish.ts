// Publishing into NATS JetStream, against a real nats-server (started per case on a free loopback port):
// every line lands in the stream once, in order, with its host, read back by a NATS client in the test —
// also across a publisher killed mid-burst and a nats-server restarted on its store mid-burst. And the start-up
// errors: a malformed URL or unknown key (exit 2), no server (said, retried), wrong credentials (named).
import assert from "node:assert/strict";
import { httpGet } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { LogDir } from "../_harness/files.ts";
import { StreamReader, startNatsServer } from "../_harness/nats.ts";
import { freePort } from "../_harness/ports.ts";
import { makeTempDir, runLogwisp, serveArgs, startLogwisp } from "../_harness/process.ts";
import type { RuntimeUnderTest } from "../_harness/runtimes.ts";
import { type Served, serve, writeConfig } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";
import { promtoolCheck } from "./metrics.ts";

/** An agent: publishes, serves no stream (its HTTP server is only for /status and /metrics). */
function agentArgs(url: string, host: string): string[] {
  return ["--nats-url", url, "--hostname", host, "--nats-serve=false"];
}

function lines(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `line-${from + i}`);
}

/** Appends `count` numbered lines in chunks, each its own write, as a busy application does. */
async function burst(
  served: { logs: Served["logs"] },
  from: number,
  count: number,
  chunk = 250,
): Promise<void> {
  for (let at = from; at < from + count; at += chunk) {
    await served.logs.appendLines("app.log", lines(at, Math.min(chunk, from + count - at)));
  }
}

/** Every line 0…total-1 exactly once; `ordered`: also in order of the stream's sequence. */
function assertExactlyOnce(reader: StreamReader, total: number, host: string, ordered: boolean): void {
  const messages = reader.entries.map((streamed) => streamed.entry.message);
  const seen = new Set(messages);
  const missing = lines(0, total).filter((line) => !seen.has(line));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} lines missing`);
  assert.equal(messages.length, total, `${messages.length - total} lines doubled`);
  if (ordered) assert.deepEqual(messages, lines(0, total), "the stream holds the lines in order");
  assert.ok(
    reader.entries.every(
      (streamed) => streamed.entry.host === host && streamed.subject === `logwisp.${host}.app_2Elog`,
    ),
    "every entry names its host, on its host's subject",
  );
}

async function natsStatus(served: Served): Promise<Record<string, unknown>> {
  const response = await httpGet(`${served.proc.httpUrl}/status`);
  return (JSON.parse(response.body) as { nats: Record<string, unknown> }).nats;
}

/** Starts logwisp again on the same dir and args (after a kill). */
function restart(rt: RuntimeUnderTest, served: Served, args: readonly string[]) {
  return startLogwisp(rt, { cwd: served.dir, args: [...serveArgs(), ...args] });
}

export const natsPublishCases = [
  defineCase(
    "nats publish: every line in the stream once, in order, with its host; /status and /metrics count it",
    async (rt) => {
      const nats = await startNatsServer();
      const served = await serve(rt, { args: agentArgs(nats.url, "a") });
      const reader = await StreamReader.open(nats.url);
      await burst(served, 0, 3000);
      await reader.waitForEntries(3000);
      assertExactlyOnce(reader, 3000, "a", true);
      assert.ok(
        reader.counts.size < 3000 / 10,
        `several entries per message (${reader.counts.size} messages)`,
      );
      const status = await pollUntil(async () => {
        const nats = await natsStatus(served);
        const publish = nats.publish as { entries_acked: number };
        return publish.entries_acked === 3000 ? nats : undefined;
      }, "/status to count 3000 entries acked");
      assert.equal(status.state, "connected");
      assert.equal((status.stream as { last_seq: number | null }).last_seq !== null, true);
      const metrics = (await httpGet(`${served.proc.httpUrl}/metrics`)).body;
      assert.match(metrics, /^logwisp_nats_entries_acked_total 3000$/m);
      assert.match(metrics, /^logwisp_nats_connected 1$/m);
      const check = await promtoolCheck(metrics);
      assert.equal(check.code, 0, check.output);
    },
    { timeoutMs: 60_000 },
  ),

  defineCase(
    "nats publish: a publisher killed mid-burst and restarted doubles nothing (and loses nothing)",
    async (rt) => {
      const nats = await startNatsServer();
      const args = agentArgs(nats.url, "a");
      const served = await serve(rt, { args });
      const reader = await StreamReader.open(nats.url);
      await burst(served, 0, 3000);
      await reader.waitForEntries(500);
      served.proc.signal("SIGKILL");
      await served.proc.exit;
      // written while no publisher runs: the file keeps them
      await burst(served, 3000, 1000);
      await restart(rt, served, args);
      await burst(served, 4000, 1000);
      await reader.waitForEntries(5000);
      assertExactlyOnce(reader, 5000, "a", true);
    },
    { timeoutMs: 90_000, exclusive: true },
  ),

  defineCase(
    "nats publish: nats-server stopped and restarted on its store mid-burst loses and doubles nothing",
    async (rt) => {
      const nats = await startNatsServer();
      const served = await serve(rt, { args: agentArgs(nats.url, "a") });
      const reader = await StreamReader.open(nats.url);
      await burst(served, 0, 2000);
      await reader.waitForEntries(500);
      await nats.stop();
      await burst(served, 2000, 2000);
      // down about 2 s (the writes above take part of it): what is read meanwhile waits in the file
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await nats.restart();
      await burst(served, 4000, 2000);
      await reader.waitForEntries(6000, 60_000);
      assertExactlyOnce(reader, 6000, "a", false);
      await served.proc.waitForStderr(/NATS: reconnected to /);
    },
    { timeoutMs: 120_000, exclusive: true },
  ),

  defineCase(
    "nats config: a malformed URL or an unknown [nats] key stops start-up (exit 2) naming it",
    async (rt) => {
      const bad = await runLogwisp(rt, { args: [...serveArgs(), "--nats-url", "http://127.0.0.1:4222"] });
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(
        bad.stderr,
        /^logwisp: invalid nats\.url from flag --nats-url: got "http:\/\/127\.0\.0\.1:4222", expected a NATS server URL/m,
      );
      assert.doesNotMatch(bad.stderr, /listening on/);
      const config = await writeConfig(
        new LogDir(await makeTempDir()),
        '[nats]\nurls = "nats://127.0.0.1:4222"\n',
      );
      const unknown = await runLogwisp(rt, { args: [...serveArgs(), "--config", config] });
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.match(
        unknown.stderr,
        /^logwisp: unknown nats\.urls from file .*: got "nats:\/\/127\.0\.0\.1:4222", expected a known key; did you mean nats\.url\?/m,
      );
    },
  ),

  defineCase("nats config: no NATS server at start is said and retried, not a crash", async (rt) => {
    const port = await freePort();
    const served = await serve(rt, { args: agentArgs(`127.0.0.1:${port}`, "a") });
    await served.proc.waitForStderr(
      /^logwisp: NATS: no NATS server answered \(nats:\/\/127\.0\.0\.1:\d+\).*retrying/m,
    );
    await served.proc.waitForStderr(/attempt 2\)$/m, 10_000);
    assert.equal((await natsStatus(served)).state, "connecting");
  }),

  defineCase(
    "nats config: wrong NATS credentials stop start-up with an error naming the server",
    async (rt) => {
      const nats = await startNatsServer({ user: "agent", password: "right" });
      const result = await runLogwisp(rt, {
        args: [
          ...serveArgs(),
          ...agentArgs(nats.url, "a"),
          "--nats-user",
          "agent",
          "--nats-password",
          "wrong",
        ],
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `^logwisp: cannot start: NATS server nats://127\\.0\\.0\\.1:${nats.port} refused the credentials`,
          "m",
        ),
      );
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    },
  ),
];
