// GET /status: its shape, live clients, moving counters; 404 for other paths; CORS for GET.
import assert from "node:assert/strict";
import { byMessage, httpGet } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, connectedTcp, type Status, serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function assertServerShape(server: Record<string, unknown>, name: string): void {
  for (const key of ["enabled", "host", "port", "buffer_size", "heartbeat"]) {
    assert.ok(key in server, `servers.${name}.${key} missing: ${JSON.stringify(server)}`);
  }
  for (const key of ["active_clients", "total_connections", "delivered", "dropped"]) {
    assert.equal(typeof server[key], "number", `servers.${name}.${key}: ${JSON.stringify(server)}`);
  }
}

export const statusCases = [
  defineCase("status: the document has the documented shape", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "app.log": "old line\n" } });
    const response = await httpGet(`${served.proc.httpUrl}/status`);
    assert.equal(response.status, 200);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    const status = response.json() as Status;
    assert.equal(status.service, "logwisp");
    assert.equal(typeof status.version, "string");
    assert.equal(status.runtime.name, rt.name);
    assert.match(status.runtime.version, /\d+\.\d+\.\d+/);
    assert.match(status.started_at, ISO_TIME);
    assert.equal(typeof status.uptime_seconds, "number");
    assert.equal(status.monitor.check_interval_ms, 20);
    assert.ok(Array.isArray(status.monitor.targets), "monitor.targets is a list");
    const file = status.monitor.files.find((item) => item.source === "app.log");
    assert.ok(file, `app.log listed in monitor.files: ${JSON.stringify(status.monitor.files)}`);
    assert.equal(file.path, served.logs.file("app.log"));
    assert.equal(file.offset, "old line\n".length, "an existing file is followed from its end");
    for (const key of ["rotations", "truncations", "lines_read"] as const) {
      assert.equal(typeof file[key], "number", `monitor.files[].${key}`);
    }
    assertServerShape(status.servers.tcp as unknown as Record<string, unknown>, "tcp");
    assertServerShape(status.servers.http as unknown as Record<string, unknown>, "http");
    assert.equal(status.servers.tcp.port, served.proc.tcpPort);
    assert.equal(status.servers.http.port, served.proc.httpPort);
    assert.equal(status.servers.http.host, "127.0.0.1");
    assert.equal(status.servers.http.buffer_size, 1000);
    assert.deepEqual(status.clients, []);
    assert.deepEqual(status.reload, { count: 0, at: null, result: null }, "no reload yet");
    for (const key of ["published", "delivered", "dropped"] as const) {
      assert.equal(typeof status.totals[key], "number", `totals.${key}`);
    }
    // the state directory: on by default, in the harness's XDG_STATE_HOME, one subdirectory per instance
    const { state } = status;
    assert.equal(state.enabled, true);
    assert.equal(state.dir, `${served.dir}/.local/state/logwisp`);
    assert.match(state.instance ?? "", /^targets-[0-9a-f]{8}$/);
    assert.equal(state.error, null);
    assert.equal(state.resumed_from, "none");
    for (const key of ["writes", "write_failures", "ring_saved_entries", "ring_loaded_entries"] as const)
      assert.equal(typeof state[key], "number", `state.${key}`);
    await pollUntil(
      async () => ((await served.status()).state.writes >= 1 ? true : undefined),
      "a first save",
    );
    assert.match((await served.status()).state.last_saved_at ?? "", ISO_TIME);
  }),

  defineCase("status: clients appear, count deliveries, and disappear when they leave", async (rt) => {
    const served = await serve(rt, { tcp: true });
    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    const before = await served.status();
    assert.deepEqual(before.clients.map((client) => client.transport).sort(), ["sse", "tcp"]);
    for (const client of before.clients) {
      assert.equal(typeof client.id, "string");
      assert.match(client.remote_address, /127\.0\.0\.1/);
      assert.match(client.connected_at, ISO_TIME);
      assert.equal(client.dropped, 0);
    }
    const sseId = (JSON.parse(sse.events.items[0]?.data ?? "{}") as { client_id?: string }).client_id;
    assert.ok(
      before.clients.some((client) => client.transport === "sse" && client.id === sseId),
      `the SSE client is listed under its client_id ${sseId}: ${JSON.stringify(before.clients)}`,
    );
    assert.equal(before.servers.http.active_clients, 1);
    assert.equal(before.servers.tcp.active_clients, 1);

    await served.logs.appendLines("app.log", ["count me", "and me"]);
    await sse.nextEntry(byMessage("and me"));
    await tcp.nextEntry(byMessage("and me"));
    const after = await pollUntil(async () => {
      const status = await served.status();
      return status.totals.delivered >= before.totals.delivered + 4 ? status : undefined;
    }, "totals.delivered to grow by 4");
    assert.equal(after.totals.published, before.totals.published + 2);
    assert.ok(
      after.clients.every((client) => client.delivered >= 2),
      JSON.stringify(after.clients),
    );
    const file = after.monitor.files.find((item) => item.source === "app.log");
    assert.equal(file?.lines_read, 2, JSON.stringify(after.monitor.files));

    sse.close();
    tcp.close();
    const gone = await pollUntil(async () => {
      const status = await served.status();
      return status.clients.length === 0 ? status : undefined;
    }, "both clients to leave /status");
    assert.equal(gone.servers.http.active_clients, 0);
    assert.equal(gone.servers.tcp.active_clients, 0);
    assert.ok(gone.servers.http.total_connections >= 1, "total_connections keeps counting past clients");
    assert.equal(gone.servers.tcp.total_connections, 1);
  }),

  defineCase("status: an unknown path is a 404 with a JSON body", async (rt) => {
    const served = await serve(rt);
    const response = await httpGet(`${served.proc.httpUrl}/nope`);
    assert.equal(response.status, 404);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    assert.equal(typeof response.json(), "object");
  }),
];
