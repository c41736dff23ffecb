// `max_clients` and `max_clients_per_ip` per server: an HTTP stream over a limit gets 503 with Retry-After,
// a TCP client one JSON error line and a close; each refusal is counted in /status as `rejected`.
import assert from "node:assert/strict";
import { byMessage, httpGet, openSse, openTcp, type SseClient } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, primeStream, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

/** Opens /stream until it is let in (a slot frees only once the server saw the last client leave). */
function sseWhenAdmitted(url: string): Promise<SseClient> {
  return pollUntil(async () => {
    const client = await openSse(`${url}/stream`);
    if (client.status === 200) return client;
    client.close();
    return undefined;
  }, "a stream to be let in again");
}

export const limitsCases = [
  defineCase(
    "limits: a stream over --http-max-clients gets 503 with Retry-After, counted; a slot frees when a client leaves",
    async (rt) => {
      const served = await serve(rt, { args: ["--http-max-clients", "1"] });
      const url = served.proc.httpUrl;
      const first = await connectedSse(served);
      const refused = await httpGet(`${url}/stream`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers["retry-after"], "5");
      assert.deepEqual(refused.json(), { error: "too many clients", max_clients: 1 });
      const status = await served.status();
      assert.equal(status.servers.http.rejected, 1);
      assert.equal(status.servers.http.max_clients, 1);
      assert.equal(status.servers.http.active_clients, 1);
      await served.logs.appendLines("app.log", ["still served"]);
      await first.nextEntry(byMessage("still served"));
      first.close();
      const next = await sseWhenAdmitted(url);
      await next.events.next((event) => event.event === "connected", undefined, "the connected event");
    },
  ),

  defineCase(
    "limits: a TCP client over --tcp-max-clients gets one JSON error line and is closed, counted",
    async (rt) => {
      const served = await serve(rt, { tcp: true, args: ["--tcp-max-clients", "1"] });
      const first = await connectedTcp(served);
      const refused = await openTcp(served.proc.tcpPort);
      await refused.lines.waitForEnd();
      assert.deepEqual(
        refused.lines.items.map((line) => line.raw),
        ['{"error":"too many clients","max_clients":1}'],
      );
      const status = await served.status();
      assert.equal(status.servers.tcp.rejected, 1);
      assert.equal(status.servers.tcp.max_clients, 1);
      await served.logs.appendLines("app.log", ["first stays"]);
      await first.nextEntry(byMessage("first stays"));
    },
  ),

  defineCase(
    "limits: --http-max-clients-per-ip and --tcp-max-clients-per-ip refuse a second client from one address only",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        args: ["--http-max-clients-per-ip", "1", "--tcp-max-clients-per-ip", "1"],
      });
      const url = served.proc.httpUrl;
      await connectedSse(served);
      const refusedSse = await httpGet(`${url}/stream`);
      assert.equal(refusedSse.status, 503);
      assert.equal(refusedSse.headers["retry-after"], "5");
      assert.deepEqual(refusedSse.json(), {
        error: "too many clients from this address",
        max_clients_per_ip: 1,
      });
      await connectedTcp(served);
      const refusedTcp = await openTcp(served.proc.tcpPort);
      await refusedTcp.lines.waitForEnd();
      assert.deepEqual(
        refusedTcp.lines.items.map((line) => line.json),
        [{ error: "too many clients from this address", max_clients_per_ip: 1 }],
      );
      // another address (127.0.0.2 is loopback too on Linux) has its own allowance
      const other = await openTcp(served.proc.tcpPort, "127.0.0.1", undefined, "127.0.0.2");
      await primeStream(other, served.logs, "app.log");
      const status = await served.status();
      assert.equal(status.servers.http.rejected, 1);
      assert.equal(status.servers.tcp.rejected, 1);
      assert.equal(status.servers.tcp.max_clients_per_ip, 1);
    },
  ),
];
