// Hot reload (issue 15, test 6): SIGHUP re-reads the config file, env and flags. A widened target streams the
// newly matched file on the same connection, with nothing lost or repeated from the files already followed;
// a bad config changes nothing and says why (stderr and /status); a new token holds for new clients.
import assert from "node:assert/strict";
import { byMessage, httpGet, openSse } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, type Served, type Status, serve, writeConfig } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

type ReloadStatus = Status["reload"];

function targets(...patterns: string[]): string {
  return patterns.map((pattern) => `[[monitor.targets]]\npath = "."\npattern = "${pattern}"\n`).join("");
}

/** Sends SIGHUP and waits until /status reports reload number `count`. */
async function reload(
  served: Served,
  count: number,
  headers: Record<string, string> = {},
): Promise<ReloadStatus> {
  served.proc.signal("SIGHUP");
  return pollUntil(async () => {
    const response = await httpGet(`${served.proc.httpUrl}/status`, headers);
    const status = response.json() as { reload: ReloadStatus };
    return status.reload.count >= count ? status.reload : undefined;
  }, `reload ${count} in /status`);
}

const numbered = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}-${from + i}`);

export const reloadCases = [
  defineCase(
    "reload: SIGHUP with a widened pattern streams the newly matched file on the same connection, nothing lost or repeated",
    async (rt) => {
      const served = await serve(rt, {
        files: { "app.log": "before start\n", "extra.txt": "already there\n" },
        config: targets("*.log"),
      });
      const sse = await connectedSse(served);
      await served.logs.appendLines("app.log", numbered("a", 1, 50));
      await sse.nextEntry(byMessage("a-50"));
      await writeConfig(served.logs, targets("*.log", "*.txt"));
      // lines written while the reload happens must arrive once each, too
      const writing = served.logs.appendLines("app.log", numbered("a", 51, 100));
      const result = await reload(served, 1);
      await writing;
      assert.equal(result.result, "ok", JSON.stringify(result));
      assert.deepEqual(result.changed, ["monitor.targets"]);
      await pollUntil(async () => {
        const status = await served.status();
        return status.monitor.files.some((file) => file.source === "extra.txt") ? true : undefined;
      }, "extra.txt to be followed");
      await served.logs.appendLines("extra.txt", ["x-1"]);
      await served.logs.appendLines("app.log", ["a-101"]);
      await sse.waitForEntry(byMessage("x-1"));
      await sse.waitForEntry(byMessage("a-101"));
      const messages = sse.entries().map((entry) => entry.message);
      assert.deepEqual(
        messages.filter((message) => message.startsWith("a-")),
        numbered("a", 1, 101),
      );
      // a file matched by the reload is followed from its end, as one there at start
      assert.deepEqual(
        messages.filter((message) => !message.startsWith("a-")),
        ["x-1"],
      );
      assert.equal(sse.events.items.filter((event) => event.event === "connected").length, 1);
      assert.equal(
        sse.events.items.some((event) => event.event === "disconnect"),
        false,
      );
    },
  ),

  defineCase(
    "reload: an invalid config on SIGHUP changes nothing and says why on stderr and in /status",
    async (rt) => {
      const served = await serve(rt, { config: targets("*.log") });
      const sse = await connectedSse(served);
      await writeConfig(
        served.logs,
        `${targets("*.txt")}[monitor]\nreplay_size = -1\n[httpserver]\nbuffer_sise = 5\n`,
      );
      const result = await reload(served, 1);
      assert.equal(result.result, "error");
      assert.match(String(result.error), /monitor\.replay_size/);
      // every problem, worded as at start: key, source, expected form
      await served.proc.waitForStderr(/invalid monitor\.replay_size from file .*expected an integer from 0/);
      await served.proc.waitForStderr(
        /unknown httpserver\.buffer_sise from file .*did you mean httpserver\.buffer_size\?/,
      );
      await served.proc.waitForStderr(/reload failed: the running config is kept/);
      const status = await served.status();
      assert.deepEqual(
        status.monitor.targets.map((target) => (target as { pattern: string }).pattern),
        ["*.log"],
      );
      await served.logs.appendLines("app.log", ["still streaming"]);
      await sse.nextEntry(byMessage("still streaming"));
    },
  ),

  defineCase(
    "reload: a new auth token holds for new clients; connected ones keep their stream",
    async (rt) => {
      const served = await serve(rt, { config: `${targets("*.log")}[auth]\ntoken = "old-token"\n` });
      const oldBearer = { authorization: "Bearer old-token" };
      const newBearer = { authorization: "Bearer new-token" };
      const before = await openSse(`${served.proc.httpUrl}/stream`, oldBearer);
      await before.events.next((event) => event.event === "connected", undefined, "the connected event");
      await writeConfig(served.logs, `${targets("*.log")}[auth]\ntoken = "new-token"\n`);
      const result = await reload(served, 1, newBearer);
      assert.equal(result.result, "ok", JSON.stringify(result));
      assert.deepEqual(result.changed, ["auth.token"]);
      assert.equal((await httpGet(`${served.proc.httpUrl}/status`, oldBearer)).status, 401);
      const refused = await openSse(`${served.proc.httpUrl}/stream`, oldBearer);
      assert.equal(refused.status, 401);
      refused.close();
      const after = await openSse(`${served.proc.httpUrl}/stream`, newBearer);
      await after.events.next((event) => event.event === "connected", undefined, "the connected event");
      await served.logs.appendLines("app.log", ["after the new token"]);
      await after.nextEntry(byMessage("after the new token"));
      await before.nextEntry(byMessage("after the new token"));
      assert.equal(served.proc.stderr().includes("new-token"), false, "the token is never logged");
    },
  ),
];
