// Where settings come from: defaults < config file < LOGWISP_* environment < flags and targets.
import assert from "node:assert/strict";
import { byMessage } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, serve } from "../_harness/serve.ts";

const FILE_CONFIG = `
[monitor]
check_interval_ms = 30

[httpserver]
buffer_size = 123

[httpserver.heartbeat]
enabled = true
interval_seconds = 1
format = "json"
include_timestamp = true
include_stats = false
`;

export const configCases = [
  defineCase("config: values from the --config file are used", async (rt) => {
    const served = await serve(rt, { config: FILE_CONFIG, fastPoll: false });
    const status = await served.status();
    assert.equal(status.monitor.check_interval_ms, 30);
    assert.equal(status.servers.http.buffer_size, 123);
    const client = await connectedSse(served);
    const heartbeat = await client.events.next(
      (event) => event.data?.includes('"heartbeat"') ?? false,
      3000,
      "a json heartbeat (format and interval from the file)",
    );
    assert.match(heartbeat.data ?? "", /^\{"type":"heartbeat","timestamp":"[^"]+"\}$/);
  }),

  defineCase("config: environment overrides the file", async (rt) => {
    const served = await serve(rt, {
      config: FILE_CONFIG,
      fastPoll: false,
      env: { LOGWISP_HTTPSERVER_BUFFER_SIZE: "456", LOGWISP_MONITOR_CHECK_INTERVAL_MS: "41" },
    });
    const status = await served.status();
    assert.equal(status.servers.http.buffer_size, 456);
    assert.equal(status.monitor.check_interval_ms, 41);
  }),

  defineCase("config: flags override the environment", async (rt) => {
    const served = await serve(rt, {
      config: FILE_CONFIG,
      env: { LOGWISP_HTTPSERVER_BUFFER_SIZE: "456", LOGWISP_MONITOR_CHECK_INTERVAL_MS: "41" },
      args: ["--http-buffer-size", "789"],
    });
    const status = await served.status();
    assert.equal(status.servers.http.buffer_size, 789);
    assert.equal(status.monitor.check_interval_ms, 20);
  }),

  defineCase("config: LOGWISP_CONFIG_FILE names the config file", async (rt) => {
    const served = await serve(rt, {
      files: { "from-env.toml": "[httpserver]\nbuffer_size = 321\n" },
      env: (dir) => ({ LOGWISP_CONFIG_FILE: `${dir}/from-env.toml` }),
    });
    assert.equal((await served.status()).servers.http.buffer_size, 321);
  }),

  defineCase("config: ~/.config/logwisp.toml is read when present", async (rt) => {
    // HOME is the temp dir, so this is the child's own ~/.config/logwisp.toml.
    const served = await serve(rt, {
      files: { ".config/logwisp.toml": "[httpserver]\nbuffer_size = 222\n" },
    });
    assert.equal((await served.status()).servers.http.buffer_size, 222);
  }),

  defineCase("config: LOGWISP_TCPSERVER_ENABLED and _PORT turn TCP on", async (rt) => {
    const served = await serve(rt, {
      env: { LOGWISP_TCPSERVER_ENABLED: "true", LOGWISP_TCPSERVER_PORT: "0" },
    });
    const status = await served.status();
    assert.equal(status.servers.tcp.enabled, true);
    assert.equal(status.servers.tcp.port, served.proc.tcpPort);
    const client = await served.tcp();
    assert.equal(client.lines.ended, false);
  }),

  defineCase("config: LOGWISP_MONITOR_TARGETS selects what is followed", async (rt) => {
    const served = await serve(rt, {
      files: { "sub/.keep": "" },
      env: { LOGWISP_MONITOR_TARGETS: "sub:*.txt:false" },
    });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["not a target"]);
    await served.logs.appendLines("sub/notes.txt", ["from env target"]);
    const entry = await client.nextEntry(byMessage("from env target"));
    assert.equal(entry.source, "notes.txt");
    const files = (await served.status()).monitor.files.map((file) => file.path);
    assert.ok(
      !files.some((path) => path.endsWith("app.log")),
      `app.log is not a target: ${files.join(", ")}`,
    );
    assert.ok(!client.entries().some(byMessage("not a target")), client.events.dump());
  }),

  defineCase("config: a positional dir:pattern target follows only matching files", async (rt) => {
    const served = await serve(rt, { args: [".:error*.log"] });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", ["ignored line"]);
    await served.logs.appendLines("error-api.log", ["matching line"]);
    await client.nextEntry(byMessage("matching line"));
    const files = (await served.status()).monitor.files.map((file) => file.path);
    assert.ok(
      files.some((path) => path.endsWith("error-api.log")),
      files.join(", "),
    );
    assert.ok(
      !files.some((path) => path.endsWith("/app.log")),
      `app.log must not be followed: ${files.join(", ")}`,
    );
    await served.logs.appendLines("error-api.log", ["second matching line"]);
    await client.nextEntry(byMessage("second matching line"));
    assert.ok(!client.entries().some(byMessage("ignored line")), client.events.dump());
  }),

  defineCase("config: a positional file target is followed whatever its name", async (rt) => {
    const served = await serve(rt, { files: { "service.out": "before start\n" }, args: ["service.out"] });
    const client = await connectedSse(served);
    await served.logs.appendLines("other.log", ["not followed"]);
    await served.logs.appendLines("service.out", ["file target line"]);
    const entry = await client.nextEntry(byMessage("file target line"));
    assert.equal(entry.source, "service.out");
    const files = (await served.status()).monitor.files.map((file) => file.path);
    assert.deepEqual(
      files.map((path) => path.split("/").pop()),
      ["service.out"],
    );
  }),

  defineCase("config: [[monitor.targets]] in the file are followed", async (rt) => {
    const config = '[[monitor.targets]]\npath = "fromfile"\npattern = "*.txt"\nis_file = false\n';
    const fileOnly = await serve(rt, { config, files: { "fromfile/.keep": "" } });
    const client = await connectedSse(fileOnly);
    await fileOnly.logs.appendLines("fromfile/a.txt", ["from file target"]);
    await client.nextEntry(byMessage("from file target"));
    const targets = JSON.stringify((await fileOnly.status()).monitor.targets);
    assert.match(targets, /fromfile/);
    assert.match(targets, /\*\.txt/);
  }),
];
