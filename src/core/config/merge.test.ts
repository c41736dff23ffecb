import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigIssue } from "./errors.ts";
import { displayKey, mergeSettings, type Setting } from "./merge.ts";
import { defaultConfig } from "./schema.ts";

function issuesOf(settings: Setting[]): ConfigIssue[] {
  const result = mergeSettings(settings);
  assert.equal(result.ok, false);
  return result.ok ? [] : result.issues;
}

test("no settings gives the defaults, every key from default", () => {
  const result = mergeSettings([]);
  assert.ok(result.ok);
  assert.deepEqual(result.config, defaultConfig());
  assert.equal(Object.keys(result.sources).length, 64);
  assert.ok(Object.values(result.sources).every((source) => source === "default"));
});

test("later settings win key by key and sources say who set each", () => {
  const result = mergeSettings([
    { key: "httpserver.port", value: 1, source: "file", origin: "/a.toml" },
    { key: "tcpserver.port", value: 2, source: "file", origin: "/a.toml" },
    { key: "httpserver.port", value: 3, source: "env", origin: "LOGWISP_HTTPSERVER_PORT" },
  ]);
  assert.ok(result.ok);
  assert.equal(result.config.httpserver.port, 3);
  assert.equal(result.config.tcpserver.port, 2);
  assert.equal(result.sources["httpserver.port"], "env");
  assert.equal(result.sources["tcpserver.port"], "file");
  assert.equal(result.sources["monitor.targets"], "default");
});

test("lists are replaced whole", () => {
  const result = mergeSettings([
    { key: "monitor.targets", value: [{ path: "/a" }, { path: "/b" }], source: "file", origin: "/a.toml" },
    { key: "monitor.targets", value: [{ path: "/c" }], source: "flag", origin: "TARGET arguments" },
  ]);
  assert.ok(result.ok);
  assert.deepEqual(result.config.monitor.targets, [{ path: "/c", pattern: "*.log" }]);
});

test("schema issues are traced to the source of the winning value", () => {
  assert.deepEqual(
    issuesOf([
      { key: "httpserver.port", value: 70000, source: "file", origin: "/a.toml" },
      { key: "tcpserver.buffer_size", value: 0, source: "env", origin: "LOGWISP_TCPSERVER_BUFFER_SIZE" },
      { key: "monitor.check_interval_ms", value: -5, source: "flag", origin: "--check-interval" },
      { key: "httpserver.heartbeat.format", value: "xml", source: "file", origin: "/a.toml" },
    ]),
    [
      {
        key: "monitor.check_interval_ms",
        source: "flag",
        origin: "--check-interval",
        value: -5,
        expected: "an integer >= 10",
      },
      {
        key: "tcpserver.buffer_size",
        source: "env",
        origin: "LOGWISP_TCPSERVER_BUFFER_SIZE",
        value: 0,
        expected: "an integer >= 1",
      },
      {
        key: "httpserver.port",
        source: "file",
        origin: "/a.toml",
        value: 70000,
        expected: "an integer from 0 to 65535",
      },
      {
        key: "httpserver.heartbeat.format",
        source: "file",
        origin: "/a.toml",
        value: "xml",
        expected: 'one of "comment", "json"',
      },
    ],
  );
});

test("target issues name the item and, for arguments, the argument", () => {
  assert.deepEqual(
    issuesOf([
      {
        key: "monitor.targets",
        value: [{ path: "/a" }, { path: "" }],
        source: "flag",
        origin: "TARGET arguments",
        itemOrigins: ['argument "/a"', 'argument ""'],
      },
    ]),
    [
      {
        key: "monitor.targets[1].path",
        source: "flag",
        origin: 'argument ""',
        value: "",
        expected: "a non-empty path",
      },
    ],
  );
});

test("an unknown key in a target table is named with a hint", () => {
  assert.deepEqual(
    issuesOf([
      { key: "monitor.targets", value: [{ path: "/a", patern: "*.txt" }], source: "file", origin: "/a.toml" },
    ]),
    [
      {
        key: "monitor.targets[0].patern",
        source: "file",
        origin: "/a.toml",
        problem: "unknown",
        value: "*.txt",
        expected: "a known key; did you mean pattern?",
      },
    ],
  );
});

test("a value that fails several checks is reported once", () => {
  const issues = issuesOf([{ key: "httpserver.port", value: 70000.5, source: "file", origin: "/a.toml" }]);
  assert.equal(issues.length, 1);
});

test("an empty target list is an error traced to its source", () => {
  assert.deepEqual(
    issuesOf([{ key: "monitor.targets", value: [], source: "env", origin: "LOGWISP_MONITOR_TARGETS" }]),
    [
      {
        key: "monitor.targets",
        source: "env",
        origin: "LOGWISP_MONITOR_TARGETS",
        value: [],
        expected: "at least one target",
      },
    ],
  );
});

test("displayKey writes list indexes in brackets", () => {
  assert.equal(displayKey(["monitor", "targets", 0, "path"]), "monitor.targets[0].path");
  assert.equal(displayKey(["httpserver", "port"]), "httpserver.port");
});
