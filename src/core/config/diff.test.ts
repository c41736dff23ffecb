import assert from "node:assert/strict";
import { test } from "node:test";
import * as v from "valibot";
import { changedKeys, planReload } from "./diff.ts";
import { type Config, ConfigSchema } from "./schema.ts";

const config = (input: Record<string, unknown> = {}): Config => v.parse(ConfigSchema, input);
const NO_TLS = { before: {}, after: {} };

test("changedKeys names every leaf that differs, in schema order, and nothing else", () => {
  assert.deepEqual(changedKeys(config(), config()), []);
  assert.deepEqual(
    changedKeys(
      config(),
      config({ auth: { token: "t" }, monitor: { targets: [{ path: "/var/log" }], replay_size: 5 } }),
    ),
    ["monitor.targets", "monitor.replay_size", "auth.token"],
  );
});

test("planReload says what each part does", () => {
  const cases: Array<[string, Record<string, unknown>, Partial<Record<string, unknown>>]> = [
    ["targets", { monitor: { targets: [{ path: ".", pattern: "*.txt" }] } }, { monitor: true }],
    ["a target's filter", { monitor: { targets: [{ path: "./", exclude: ["x"] }] } }, { monitor: true }],
    ["check interval", { monitor: { check_interval_ms: 500 } }, { monitor: true }],
    ["replay size", { monitor: { replay_size: 10 } }, { replay: true, monitor: false }],
    ["token", { auth: { token: "t" } }, { access: true }],
    ["cors", { httpserver: { cors_origins: ["https://a.example"] } }, { access: true }],
    ["watch", { config: { watch: true } }, { watch: true }],
  ];
  for (const [name, input, expected] of cases) {
    const plan = planReload(config(), config(input), NO_TLS);
    for (const [key, value] of Object.entries(expected))
      assert.equal(plan[key as keyof typeof plan], value, `${name}: ${key}`);
    assert.deepEqual(plan.servers.httpserver, { rebind: false, rotateTls: false, reconfigure: false }, name);
  }
});

test("planReload: a server rebinds on host, port, enabled or TLS on/off, reconfigures on the rest", () => {
  const rows: Array<[Record<string, unknown>, { rebind: boolean; reconfigure: boolean }]> = [
    [{ port: 9000 }, { rebind: true, reconfigure: false }],
    [{ host: "127.0.0.1" }, { rebind: true, reconfigure: false }],
    [{ enabled: false }, { rebind: true, reconfigure: false }],
    [{ buffer_size: 5 }, { rebind: false, reconfigure: true }],
    [
      { max_clients: 5, max_clients_per_ip: 2 },
      { rebind: false, reconfigure: true },
    ],
    [{ heartbeat: { interval_seconds: 5 } }, { rebind: false, reconfigure: true }],
    [{ stall_timeout_seconds: 5 }, { rebind: false, reconfigure: true }],
  ];
  for (const [httpserver, expected] of rows) {
    const plan = planReload(config(), config({ httpserver }), NO_TLS);
    assert.deepEqual(plan.servers.httpserver, { ...expected, rotateTls: false }, JSON.stringify(httpserver));
    assert.deepEqual(plan.servers.tcpserver, { rebind: false, rotateTls: false, reconfigure: false });
  }
});

test("planReload: new certificate text rotates TLS even when the paths did not change", () => {
  const tls = {
    httpserver: { enabled: true, ssl_enabled: true, ssl_cert_file: "c.pem", ssl_key_file: "k.pem" },
  };
  const before = { httpserver: { cert: "CERT 1", key: "KEY 1" } };
  const same = planReload(config(tls), config(tls), { before, after: before });
  assert.deepEqual(same.servers.httpserver, { rebind: false, rotateTls: false, reconfigure: false });
  const rotated = planReload(config(tls), config(tls), {
    before,
    after: { httpserver: { cert: "CERT 2", key: "KEY 2" } },
  });
  assert.deepEqual(rotated.servers.httpserver, { rebind: false, rotateTls: true, reconfigure: false });
  assert.deepEqual(rotated.changed, []);
});
