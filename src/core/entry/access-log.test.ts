import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessLogEntry, mayBeAccessLog } from "./access-log.ts";
import type { LogEntry } from "./entry.ts";

const TIME = "2024-01-01T12:00:00.123456Z";

function entry(line: string): LogEntry | undefined {
  return mayBeAccessLog(line) ? accessLogEntry(line, "access.log", TIME) : undefined;
}

describe("access logs: lines → entries (the message is always the whole line)", () => {
  const cases: [name: string, line: string, level: LogEntry["level"], fields: Record<string, unknown>][] = [
    [
      "Apache combined",
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
      "info",
      {
        remote_addr: "127.0.0.1",
        user: "frank",
        ts: "10/Oct/2000:13:55:36 -0700",
        method: "GET",
        path: "/apache_pb.gif",
        protocol: "HTTP/1.0",
        status: 200,
        bytes: 2326,
        referrer: "http://www.example.com/start.html",
        user_agent: "Mozilla/4.08 [en] (Win98; I ;Nav)",
      },
    ],
    [
      "common (no referrer, no agent), no user",
      '10.0.0.2 - - [06/Dec/2025:17:30:00 +0000] "POST /api/orders HTTP/1.1" 201 17',
      "info",
      {
        remote_addr: "10.0.0.2",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "POST",
        path: "/api/orders",
        protocol: "HTTP/1.1",
        status: 201,
        bytes: 17,
      },
    ],
    [
      "nginx combined, a 404 is warn, `-` referrer absent, `-` bytes is 0",
      '::1 - - [06/Dec/2025:17:30:00 +0000] "GET /favicon.ico HTTP/2.0" 404 - "-" "curl/8.5.0"',
      "warn",
      {
        remote_addr: "::1",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/favicon.ico",
        protocol: "HTTP/2.0",
        status: 404,
        bytes: 0,
        user_agent: "curl/8.5.0",
      },
    ],
    [
      "IPv6 client, a 503 is error, nginx's extra fields after the agent",
      '2001:db8::1 - - [06/Dec/2025:17:30:00 +0000] "GET /api HTTP/1.1" 503 190 "-" "Go-http-client/1.1" "203.0.113.7" rt=0.003',
      "error",
      {
        remote_addr: "2001:db8::1",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/api",
        protocol: "HTTP/1.1",
        status: 503,
        bytes: 190,
        user_agent: "Go-http-client/1.1",
      },
    ],
    [
      "a request line that is not one (a TLS hello on a plain port) is kept as request",
      String.raw`192.0.2.9 - - [06/Dec/2025:17:30:00 +0000] "\x16\x03\x01\x02\x00\x01" 400 157 "-" "-"`,
      "warn",
      {
        remote_addr: "192.0.2.9",
        ts: "06/Dec/2025:17:30:00 +0000",
        request: String.raw`\x16\x03\x01\x02\x00\x01`,
        status: 400,
        bytes: 157,
      },
    ],
    [
      "an empty request line, status 444",
      '192.0.2.9 - - [06/Dec/2025:17:30:00 +0000] "" 444 0 "-" "-"',
      "warn",
      { remote_addr: "192.0.2.9", ts: "06/Dec/2025:17:30:00 +0000", request: "", status: 444, bytes: 0 },
    ],
    [
      "HTTP/0.9: no protocol; a 304 is info",
      '192.0.2.9 - - [06/Dec/2025:17:30:00 +0000] "GET /" 304 0',
      "info",
      {
        remote_addr: "192.0.2.9",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/",
        status: 304,
        bytes: 0,
      },
    ],
    [
      "Apache's escaped quote inside the agent is kept as written",
      String.raw`host.example - - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1" 200 5 "-" "say \"hi\""`,
      "info",
      {
        remote_addr: "host.example",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/",
        protocol: "HTTP/1.1",
        status: 200,
        bytes: 5,
        user_agent: String.raw`say \"hi\"`,
      },
    ],
    [
      "status 600 and up is info (not an HTTP class)",
      '192.0.2.9 - - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1" 999 0',
      "info",
      {
        remote_addr: "192.0.2.9",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/",
        protocol: "HTTP/1.1",
        status: 999,
        bytes: 0,
      },
    ],
  ];
  for (const [name, line, level, fields] of cases) {
    test(name, () => {
      const got = entry(line);
      assert.deepEqual(got, { time: TIME, source: "access.log", level, message: line, fields });
      // the fields come in the line's order
      assert.deepEqual(Object.keys(got?.fields ?? {}), Object.keys(fields));
    });
  }

  test("a very long path", () => {
    const path = `/${"a".repeat(1 << 20)}`;
    const got = entry(`127.0.0.1 - - [06/Dec/2025:17:30:00 +0000] "GET ${path} HTTP/1.1" 200 1`);
    assert.equal(got?.fields?.path, path);
  });
});

describe("access logs: not one", () => {
  for (const line of [
    "127.0.0.1 - - [06/Dec/2025:17:30:00 +0000] GET / 200 5", // unquoted request
    '127.0.0.1 - - [06/Dec/2025 17:30:00] "GET / HTTP/1.1" 200 5', // another time format
    '127.0.0.1 - - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1" 20 5', // two-digit status
    '127.0.0.1 - - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1" 200 5x',
    '127.0.0.1 - - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1 200 5', // unterminated quote
    '127.0.0.1 - [06/Dec/2025:17:30:00 +0000] "GET / HTTP/1.1" 200 5', // a part missing
    "2024-01-01 12:00:00 [info] something",
    "a b c [d",
    "",
  ]) {
    test(JSON.stringify(line), () => assert.equal(entry(line), undefined));
  }
});
