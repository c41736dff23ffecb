import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LogEntry } from "./entry.ts";
import { klogEntry, mayBeKlog } from "./klog.ts";

const TIME = "2024-01-01T12:00:00.123456Z";

function entry(line: string): LogEntry | undefined {
  return mayBeKlog(line) ? klogEntry(line, "app.log", TIME) : undefined;
}

describe("klog / glog: lines → entries", () => {
  const cases: [name: string, line: string, expected: Omit<LogEntry, "time" | "source">][] = [
    [
      "error, padded thread id",
      "E1206 17:30:00.000000    1234 file.go:42] connection refused",
      {
        level: "error",
        message: "connection refused",
        fields: { ts: "1206 17:30:00.000000", thread: 1234, caller: "file.go:42" },
      },
    ],
    [
      "info",
      "I0101 00:00:00.123456 7 main.go:1] started",
      {
        level: "info",
        message: "started",
        fields: { ts: "0101 00:00:00.123456", thread: 7, caller: "main.go:1" },
      },
    ],
    [
      "warn",
      "W0101 00:00:00.123456 7 main.go:1] slow",
      {
        level: "warn",
        message: "slow",
        fields: { ts: "0101 00:00:00.123456", thread: 7, caller: "main.go:1" },
      },
    ],
    [
      "fatal",
      "F0101 00:00:00.123456 7 main.go:1] dead",
      {
        level: "fatal",
        message: "dead",
        fields: { ts: "0101 00:00:00.123456", thread: 7, caller: "main.go:1" },
      },
    ],
    [
      "a path in the caller, brackets in the message",
      "I0101 00:00:00.123456 7 pkg/server/http.go:310] [GET /] took 3ms",
      {
        level: "info",
        message: "[GET /] took 3ms",
        fields: { ts: "0101 00:00:00.123456", thread: 7, caller: "pkg/server/http.go:310" },
      },
    ],
    [
      "an empty message",
      "I0101 00:00:00.123456 7 main.go:1]",
      { level: "info", message: "", fields: { ts: "0101 00:00:00.123456", thread: 7, caller: "main.go:1" } },
    ],
    [
      "structured (InfoS): the quoted message unquoted, its pairs as fields",
      'I1025 00:15:15.525108       1 controller.go:116] "Pod status updated" pod="kube-system/kubedns" status="ready" attempt=2',
      {
        level: "info",
        message: "Pod status updated",
        fields: {
          ts: "1025 00:15:15.525108",
          thread: 1,
          caller: "controller.go:116",
          pod: "kube-system/kubedns",
          status: "ready",
          attempt: "2",
        },
      },
    ],
    [
      "structured, message only, escapes undone",
      String.raw`E1025 00:15:15.525108 1 a.go:1] "said \"no\""`,
      {
        level: "error",
        message: 'said "no"',
        fields: { ts: "1025 00:15:15.525108", thread: 1, caller: "a.go:1" },
      },
    ],
    [
      "a quoted start that is not structured stays as written",
      'I1025 00:15:15.525108 1 a.go:1] "quoted" then words',
      {
        level: "info",
        message: '"quoted" then words',
        fields: { ts: "1025 00:15:15.525108", thread: 1, caller: "a.go:1" },
      },
    ],
    [
      "a structured key named like a header field joins it",
      'I1025 00:15:15.525108 1 a.go:1] "m" caller=x',
      {
        level: "info",
        message: "m",
        fields: { ts: "1025 00:15:15.525108", thread: 1, caller: ["a.go:1", "x"] },
      },
    ],
  ];
  for (const [name, line, expected] of cases) {
    test(name, () => assert.deepEqual(entry(line), { time: TIME, source: "app.log", ...expected }));
  }
});

describe("klog: not a whole header, not klog", () => {
  for (const line of [
    "E0101 12:00:00.123456 1234 main.go:12 no bracket",
    "E0101 12:00:00 1234 main.go:12] no micros",
    "E0101 12:00:00.123456 main.go:12] no thread",
    "E0101 12:00:00.123456 1234 main.go] no line number",
    "D0101 12:00:00.123456 1234 main.go:12] no such letter",
    "e0101 12:00:00.123456 1234 main.go:12] lower case",
    "E101 12:00:00.123456 1234 main.go:12] three digits",
    "E0101 12:00:00.123456 1234 main.go:12]glued",
    "Error 12:00 x",
    "E",
    "",
  ]) {
    test(JSON.stringify(line), () => assert.equal(entry(line), undefined));
  }
});
