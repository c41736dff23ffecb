// `[auth] token`: HTTP needs `Authorization: Bearer` (or `?token=` on /stream), a TCP client sends the token
// as its first line within 5 s; the token is never printed, logged, or shown in /status.
import assert from "node:assert/strict";
import { byMessage, httpGet, openSse, openTcp } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { runLogwisp, startLogwisp } from "../_harness/process.ts";
import { primeStream, serve } from "../_harness/serve.ts";

const TOKEN = "tok-3f9a7c1e";
const WITH_TOKEN = { LOGWISP_AUTH_TOKEN: TOKEN };
const BEARER = { authorization: `Bearer ${TOKEN}` };

export const authCases = [
  defineCase(
    "auth: HTTP needs the token (401 with WWW-Authenticate), as a Bearer header or ?token= on /stream",
    async (rt) => {
      const served = await serve(rt, { env: WITH_TOKEN });
      const url = served.proc.httpUrl;
      for (const [path, headers] of [
        ["/status", {}],
        ["/stream", {}],
        ["/status", { authorization: "Bearer wrong" }],
        [`/status?token=${TOKEN}`, {}],
      ] as const) {
        const response = await httpGet(`${url}${path}`, headers);
        assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.match(String(response.headers["www-authenticate"]), /^Bearer/);
        assert.equal((response.json() as { error: string }).error, "unauthorized");
      }
      const status = await httpGet(`${url}/status`, BEARER);
      assert.equal(status.status, 200);
      assert.equal(status.body.includes(TOKEN), false, "/status shows the token");

      const byHeader = await openSse(`${url}/stream`, BEARER);
      const byQuery = await openSse(`${url}/stream?token=${TOKEN}`);
      for (const client of [byHeader, byQuery]) {
        assert.equal(client.status, 200);
        await client.events.next((event) => event.event === "connected", undefined, "the connected event");
      }
      await served.logs.appendLines("app.log", ["for authorised readers"]);
      await byHeader.nextEntry(byMessage("for authorised readers"));
      await byQuery.nextEntry(byMessage("for authorised readers"));
      assert.equal(served.proc.stderr().includes(TOKEN), false, "the token is logged");
      assert.doesNotMatch(served.proc.stderr(), /warning/, "warned though auth is on and bound to loopback");

      const printed = await runLogwisp(rt, { args: ["--print-config"], env: WITH_TOKEN });
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /^token = "<redacted>" +# env LOGWISP_AUTH_TOKEN$/m);
      assert.equal(printed.stdout.includes(TOKEN), false, "--print-config shows the token");
    },
  ),

  defineCase(
    "auth: a TCP client that sends the token line streams; a wrong token is closed with nothing",
    async (rt) => {
      const served = await serve(rt, { tcp: true, env: WITH_TOKEN });
      const wrong = await openTcp(served.proc.tcpPort);
      const good = await openTcp(served.proc.tcpPort);
      await wrong.send(`wrong-${TOKEN}\n`);
      await good.send(`${TOKEN}\r\n`);
      await primeStream(good, served.logs, "app.log");
      await wrong.lines.waitForEnd(3000);
      await served.logs.appendLines("app.log", ["after auth"]);
      await good.nextEntry(byMessage("after auth"));
      assert.deepEqual(wrong.lines.items, [], "a client with a wrong token received something");
      assert.equal(good.lines.ended, false);
    },
  ),

  defineCase(
    "auth: a TCP client that sends no token is closed after 5 s, having received nothing",
    async (rt) => {
      const served = await serve(rt, { tcp: true, env: WITH_TOKEN });
      const silent = await openTcp(served.proc.tcpPort);
      const connectedAt = Date.now();
      await served.logs.appendLines("app.log", ["not for the silent client"]);
      await silent.lines.waitForEnd(8000);
      const waitedMs = Date.now() - connectedAt;
      assert.ok(waitedMs >= 4500, `closed after ${waitedMs} ms, before the 5 s allowed`);
      assert.deepEqual(silent.lines.items, [], "a client that never authenticated received something");
    },
    { timeoutMs: 20_000 },
  ),

  defineCase("auth: a non-loopback address without auth prints one warning at start", async (rt) => {
    const open = await startLogwisp(rt, { args: ["--host", "0.0.0.0", "--http-port", "0"] });
    const warnings = open.stderr().match(/^logwisp: warning: .*$/gm) ?? [];
    assert.equal(warnings.length, 1, open.stderr());
    assert.match(warnings[0] as string, /0\.0\.0\.0:\d+ without auth.*--auth-token/);
    const guarded = await startLogwisp(rt, {
      args: ["--host", "0.0.0.0", "--http-port", "0"],
      env: WITH_TOKEN,
    });
    assert.doesNotMatch(guarded.stderr(), /warning/);
  }),
];
