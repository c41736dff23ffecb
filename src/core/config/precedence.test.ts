// defaults < config file < env < flags and TARGET arguments, checked key by key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "../../_testing/fake-runtime.ts";

// Precedence key by key: each row sets a key in some of the layers; the highest layer present must win.
const FILE = ["[monitor]", "check_interval_ms = 200", "rotate_wait_ms = 201", "max_line_bytes = 2020"];
const precedence: Array<{
  key: string;
  file?: string[];
  env?: [string, string];
  flag?: string[];
  want: [unknown, string];
}> = [
  { key: "monitor.check_interval_ms", want: [100, "default"] },
  { key: "monitor.check_interval_ms", file: FILE, want: [200, "file"] },
  {
    key: "monitor.check_interval_ms",
    file: FILE,
    env: ["LOGWISP_MONITOR_CHECK_INTERVAL_MS", "300"],
    want: [300, "env"],
  },
  {
    key: "monitor.check_interval_ms",
    file: FILE,
    env: ["LOGWISP_MONITOR_CHECK_INTERVAL_MS", "300"],
    flag: ["--check-interval", "400"],
    want: [400, "flag"],
  },
  { key: "monitor.check_interval_ms", file: FILE, flag: ["--check-interval=400"], want: [400, "flag"] },
  {
    key: "monitor.rotate_wait_ms",
    file: FILE,
    env: ["LOGWISP_MONITOR_ROTATE_WAIT_MS", "301"],
    want: [301, "env"],
  },
  {
    key: "monitor.rotate_wait_ms",
    env: ["LOGWISP_MONITOR_ROTATE_WAIT_MS", "301"],
    flag: ["-rotate-wait", "401"],
    want: [401, "flag"],
  },
  { key: "monitor.max_line_bytes", file: FILE, want: [2020, "file"] },
  { key: "monitor.max_line_bytes", file: FILE, flag: ["--max-line-bytes", "4040"], want: [4040, "flag"] },
  {
    key: "monitor.follow_symlinks",
    file: ["[monitor]", "follow_symlinks = true"],
    env: ["LOGWISP_MONITOR_FOLLOW_SYMLINKS", "false"],
    want: [false, "env"],
  },
  {
    key: "monitor.follow_symlinks",
    env: ["LOGWISP_MONITOR_FOLLOW_SYMLINKS", "false"],
    flag: ["--follow-symlinks"],
    want: [true, "flag"],
  },
  {
    key: "monitor.format",
    file: ["[monitor]", 'format = "text"'],
    env: ["LOGWISP_MONITOR_FORMAT", "json"],
    flag: ["--format", "logfmt"],
    want: ["logfmt", "flag"],
  },
  {
    key: "monitor.format",
    file: ["[monitor]", 'format = "text"'],
    env: ["LOGWISP_MONITOR_FORMAT", "json"],
    want: ["json", "env"],
  },
  {
    key: "tcpserver.enabled",
    file: ["[tcpserver]", "enabled = true"],
    env: ["LOGWISP_TCPSERVER_ENABLED", "false"],
    want: [false, "env"],
  },
  {
    key: "tcpserver.enabled",
    env: ["LOGWISP_TCPSERVER_ENABLED", "false"],
    flag: ["--enable-tcp"],
    want: [true, "flag"],
  },
  {
    key: "tcpserver.port",
    file: ["[tcpserver]", "port = 1"],
    env: ["LOGWISP_TCPSERVER_PORT", "2"],
    flag: ["--tcp-port", "3"],
    want: [3, "flag"],
  },
  { key: "tcpserver.buffer_size", file: ["[tcpserver]", "buffer_size = 5"], want: [5, "file"] },
  {
    key: "tcpserver.host",
    env: ["LOGWISP_TCPSERVER_HOST", "10.0.0.1"],
    flag: ["--host", "::1"],
    want: ["::1", "flag"],
  },
  { key: "httpserver.host", file: ["[httpserver]", 'host = "127.0.0.1"'], want: ["127.0.0.1", "file"] },
  {
    key: "httpserver.enabled",
    file: ["[httpserver]", "enabled = true"],
    flag: ["--disable-http"],
    want: [false, "flag"],
  },
  { key: "httpserver.enabled", env: ["LOGWISP_HTTPSERVER_ENABLED", "no"], want: [false, "env"] },
  {
    key: "httpserver.port",
    file: ["[httpserver]", "port = 1"],
    env: ["LOGWISP_HTTPSERVER_PORT", "2"],
    want: [2, "env"],
  },
  {
    key: "httpserver.buffer_size",
    env: ["LOGWISP_HTTPSERVER_BUFFER_SIZE", "9"],
    flag: ["--http-buffer-size=10"],
    want: [10, "flag"],
  },
  {
    key: "httpserver.heartbeat.format",
    file: ["[httpserver.heartbeat]", 'format = "json"'],
    env: ["LOGWISP_HTTPSERVER_HEARTBEAT_FORMAT", "comment"],
    want: ["comment", "env"],
  },
  {
    key: "tcpserver.heartbeat.interval_seconds",
    file: ["[tcpserver.heartbeat]", "interval_seconds = 7"],
    want: [7, "file"],
  },
  {
    key: "monitor.targets",
    file: ["[[monitor.targets]]", 'path = "/from-file"'],
    env: ["LOGWISP_MONITOR_TARGETS", "/from-env"],
    want: [[{ path: "/from-env", pattern: "*.log" }], "env"],
  },
  {
    key: "monitor.targets",
    env: ["LOGWISP_MONITOR_TARGETS", "/from-env"],
    flag: ["/from-arg:*.txt", "./one.log::true"],
    want: [
      [
        { path: "/from-arg", pattern: "*.txt" },
        { path: "./one.log", pattern: "*.log", is_file: true },
      ],
      "flag",
    ],
  },
];

function valueAt(config: unknown, key: string): unknown {
  return key
    .split(".")
    .reduce<unknown>((value, segment) => (value as Record<string, unknown>)[segment], config);
}

for (const row of precedence) {
  const layers =
    [row.file && "file", row.env && "env", row.flag && "flag"].filter(Boolean).join(" < ") || "none";
  test(`precedence for ${row.key} (${layers}): ${row.want[1]} wins`, async () => {
    const result = await run({
      files: row.file ? { "c.toml": row.file.join("\n") } : {},
      env: row.env ? { [row.env[0]]: row.env[1] } : {},
      argv: [...(row.file ? ["--config", "c.toml"] : []), ...(row.flag ?? [])],
    });
    assert.deepEqual(valueAt(result.config, row.key), row.want[0]);
    assert.equal(result.sources[row.key], row.want[1]);
  });
}
