import assert from "node:assert/strict";
import { test } from "node:test";
import { readEnv } from "./env.ts";

function settingsOf(env: Record<string, string>): Array<[string, unknown, string]> {
  const reading = readEnv(env);
  assert.deepEqual(reading.issues, []);
  return reading.settings.map((setting) => [setting.key, setting.value, setting.origin]);
}

// Every key, with a value that differs from its default.
const everyKey: Array<[string, string, string, unknown]> = [
  ["LOGWISP_MONITOR_CHECK_INTERVAL_MS", "50", "monitor.check_interval_ms", 50],
  ["LOGWISP_MONITOR_ROTATE_WAIT_MS", "0", "monitor.rotate_wait_ms", 0],
  ["LOGWISP_MONITOR_MAX_LINE_BYTES", "4096", "monitor.max_line_bytes", 4096],
  ["LOGWISP_MONITOR_FOLLOW_SYMLINKS", "true", "monitor.follow_symlinks", true],
  ["LOGWISP_MONITOR_FORMAT", "logfmt", "monitor.format", "logfmt"],
  [
    "LOGWISP_MONITOR_TARGETS",
    "/var/log:*.log,./app.log::true",
    "monitor.targets",
    [
      { path: "/var/log", pattern: "*.log" },
      { path: "./app.log", is_file: true },
    ],
  ],
  ["LOGWISP_TCPSERVER_ENABLED", "yes", "tcpserver.enabled", true],
  ["LOGWISP_TCPSERVER_HOST", "127.0.0.1", "tcpserver.host", "127.0.0.1"],
  ["LOGWISP_TCPSERVER_PORT", "9999", "tcpserver.port", 9999],
  ["LOGWISP_TCPSERVER_BUFFER_SIZE", "5000", "tcpserver.buffer_size", 5000],
  ["LOGWISP_TCPSERVER_HEARTBEAT_ENABLED", "on", "tcpserver.heartbeat.enabled", true],
  ["LOGWISP_TCPSERVER_HEARTBEAT_INTERVAL_SECONDS", "5", "tcpserver.heartbeat.interval_seconds", 5],
  ["LOGWISP_TCPSERVER_HEARTBEAT_INCLUDE_TIMESTAMP", "0", "tcpserver.heartbeat.include_timestamp", false],
  ["LOGWISP_TCPSERVER_HEARTBEAT_INCLUDE_STATS", "TRUE", "tcpserver.heartbeat.include_stats", true],
  ["LOGWISP_TCPSERVER_HEARTBEAT_FORMAT", "json", "tcpserver.heartbeat.format", "json"],
  ["LOGWISP_HTTPSERVER_ENABLED", "off", "httpserver.enabled", false],
  ["LOGWISP_HTTPSERVER_HOST", "::1", "httpserver.host", "::1"],
  ["LOGWISP_HTTPSERVER_PORT", "8081", "httpserver.port", 8081],
  ["LOGWISP_HTTPSERVER_BUFFER_SIZE", "1", "httpserver.buffer_size", 1],
  ["LOGWISP_HTTPSERVER_HEARTBEAT_ENABLED", "no", "httpserver.heartbeat.enabled", false],
  ["LOGWISP_HTTPSERVER_HEARTBEAT_INTERVAL_SECONDS", "60", "httpserver.heartbeat.interval_seconds", 60],
  [
    "LOGWISP_HTTPSERVER_HEARTBEAT_INCLUDE_TIMESTAMP",
    "false",
    "httpserver.heartbeat.include_timestamp",
    false,
  ],
  ["LOGWISP_HTTPSERVER_HEARTBEAT_INCLUDE_STATS", "1", "httpserver.heartbeat.include_stats", true],
  ["LOGWISP_HTTPSERVER_HEARTBEAT_FORMAT", "json", "httpserver.heartbeat.format", "json"],
  [
    "LOGWISP_HTTPSERVER_CORS_ORIGINS",
    "https://a.example, http://127.0.0.2:8000",
    "httpserver.cors_origins",
    ["https://a.example", "http://127.0.0.2:8000"],
  ],
  ["LOGWISP_HTTPSERVER_ALLOWED_HOSTS", "logs.lan,myhost", "httpserver.allowed_hosts", ["logs.lan", "myhost"]],
];

for (const [name, text, key, value] of everyKey) {
  test(`env ${name}=${text}`, () => {
    assert.deepEqual(settingsOf({ [name]: text }), [[key, value, name]]);
  });
}

test("variables without the LOGWISP_ prefix are ignored, as are unset ones", () => {
  assert.deepEqual(settingsOf({ HOME: "/root", logwisp_httpserver_port: "x", PATH: "/bin" }), []);
  const env: Record<string, string | undefined> = { LOGWISP_HTTPSERVER_PORT: undefined };
  assert.deepEqual(readEnv(env), { settings: [], issues: [], configFile: undefined, configDir: undefined });
});

const badValues: Array<[string, string, string, string]> = [
  ["LOGWISP_HTTPSERVER_PORT", "abc", "httpserver.port", "an integer from 0 to 65535"],
  ["LOGWISP_HTTPSERVER_PORT", "", "httpserver.port", "an integer from 0 to 65535"],
  ["LOGWISP_MONITOR_CHECK_INTERVAL_MS", "1.5", "monitor.check_interval_ms", "an integer >= 10"],
  ["LOGWISP_TCPSERVER_ENABLED", "maybe", "tcpserver.enabled", "true or false (also 1/0, yes/no, on/off)"],
  ["LOGWISP_TCPSERVER_ENABLED", "", "tcpserver.enabled", "true or false (also 1/0, yes/no, on/off)"],
  [
    "LOGWISP_MONITOR_TARGETS",
    "/a,/b::x",
    "monitor.targets[1].is_file",
    "true or false (also 1/0, yes/no, on/off)",
  ],
];

for (const [name, text, key, expected] of badValues) {
  test(`env ${name}=${JSON.stringify(text)} is an error`, () => {
    const reading = readEnv({ [name]: text });
    assert.deepEqual(reading.settings, []);
    assert.equal(reading.issues.length, 1);
    assert.equal(reading.issues[0]?.key, key);
    assert.equal(reading.issues[0]?.source, "env");
    assert.equal(reading.issues[0]?.origin, name);
    assert.equal(reading.issues[0]?.expected, expected);
  });
}

test("an unknown LOGWISP_ variable is an error with a hint", () => {
  const reading = readEnv({ LOGWISP_HTTPSERVER_PROT: "8080", LOGWISP_NOPE: "1", LOGWISP_HTTP_PORT: "1" });
  assert.deepEqual(reading.issues, [
    {
      key: "LOGWISP_HTTPSERVER_PROT",
      source: "env",
      origin: "LOGWISP_HTTPSERVER_PROT",
      problem: "unknown",
      expected: "a known LOGWISP_ variable; did you mean LOGWISP_HTTPSERVER_PORT? (see --help)",
    },
    {
      key: "LOGWISP_HTTP_PORT",
      source: "env",
      origin: "LOGWISP_HTTP_PORT",
      problem: "unknown",
      // too far from LOGWISP_HTTPSERVER_PORT for a confident guess
      expected: "a known LOGWISP_ variable (see --help)",
    },
    {
      key: "LOGWISP_NOPE",
      source: "env",
      origin: "LOGWISP_NOPE",
      problem: "unknown",
      expected: "a known LOGWISP_ variable (see --help)",
    },
  ]);
});

test("LOGWISP_CONFIG_FILE and LOGWISP_CONFIG_DIR are known and read", () => {
  const reading = readEnv({ LOGWISP_CONFIG_FILE: "x.toml", LOGWISP_CONFIG_DIR: "/etc/logwisp" });
  assert.deepEqual(reading, { settings: [], issues: [], configFile: "x.toml", configDir: "/etc/logwisp" });
  const empty = readEnv({ LOGWISP_CONFIG_FILE: "" });
  assert.equal(empty.configFile, undefined);
  assert.equal(empty.issues[0]?.expected, "a non-empty path");
});

test("all problems are reported together", () => {
  const reading = readEnv({
    LOGWISP_HTTPSERVER_PORT: "abc",
    LOGWISP_TCPSERVER_PORT: "1",
    LOGWISP_TCPSERVER_ENABLED: "perhaps",
    LOGWISP_TYPO: "1",
  });
  assert.deepEqual(
    reading.issues.map((issue) => issue.origin),
    ["LOGWISP_HTTPSERVER_PORT", "LOGWISP_TCPSERVER_ENABLED", "LOGWISP_TYPO"],
  );
  assert.deepEqual(settingsOf({ LOGWISP_TCPSERVER_PORT: "1" }), [
    ["tcpserver.port", 1, "LOGWISP_TCPSERVER_PORT"],
  ]);
});
