// What a web page may do with logwisp: read its answers only from an origin in `cors_origins` (none by
// default), and, without auth, reach it only by an IP address, localhost or a name in `allowed_hosts` —
// the DNS-rebinding guard reads the Host header, which node:http lets a client set (fetch does not).
import assert from "node:assert/strict";
import { byMessage, httpGet, httpRequest } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { serve } from "../_harness/serve.ts";

/** A dashboard's origin: another loopback address and port than logwisp's, so another origin. */
const DASHBOARD = "http://127.0.0.2:8000";
const TOKEN = "tok-c0r5-9e1b";

export const corsCases = [
  defineCase(
    "cors: without auth, Host: rebind.example gets 403 naming allowed_hosts; no origin but a listed one may read",
    async (rt) => {
      const served = await serve(rt, {
        args: ["--http-cors-origins", DASHBOARD, "--http-allowed-hosts", "logs.lan"],
        files: { "app.log": "" },
      });
      const url = served.proc.httpUrl;
      const port = served.proc.httpPort;
      for (const path of ["/status", "/stream", "/"]) {
        const refused = await httpGet(`${url}${path}`, { host: `rebind.example:${port}` });
        assert.equal(refused.status, 403, `${path}: ${refused.body}`);
        assert.deepEqual(refused.json(), {
          error: "host not allowed",
          host: "rebind.example",
          detail:
            "add it to [httpserver] allowed_hosts (LOGWISP_HTTPSERVER_ALLOWED_HOSTS, --http-allowed-hosts), or set [auth] token",
        });
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOGS.lan:${port}`]) {
        assert.equal((await httpGet(`${url}/status`, { host })).status, 200, host);
      }

      // a page on another origin gets no Access-Control-Allow-Origin: the browser keeps the answer from it
      const evil = { origin: "http://evil.example" };
      const status = await httpGet(`${url}/status`, evil);
      assert.equal(status.status, 200);
      assert.equal(status.headers["access-control-allow-origin"], undefined);
      const stream = await served.sse("/stream", evil);
      assert.equal(stream.headers["access-control-allow-origin"], undefined);
      stream.close();
      const evilPreflight = await httpRequest("OPTIONS", `${url}/stream`, {
        ...evil,
        "access-control-request-method": "GET",
      });
      assert.equal(evilPreflight.status, 204);
      assert.deepEqual(
        Object.keys(evilPreflight.headers).filter((name) => name.startsWith("access-control-")),
        [],
      );

      // the listed origin: exactly its own name back, never *, on the stream too, and its preflight passes
      const dashboard = { origin: DASHBOARD };
      const listed = await httpGet(`${url}/status`, dashboard);
      assert.equal(listed.headers["access-control-allow-origin"], DASHBOARD);
      assert.match(String(listed.headers.vary), /\bOrigin\b/);
      const preflight = await httpRequest("OPTIONS", `${url}/stream`, {
        ...dashboard,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization,last-event-id",
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], DASHBOARD);
      assert.match(String(preflight.headers["access-control-allow-headers"]), /Authorization, Last-Event-ID/);
      const dashboardStream = await served.sse("/stream", dashboard);
      assert.equal(dashboardStream.headers["access-control-allow-origin"], DASHBOARD);
      await dashboardStream.events.next((event) => event.event === "connected", undefined, "connected");
      await served.logs.appendLines("app.log", ["ERROR db password=SECRET-hunter2"]);
      await dashboardStream.nextEntry(byMessage("ERROR db password=SECRET-hunter2"));
    },
  ),

  defineCase("cors: with auth, the token guards instead of the Host check", async (rt) => {
    const served = await serve(rt, { env: { LOGWISP_AUTH_TOKEN: TOKEN } });
    const url = served.proc.httpUrl;
    const host = { host: `rebind.example:${served.proc.httpPort}` };
    assert.equal((await httpGet(`${url}/status`, host)).status, 401);
    const status = await httpGet(`${url}/status`, { ...host, authorization: `Bearer ${TOKEN}` });
    assert.equal(status.status, 200, status.body);
    const stream = await served.sse(`/stream?token=${TOKEN}`, host);
    assert.equal(stream.status, 200);
    await stream.events.next((event) => event.event === "connected", undefined, "the connected event");
    stream.close();
  }),
];
