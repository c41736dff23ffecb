// Issue 15, restarts: checkpoints and a replay ring that outlive the process. A client that comes back with
// its Last-Event-ID after a clean restart gets exactly the lines written while logwisp was down; after a
// crash nothing is lost (duplicates only from after the last save); rotation, truncation, deletion and new
// files while down; and one instance per state. Lean on purpose: 100 lines, not thousands.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openSse, type SseClient, sseEntry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { type LogwispProcess, runLogwisp, serveArgs, startLogwisp } from "../_harness/process.ts";
import { connectedSse, type Served, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);

/** The entries (id, source, message) a client has received so far, in order. */
function received(client: SseClient): Array<{ id: string; source: string; message: string }> {
  return client.events.items.flatMap((event) => {
    const entry = sseEntry(event);
    return entry ? [{ id: event.id ?? "", source: entry.source, message: entry.message }] : [];
  });
}

const gaps = (client: SseClient) => client.events.items.filter((event) => event.event === "gap");

/** Waits until the client has received an entry with each of these messages. */
async function waitForMessages(client: SseClient, messages: readonly string[], ms = 15_000): Promise<void> {
  const wanted = new Set(messages);
  await pollUntil(
    async () =>
      received(client).filter((e) => wanted.has(e.message)).length >= wanted.size ? true : undefined,
    `${wanted.size} lines, up to ${JSON.stringify(messages.at(-1))}`,
    ms,
    20,
  );
}

/** Streams `lines` to a connected client and answers the id of the last one. */
async function streamLines(served: Served, file: string, lines: readonly string[]): Promise<string> {
  const client = await connectedSse(served);
  await served.logs.appendLines(file, lines);
  await waitForMessages(client, lines);
  const last = received(client).at(-1);
  client.close();
  assert.equal(last?.message, lines.at(-1));
  return last?.id ?? "";
}

/** The same instance again: same directory (so same HOME and state), same targets. */
function restart(rt: Parameters<typeof startLogwisp>[0], served: Served, extra: string[] = []) {
  return startLogwisp(rt, { cwd: served.dir, args: [...serveArgs(), ...extra] });
}

function resume(proc: LogwispProcess, lastId: string): Promise<SseClient> {
  return openSse(`${proc.httpUrl}/stream`, { "last-event-id": lastId });
}

export const restartCases = [
  defineCase(
    "restarts: after SIGTERM, a client resuming with its Last-Event-ID gets exactly the lines written while down, no gap",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const lastId = await streamLines(served, "app.log", numbered("before", 100));
      assert.equal((await served.proc.stop()).code, 0, served.proc.stderr());
      const down = numbered("while down", 100);
      await served.logs.appendLines("app.log", down);
      const proc = await restart(rt, served);
      assert.match(proc.stderr(), /resuming after a clean stop/);
      const client = await resume(proc, lastId);
      await waitForMessages(client, down);
      assert.deepEqual(
        received(client).map((e) => e.message),
        down,
        "exactly the lines written while down, in order",
      );
      assert.deepEqual(gaps(client), [], "no gap");
      const [run, seq] = lastId.split("-");
      assert.equal(received(client)[0]?.id, `${run}-${Number(seq) + 1}`, "the ids go on where they stopped");
      // the ring came back too: an older id is served from it
      const older = await resume(proc, `${run}-90`);
      await waitForMessages(older, down);
      assert.deepEqual(
        received(older).map((e) => e.message),
        [...numbered("before", 100).slice(90), ...down],
      );
      assert.deepEqual(gaps(older), []);
    },
  ),

  defineCase(
    "restarts: after SIGKILL every line written while down arrives; repeats only of what followed the last save",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const before = numbered("before", 100);
      const lastId = await streamLines(served, "app.log", before);
      // a crash keeps what the last save holds: the kill comes after one (the first save's write and fsync
      // can take a while on a busy machine; killed before it, there is no state at all)
      await pollUntil(
        async () => {
          const status = (await (await fetch(`${served.proc.httpUrl}/status`)).json()) as {
            state: { writes: number };
          };
          return status.state.writes >= 1 ? true : undefined;
        },
        "a state save",
        10_000,
        20,
      );
      served.proc.signal("SIGKILL");
      await served.proc.exit;
      const down = numbered("while down", 100);
      await served.logs.appendLines("app.log", down);
      const proc = await restart(rt, served);
      // the dead instance's lock is taken over, with a note naming it
      assert.match(proc.stderr(), new RegExp(`taking over the state in .*pid ${served.proc.pid}\\b`));
      assert.match(proc.stderr(), /resuming after a crash/);
      const client = await resume(proc, lastId);
      await waitForMessages(client, down);
      const messages = received(client).map((e) => e.message);
      const repeated = messages.slice(0, messages.length - down.length);
      assert.deepEqual(messages.slice(repeated.length), down, "every line written while down, in order");
      // what is read again is the tail of what was published before the crash: after its last save
      assert.deepEqual(repeated, before.slice(before.length - repeated.length), "repeats are a suffix");
      if (repeated.length > 0)
        assert.deepEqual(JSON.parse(gaps(client)[0]?.data ?? "null"), { missed: null, reason: "restart" });
    },
  ),

  defineCase(
    "restarts: past the ring a new journal is started beside the last (state.journal.1); a clean restart reads both",
    async (rt) => {
      const args = ["--replay-size", "50", "--checkpoint-interval", "10"];
      const served = await serve(rt, { files: { "app.log": "" }, args });
      const { state } = await served.status();
      const previous = join(state.dir ?? "", state.instance ?? "", "state.journal.1");
      const client = await connectedSse(served);
      const pad = "x".repeat(400);
      // saves of 100 entries of ~0.5 KB: past 256 KiB the journal is renamed and a new one started
      for (let batch = 0; batch < 30 && !existsSync(previous); batch++) {
        const lines = numbered(`batch ${batch} ${pad}`, 100);
        await served.logs.appendLines("app.log", lines);
        await waitForMessages(client, lines);
      }
      assert.ok(existsSync(previous), `no ${previous}`);
      const last = numbered("last", 30);
      await served.logs.appendLines("app.log", last);
      await waitForMessages(client, last);
      const from = received(client).at(-21)?.id ?? "";
      client.close();
      assert.equal((await served.proc.stop()).code, 0, served.proc.stderr());
      const proc = await restart(rt, served, args);
      assert.match(proc.stderr(), /resuming after a clean stop, 50 entries of the ring/);
      const resumed = await resume(proc, from);
      await waitForMessages(resumed, last.slice(10));
      assert.deepEqual(
        received(resumed).map((e) => e.message),
        last.slice(10),
      );
      assert.deepEqual(gaps(resumed), []);
    },
  ),

  defineCase(
    "restarts: a file rotated while down has its unread lines read first, then the new file's",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" } });
      const lastId = await streamLines(served, "app.log", numbered("old", 30));
      assert.equal((await served.proc.stop()).code, 0, served.proc.stderr());
      const unread = numbered("old unread", 20);
      await served.logs.appendLines("app.log", unread);
      await served.logs.rename("app.log", "app.log.1");
      const fresh = numbered("new", 20);
      await served.logs.appendLines("app.log", fresh);
      const proc = await restart(rt, served);
      const client = await resume(proc, lastId);
      await waitForMessages(client, [...unread, ...fresh]);
      assert.deepEqual(
        received(client).map((e) => e.message),
        [...unread, ...fresh],
        "the old file's rest, then the new file, nothing missing or repeated",
      );
      assert.match(proc.stderr(), /app\.log was rotated while logwisp was down/);
    },
  ),

  defineCase(
    "restarts: truncated while down is read from its start, deleted is said once and forgotten, a new file is read whole",
    async (rt) => {
      const served = await serve(rt, { files: { "trunc.log": "", "gone.log": "" } });
      await streamLines(served, "gone.log", numbered("gone", 5));
      const lastId = await streamLines(served, "trunc.log", numbered("first version of a long line", 20));
      assert.equal((await served.proc.stop()).code, 0, served.proc.stderr());
      await served.logs.truncate("trunc.log");
      const rewritten = numbered("rewritten", 5);
      await served.logs.appendLines("trunc.log", rewritten);
      await served.logs.remove("gone.log");
      const fresh = numbered("fresh", 5);
      await served.logs.appendLines("fresh.log", fresh);
      const proc = await restart(rt, served);
      const client = await resume(proc, lastId);
      await waitForMessages(client, [...rewritten, ...fresh]);
      const of = (source: string) =>
        received(client)
          .filter((e) => e.source === source)
          .map((e) => e.message);
      assert.deepEqual(of("trunc.log"), rewritten);
      assert.deepEqual(of("fresh.log"), fresh);
      assert.deepEqual(of("gone.log"), []);
      assert.match(
        proc.stderr(),
        /trunc\.log was truncated while logwisp was down; reading it from its start/,
      );
      const deleted = proc.stderr().match(/gone\.log \(inode \d+\) was deleted while logwisp was down/g);
      assert.equal(deleted?.length, 1, proc.stderr());
      // forgotten: a clean stop and another start say nothing more of it
      assert.equal((await proc.stop()).code, 0);
      const again = await restart(rt, served);
      assert.doesNotMatch(again.stderr(), /gone\.log/);
    },
  ),

  defineCase("restarts: a second instance on the same state exits 2 naming the first", async (rt) => {
    const served = await serve(rt, { files: { "app.log": "" } });
    const second = await runLogwisp(rt, { cwd: served.dir, args: serveArgs() });
    assert.equal(second.code, 2, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`in use by another logwisp \\(pid ${served.proc.pid}, started \\d{4}-\\d\\d-\\d\\dT`),
    );
    assert.doesNotMatch(second.stderr, /listening/, "refused before it listens");
    // the first goes on, and a different set of targets is another instance, with its own state
    const other = await startLogwisp(rt, { cwd: served.dir, args: [...serveArgs(), "other:*.log"] });
    assert.notEqual((await other.stop()).code, 2);
    const { state } = await served.status();
    assert.match(state.instance ?? "", /^targets-[0-9a-f]{8}$/);
    assert.ok(state.dir?.startsWith(served.dir), String(state.dir));
  }),
];
