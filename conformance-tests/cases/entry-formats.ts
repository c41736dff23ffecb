// Issue 16: the lines people write, parsed per target — logfmt, access logs, klog, a leading timestamp —
// and `format` choosing how (a target's own in the config file, else [monitor]'s, here from --format).
import assert from "node:assert/strict";
import type { Entry } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { connectedSse, serve } from "../_harness/serve.ts";

const RFC3339_MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const LOGFMT = 'time=2025-12-06T17:30:00Z level=warn msg="disk \\"data\\" full" dev=sda1';
const ACCESS =
  '::1 - - [06/Dec/2025:17:30:00 +0000] "GET /favicon.ico HTTP/1.1" 404 - "-" "curl/8.5.0" "203.0.113.7"';
const KLOG = "E1206 17:30:00.000000    1234 file.go:42] connection refused";
const STAMPED = "Dec  6 17:30:00 web1 sshd[812]: Accepted publickey for ada";

/** Each line appended, with the file it goes to and what it becomes (time aside). */
const CASES: ReadonlyArray<readonly [file: string, line: string, expected: Omit<Entry, "time">]> = [
  [
    "app.log",
    LOGFMT,
    {
      source: "app.log",
      level: "warn",
      message: 'disk "data" full',
      fields: { time: "2025-12-06T17:30:00Z", dev: "sda1" },
    },
  ],
  [
    "access.log",
    ACCESS,
    {
      source: "access.log",
      level: "warn",
      message: ACCESS,
      fields: {
        remote_addr: "::1",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/favicon.ico",
        protocol: "HTTP/1.1",
        status: 404,
        bytes: 0,
        user_agent: "curl/8.5.0",
      },
    },
  ],
  [
    "kubelet.log",
    KLOG,
    {
      source: "kubelet.log",
      level: "error",
      message: "connection refused",
      fields: { ts: "1206 17:30:00.000000", thread: 1234, caller: "file.go:42" },
    },
  ],
  // a plain line: whole, its leading timestamp in the message only
  ["syslog.log", STAMPED, { source: "syslog.log", message: STAMPED }],
  // format "text" (the target's own in the file): the line whole, its level guessed as before, no ts
  ["kept.log", LOGFMT, { source: "kept.log", level: "warn", message: LOGFMT }],
  ["kept.log", STAMPED, { source: "kept.log", message: STAMPED }],
  // no format of its own: [monitor]'s, from --format text
  ["raw.log", LOGFMT, { source: "raw.log", level: "warn", message: LOGFMT }],
];

export const entryFormatCases = [
  defineCase(
    "entry formats: logfmt, access log and klog parsed, a plain line kept whole; format = text (a target's, or [monitor]'s from --format) keeps a line whole, no ts",
    async (rt) => {
      const served = await serve(rt, {
        config: [
          "[[monitor.targets]]",
          'path = "."',
          'pattern = "raw.log"',
          "",
          "[[monitor.targets]]",
          'path = "."',
          'pattern = "kept.log"',
          'format = "text"',
          "",
          "[[monitor.targets]]",
          'path = "."',
          'pattern = "*.log"',
          'format = "auto"',
          "",
        ].join("\n"),
        args: ["--format", "text"],
      });
      const client = await connectedSse(served);
      for (const [file, line] of CASES) await served.logs.appendLines(file, [line]);
      for (const [file, , expected] of CASES) {
        const entry = await client.waitForEntry(
          (each) => each.source === file && each.message === expected.message,
          15_000,
        );
        const { time, ...rest } = entry;
        assert.match(time, RFC3339_MICROS_UTC);
        // the line's own time is a field, never the entry's: this one was read just now
        assert.ok(Math.abs(Date.now() - Date.parse(time)) < 60_000, `${file}: read time ${time}`);
        assert.equal(JSON.stringify(rest), JSON.stringify(expected), file);
      }
      // each line once, nothing else (a file two targets name is followed once)
      assert.equal(client.entries().length, CASES.length, JSON.stringify(client.entries()));
    },
  ),
];
