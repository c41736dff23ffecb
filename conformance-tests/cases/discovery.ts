// Which files are followed: a path that appears later, a file that goes away, and many files at once.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";
import { assertExactlyOnce } from "./tailing.ts";

export const discoveryCases = [
  defineCase("discovery: a file target that does not exist yet is followed from its start", async (rt) => {
    const served = await serve(rt, { args: ["later.out"] });
    const client = await connectedSse(served);
    await served.logs.appendLines("later.out", ["first", "second"]);
    await client.nextEntry(byMessage("second"));
    assertExactlyOnce(client, { "later.out": ["first", "second"] });
  }),

  defineCase("discovery: a removed file is released after its grace window", async (rt) => {
    const served = await serve(rt, {
      files: { "app.log": "", "other.log": "" },
      args: ["--rotate-wait", "100"],
    });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["a1"]);
    await client.nextEntry(byMessage("a1"));
    await served.logs.remove("app.log");
    // released: no open handle left (no identity, nothing draining); the entry itself leaves /status at the
    // next listing of the directory, up to 5 s later while the directory is watched (monitor.test.ts)
    await pollUntil(async () => {
      const files = (await served.status()).monitor.files as unknown as Array<Record<string, unknown>>;
      const file = files.find((item) => item.source === "app.log");
      if (!file || (file.identity === null && file.draining === 0)) return true;
      throw new Error(`still open: ${JSON.stringify(file)}`);
    }, "app.log to be closed");
    await served.logs.appendLines("other.log", ["o1"]);
    await client.nextEntry(byMessage("o1"));
    assertExactlyOnce(client, { "app.log": ["a1"], "other.log": ["o1"] });
  }),

  defineCase(
    "discovery: 500 files in one directory target are all followed",
    async (rt) => {
      const names = Array.from({ length: 500 }, (_, i) => `f${String(i).padStart(3, "0")}.log`);
      const served = await serve(rt, { files: Object.fromEntries(names.map((name) => [name, ""])) });
      await served.proc.waitForStderr(/following 500 files/);
      const client = await connectedSse(served);
      await Promise.all(names.map((name) => served.logs.appendLines(name, [`line in ${name}`])));
      await client.waitForEntry(byMessage("line in f499.log"));
      await pollUntil(
        async () => (client.entries().length >= names.length ? true : undefined),
        "a line from each of the 500 files",
      );
      const messages = new Set(client.entries().map((entry) => entry.message));
      assert.equal(messages.size, names.length);
      for (const name of names) assert.ok(messages.has(`line in ${name}`), name);
    },
    { exclusive: true },
  ),
];
