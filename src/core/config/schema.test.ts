import assert from "node:assert/strict";
import { test } from "node:test";
import * as v from "valibot";
import { ConfigSchema, defaultConfig } from "./schema.ts";

test("defaultConfig has every key with the documented default", () => {
  assert.deepEqual(defaultConfig(), {
    monitor: {
      check_interval_ms: 100,
      rotate_wait_ms: 5000,
      max_line_bytes: 1048576,
      follow_symlinks: false,
      format: "auto",
      targets: [{ path: "./", pattern: "*.log" }],
      replay_size: 10000,
      replay_max_bytes: 16777216,
      direct_reads: true,
      batch_ms: 4,
      read_from: "checkpoint",
    },
    tcpserver: {
      enabled: false,
      host: "0.0.0.0",
      port: 9090,
      buffer_size: 1000,
      max_clients: 1000,
      max_clients_per_ip: 0,
      stall_timeout_seconds: 60,
      ssl_enabled: false,
      heartbeat: {
        enabled: false,
        interval_seconds: 30,
        include_timestamp: true,
        include_stats: false,
        format: "json",
      },
    },
    httpserver: {
      enabled: true,
      host: "0.0.0.0",
      port: 8080,
      buffer_size: 1000,
      max_clients: 1000,
      max_clients_per_ip: 0,
      stall_timeout_seconds: 60,
      ssl_enabled: false,
      cors_origins: [],
      allowed_hosts: [],
      heartbeat: {
        enabled: true,
        interval_seconds: 30,
        include_timestamp: true,
        include_stats: false,
        format: "comment",
      },
    },
    auth: {},
    state: { enabled: true, checkpoint_interval_ms: 1000 },
    config: { watch: false },
    nats: {
      stream: "LOGWISP",
      subject_prefix: "logwisp",
      publish: true,
      serve: true,
      max_bytes: 1073741824,
      max_age_seconds: 0,
      duplicate_window_seconds: 120,
    },
  });
});

test("defaultConfig returns a fresh object each time", () => {
  const first = defaultConfig();
  first.monitor.targets.push({ path: "/x", pattern: "*" });
  assert.equal(defaultConfig().monitor.targets.length, 1);
});

const rejected: Array<[string, unknown, string]> = [
  ["negative interval", { monitor: { check_interval_ms: -1 } }, "monitor.check_interval_ms"],
  ["interval below 10", { monitor: { check_interval_ms: 9 } }, "monitor.check_interval_ms"],
  ["fractional interval", { monitor: { check_interval_ms: 10.5 } }, "monitor.check_interval_ms"],
  ["negative rotate wait", { monitor: { rotate_wait_ms: -1 } }, "monitor.rotate_wait_ms"],
  ["tiny max line", { monitor: { max_line_bytes: 1023 } }, "monitor.max_line_bytes"],
  ["no targets", { monitor: { targets: [] } }, "monitor.targets"],
  ["empty target path", { monitor: { targets: [{ path: "" }] } }, "monitor.targets.0.path"],
  [
    "target is_file not bool",
    { monitor: { targets: [{ path: "/x", is_file: "yes" }] } },
    "monitor.targets.0.is_file",
  ],
  [
    "target follow_symlinks not bool",
    { monitor: { targets: [{ path: "/x", follow_symlinks: "yes" }] } },
    "monitor.targets.0.follow_symlinks",
  ],
  ["follow_symlinks not bool", { monitor: { follow_symlinks: 1 } }, "monitor.follow_symlinks"],
  ["format yaml", { monitor: { format: "yaml" } }, "monitor.format"],
  [
    "target format not one of the four",
    { monitor: { targets: [{ path: "/x", format: "nginx" }] } },
    "monitor.targets.0.format",
  ],
  ["port 70000", { httpserver: { port: 70000 } }, "httpserver.port"],
  ["port -1", { tcpserver: { port: -1 } }, "tcpserver.port"],
  ["port as string", { tcpserver: { port: "9090" } }, "tcpserver.port"],
  ["buffer_size 0", { httpserver: { buffer_size: 0 } }, "httpserver.buffer_size"],
  ["empty host", { httpserver: { host: "" } }, "httpserver.host"],
  ["enabled as string", { tcpserver: { enabled: "true" } }, "tcpserver.enabled"],
  ["http format xml", { httpserver: { heartbeat: { format: "xml" } } }, "httpserver.heartbeat.format"],
  ["tcp format comment", { tcpserver: { heartbeat: { format: "comment" } } }, "tcpserver.heartbeat.format"],
  [
    "interval_seconds 0",
    { tcpserver: { heartbeat: { interval_seconds: 0 } } },
    "tcpserver.heartbeat.interval_seconds",
  ],
  ["unknown key", { httpserver: { prot: 1 } }, "httpserver.prot"],
  ["hostname with a space", { monitor: { hostname: "web 1" } }, "monitor.hostname"],
  ["empty hostname", { monitor: { hostname: "" } }, "monitor.hostname"],
  ["nats url of another scheme", { nats: { url: "http://127.0.0.1:4222" } }, "nats.url"],
  ["nats url with a bad port", { nats: { url: "nats://a:1,nats://b:70000" } }, "nats.url"],
  ["nats stream with a dot", { nats: { stream: "LOG.WISP" } }, "nats.stream"],
  ["nats subject prefix with a wildcard", { nats: { subject_prefix: "logs.*" } }, "nats.subject_prefix"],
  ["nats subject prefix with an empty token", { nats: { subject_prefix: "logs..a" } }, "nats.subject_prefix"],
  ["nats duplicate window 0", { nats: { duplicate_window_seconds: 0 } }, "nats.duplicate_window_seconds"],
  ["unknown nats key", { nats: { urls: "nats://a" } }, "nats.urls"],
];

for (const [name, input, path] of rejected) {
  test(`schema rejects ${name}`, () => {
    const result = v.safeParse(ConfigSchema, input);
    assert.equal(result.success, false);
    assert.deepEqual(
      result.issues?.map((issue) => v.getDotPath(issue)),
      result.issues?.map(() => path),
    );
  });
}

const accepted: Array<[string, unknown]> = [
  ["hostname", { monitor: { hostname: "web-1.example" } }],
  [
    "nats with several servers and a dotted prefix",
    { nats: { url: "nats://127.0.0.1:4222, tls://nats.example", subject_prefix: "acme.logs" } },
  ],
  ["port 0 (any free port)", { tcpserver: { port: 0 } }],
  ["port 65535", { httpserver: { port: 65535 } }],
  ["interval 10", { monitor: { check_interval_ms: 10 } }],
  ["http json heartbeat", { httpserver: { heartbeat: { format: "json" } } }],
  ["file target", { monitor: { targets: [{ path: "/a.log", is_file: true }] } }],
  [
    "follow_symlinks per target and in [monitor]",
    { monitor: { follow_symlinks: true, targets: [{ path: "/var/log", follow_symlinks: false }] } },
  ],
  [
    "format per target and in [monitor]",
    {
      monitor: {
        format: "text",
        targets: [
          { path: "/var/log", format: "logfmt" },
          { path: "/a.log", format: "json" },
        ],
      },
    },
  ],
];

for (const [name, input] of accepted) {
  test(`schema accepts ${name}`, () => {
    assert.equal(v.safeParse(ConfigSchema, input).success, true);
  });
}

test("schema error messages say what is expected", () => {
  const result = v.safeParse(ConfigSchema, { httpserver: { port: 70000, heartbeat: { format: "xml" } } });
  assert.deepEqual(
    result.issues?.map((issue) => issue.message),
    ["an integer from 0 to 65535", 'one of "comment", "json"'],
  );
});

test("a bad format, in [monitor] or a target, names the four", () => {
  const result = v.safeParse(ConfigSchema, {
    monitor: { format: "yaml", targets: [{ path: "/x", format: "nginx" }] },
  });
  const expected = 'one of "auto", "json", "logfmt", "text"';
  assert.deepEqual(
    result.issues?.map((issue) => [v.getDotPath(issue), issue.message]),
    [
      ["monitor.format", expected],
      ["monitor.targets.0.format", expected],
    ],
  );
});
