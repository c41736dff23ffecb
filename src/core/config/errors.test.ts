import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, type ConfigIssue, formatIssue } from "./errors.ts";

const cases: Array<[ConfigIssue, string]> = [
  [
    {
      key: "httpserver.port",
      source: "env",
      origin: "LOGWISP_HTTPSERVER_PORT",
      value: "abc",
      expected: "an integer from 0 to 65535",
    },
    'invalid httpserver.port from env LOGWISP_HTTPSERVER_PORT: got "abc", expected an integer from 0 to 65535',
  ],
  [
    {
      key: "tcpserver.port",
      source: "file",
      origin: "/etc/x.toml",
      value: 70000,
      expected: "an integer from 0 to 65535",
    },
    "invalid tcpserver.port from file /etc/x.toml: got 70000, expected an integer from 0 to 65535",
  ],
  [
    {
      key: "tcpserver.port",
      source: "flag",
      origin: "--tcp-port",
      expected: "a value after --tcp-port: an integer",
    },
    "invalid tcpserver.port from flag --tcp-port: expected a value after --tcp-port: an integer",
  ],
  [
    { key: "--tcp-prot", source: "flag", origin: "--tcp-prot", problem: "unknown", expected: "a known flag" },
    "unknown flag --tcp-prot: expected a known flag",
  ],
  [
    {
      key: "httpserver.prot",
      source: "file",
      origin: "/x.toml",
      value: 1,
      problem: "unknown",
      expected: "a known key",
    },
    "unknown httpserver.prot from file /x.toml: got 1, expected a known key",
  ],
  [
    {
      key: "monitor.targets",
      source: "default",
      origin: "default",
      value: [],
      expected: "at least one target",
    },
    "invalid monitor.targets from default: got [], expected at least one target",
  ],
];

for (const [issue, line] of cases) {
  test(`formatIssue: ${line}`, () => {
    assert.equal(formatIssue(issue), line);
  });
}

test("ConfigError keeps every issue and formats one line each", () => {
  const issues = cases.map(([issue]) => issue);
  const error = new ConfigError(issues);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ConfigError");
  assert.deepEqual(error.issues, issues);
  assert.deepEqual(
    error.format().split("\n"),
    cases.map(([, line]) => line),
  );
  assert.equal(error.message, error.format());
});
