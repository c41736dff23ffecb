// Service.reload as a whole, on Node: what only the composition shows (listeners rebound or given a new
// certificate, a bad config refused, the config file watched). The parts have their own tests.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { createNodeRuntime } from "../adapters/node/index.ts";
import { ConfigError } from "./config/errors.ts";
import { type Config, ConfigSchema } from "./config/schema.ts";
import type { TlsMaterial } from "./config/tls.ts";
import { type ReloadedConfig, Service } from "./service.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../conformance-tests/fixtures/tls/${name}`, import.meta.url));

let dir: string;
let logs: string[];
let service: Service | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "logwisp-service-"));
  writeFileSync(join(dir, "app.log"), "");
  logs = [];
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function config(input: Record<string, unknown>): Config {
  return v.parse(ConfigSchema, {
    monitor: { check_interval_ms: 20, targets: [{ path: dir, pattern: "*.log" }] },
    // the state in the test's own directory, never the user's ~/.local/state
    state: { dir: join(dir, "state") },
    ...input,
  });
}

async function startService(first: ReloadedConfig, load: () => Promise<ReloadedConfig>, file?: string) {
  const runtime = { ...createNodeRuntime(), log: (line: string) => logs.push(line) };
  service = new Service(runtime, first.config, "test", { tls: first.tls });
  await service.start();
  await service.enableReload(load, file);
  return service;
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function tlsMaterial(): TlsMaterial {
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  return { tcpserver: { cert: read("cert.pem"), key: read("key.pem") } };
}

/** A TLS client that trusts only `ca`; resolves once the handshake is done, with the lines it reads. */
function tlsClient(port: number, ca: string) {
  const lines: string[] = [];
  return new Promise<{ lines: string[]; close: () => void }>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () =>
      resolve({ lines, close: () => socket.destroy() }),
    );
    let text = "";
    socket.on("data", (bytes) => {
      text += bytes.toString();
      const parts = text.split("\n");
      text = parts.pop() ?? "";
      for (const line of parts) lines.push((JSON.parse(line) as { message: string }).message);
    });
    socket.on("error", reject);
  });
}

test("certificate rotation: SIGHUP re-reads the same paths; new connections get the new certificate, open ones stay", async () => {
  copyFileSync(fixture("cert.pem"), join(dir, "cert.pem"));
  copyFileSync(fixture("key.pem"), join(dir, "key.pem"));
  const tcp = {
    enabled: true,
    host: "127.0.0.1",
    port: 0,
    ssl_enabled: true,
    ssl_cert_file: join(dir, "cert.pem"),
    ssl_key_file: join(dir, "key.pem"),
  };
  const current = () => ({
    config: config({ tcpserver: tcp, httpserver: { enabled: false } }),
    tls: tlsMaterial(),
  });
  const running = await startService(current(), async () => current());
  const port = (running.status() as { servers: { tcp: { port: number } } }).servers.tcp.port;
  const before = await tlsClient(port, readFileSync(fixture("cert.pem"), "utf8"));
  copyFileSync(fixture("rotated-cert.pem"), join(dir, "cert.pem"));
  copyFileSync(fixture("rotated-key.pem"), join(dir, "key.pem"));
  await running.reload("SIGHUP");
  assert.equal(running.reloadStatus.result, "ok", JSON.stringify(running.reloadStatus));
  assert.ok(
    logs.some((line) => /new TLS certificate and key in use/.test(line)),
    logs.join("\n"),
  );
  const after = await tlsClient(port, readFileSync(fixture("rotated-cert.pem"), "utf8"));
  await assert.rejects(
    tlsClient(port, readFileSync(fixture("cert.pem"), "utf8")),
    /self[- ]signed|verify|certificate/i,
  );
  // both sessions start once their options wait is over; then a line reaches each
  await new Promise((resolve) => setTimeout(resolve, 400));
  writeFileSync(join(dir, "app.log"), "after rotation\n", { flag: "a" });
  await until(
    () => (before.lines.includes("after rotation") ? true : undefined),
    "the line on the old connection",
  );
  await until(
    () => (after.lines.includes("after rotation") ? true : undefined),
    "the line on the new connection",
  );
  before.close();
  after.close();
});

test("a changed port rebinds: the old server's SSE clients are told and closed, the new port serves", async () => {
  const [first, second] = [await freePort(), await freePort()];
  let port = first;
  const current = () => ({ config: config({ httpserver: { host: "127.0.0.1", port } }), tls: {} });
  const running = await startService(current(), async () => current());
  const response = await fetch(`http://127.0.0.1:${first}/stream`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  port = second;
  await running.reload("SIGHUP");
  let text = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
    text += new TextDecoder().decode(chunk.value);
  assert.match(text, /event: disconnect/);
  const status = (await (await fetch(`http://127.0.0.1:${second}/status`)).json()) as {
    reload: { result: string; changed: string[] };
    servers: { http: { port: number } };
  };
  assert.equal(status.reload.result, "ok");
  assert.deepEqual(status.reload.changed, ["httpserver.port"]);
  assert.equal(status.servers.http.port, second);
  await assert.rejects(fetch(`http://127.0.0.1:${first}/status`));
});

test("a config that fails its checks changes nothing; /status and the log say why", async () => {
  const good = { config: config({ httpserver: { host: "127.0.0.1", port: 0 } }), tls: {} };
  const running = await startService(good, async () => {
    throw new ConfigError([
      {
        key: "monitor.replay_size",
        source: "file",
        origin: "/etc/logwisp.toml",
        value: -1,
        expected: "an integer from 0 to 10000000",
      },
    ]);
  });
  await running.reload("SIGHUP");
  assert.equal(running.config, good.config);
  const { reload } = running.status() as {
    reload: { count: number; result: string; error: string; at: string };
  };
  assert.equal(reload.count, 1);
  assert.equal(reload.result, "error");
  assert.match(reload.error, /invalid monitor\.replay_size from file \/etc\/logwisp\.toml: got -1/);
  assert.match(reload.at, /^\d{4}-\d\d-\d\dT/);
  assert.ok(
    logs.includes(
      "invalid monitor.replay_size from file /etc/logwisp.toml: got -1, expected an integer from 0 to 10000000",
    ),
    logs.join("\n"),
  );
  assert.ok(logs.includes("reload failed: the running config is kept"));
});

test("[config] watch: a change of the config file reloads it, as SIGHUP does", async () => {
  const file = join(dir, "logwisp.toml");
  writeFileSync(file, "[config]\nwatch = true\n");
  let loads = 0;
  const current = () => ({
    config: config({ httpserver: { enabled: false }, config: { watch: true } }),
    tls: {},
  });
  const running = await startService(
    current(),
    async () => {
      loads++;
      return current();
    },
    file,
  );
  writeFileSync(file, "[config]\nwatch = true\n# edited\n");
  await until(() => (running.reloadStatus.count === 1 ? true : undefined), "the reload");
  assert.equal(loads, 1);
  assert.ok(logs.includes("config file changed: reloading the config"), logs.join("\n"));
});

test("a new port that is in use fails the reload and leaves the running server and its clients alone", async () => {
  const first = await freePort();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const address = taken.address();
  let port = first;
  const current = () => ({ config: config({ httpserver: { host: "127.0.0.1", port } }), tls: {} });
  const running = await startService(current(), async () => current());
  const response = await fetch(`http://127.0.0.1:${first}/stream`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  port = typeof address === "object" && address ? address.port : 0;
  await running.reload("SIGHUP");
  taken.close();
  assert.equal(running.reloadStatus.result, "error");
  assert.match(String(running.reloadStatus.error), /already in use/);
  assert.equal(running.config.httpserver.port, first);
  writeFileSync(join(dir, "app.log"), "still here\n", { flag: "a" });
  let text = "";
  while (!text.includes("still here")) text += new TextDecoder().decode((await reader.read()).value);
  assert.doesNotMatch(text, /disconnect/);
  await reader.cancel();
});
