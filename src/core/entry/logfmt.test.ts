import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { LogEntry } from "./entry.ts";
import { logfmtEntry, logfmtPairs, unquote } from "./logfmt.ts";

const TIME = "2024-01-01T12:00:00.123456Z";

/** The entry logfmtEntry makes of a whole line (no leading timestamp), source "app.log". */
function entry(line: string): LogEntry | undefined {
  return logfmtEntry(line, "app.log", TIME);
}

describe("logfmt: lines → entries", () => {
  const cases: [name: string, line: string, expected: Omit<LogEntry, "time" | "source">][] = [
    [
      "msg, level and a field",
      'level=warn msg="disk full" dev=sda1',
      { level: "warn", message: "disk full", fields: { dev: "sda1" } },
    ],
    [
      "slog's text handler: time stays a field, never the entry's time",
      'time=2024-01-01T12:00:00.000Z level=INFO msg="request done" method=GET status=200 user.id=7',
      {
        level: "info",
        message: "request done",
        fields: { time: "2024-01-01T12:00:00.000Z", method: "GET", status: "200", "user.id": "7" },
      },
    ],
    [
      "logrus: quoted time, lvl and message keys",
      'time="2024-01-01T12:00:00Z" lvl=error message="db down" err="dial tcp: refused"',
      {
        level: "error",
        message: "db down",
        fields: { time: "2024-01-01T12:00:00Z", err: "dial tcp: refused" },
      },
    ],
    [
      "severity, and msg wins over message (which stays a field)",
      "severity=critical msg=a message=b",
      { level: "fatal", message: "a", fields: { message: "b" } },
    ],
    [
      "level wins over lvl, which stays a field",
      "level=debug lvl=warn x=1",
      {
        level: "debug",
        message: "level=debug lvl=warn x=1",
        fields: { lvl: "warn", x: "1" },
      },
    ],
    [
      "an unknown level stays a field, and the next key is tried",
      "level=verbose lvl=info msg=x",
      { level: "info", message: "x", fields: { level: "verbose" } },
    ],
    [
      "no msg: the whole line is the message",
      "at=info method=GET path=/ status=200",
      {
        message: "at=info method=GET path=/ status=200",
        fields: { at: "info", method: "GET", path: "/", status: "200" },
      },
    ],
    [
      "escaped quotes, backslashes, \\n, \\t and \\u inside a quoted value",
      String.raw`msg="he said \"hi\" \\ bye\nnext\ttab \u00e9" k="\x"`,
      { message: 'he said "hi" \\ bye\nnext\ttab é', fields: { k: "\\x" } },
    ],
    ["empty values", 'a= b="" msg=', { message: "", fields: { a: "", b: "" } }],
    [
      "keys with dots, dashes, slashes, @ and digits",
      "http.status=503 user-agent=curl k8s/pod=web-1 @timestamp=1 a1_b2=z",
      {
        message: "http.status=503 user-agent=curl k8s/pod=web-1 @timestamp=1 a1_b2=z",
        fields: {
          "http.status": "503",
          "user-agent": "curl",
          "k8s/pod": "web-1",
          "@timestamp": "1",
          a1_b2: "z",
        },
      },
    ],
    [
      "a key met twice keeps both values, in order",
      'tag=a msg=x tag=b tag="c d"',
      { message: "x", fields: { tag: ["a", "b", "c d"] } },
    ],
    [
      "msg twice: neither is the message, both stay a field",
      "msg=a msg=b",
      { message: "msg=a msg=b", fields: { msg: ["a", "b"] } },
    ],
    [
      "an `=` inside a bare value (a URL's query) belongs to the value",
      "msg=get url=/a?b=c&d=e",
      { message: "get", fields: { url: "/a?b=c&d=e" } },
    ],
    [
      "tabs and runs of blanks separate pairs",
      " a=1\t\tb=2   msg=m ",
      { message: "m", fields: { a: "1", b: "2" } },
    ],
    [
      "__proto__ and constructor are data",
      "__proto__=x constructor=y msg=m",
      { message: "m", fields: { ["__proto__"]: "x", constructor: "y" } },
    ],
    ["one pair alone", "PATH=/usr/bin", { message: "PATH=/usr/bin", fields: { PATH: "/usr/bin" } }],
    ["only msg", "msg=hello", { message: "hello" }],
  ];
  for (const [name, line, expected] of cases) {
    test(name, () => {
      const got = entry(line);
      assert.ok(got, `${line} should be logfmt`);
      assert.deepEqual(got, { time: TIME, source: "app.log", ...expected });
      if (expected.fields && Object.hasOwn(expected.fields, "__proto__")) {
        assert.equal(Object.getPrototypeOf(got.fields), Object.prototype);
        assert.deepEqual(Object.keys(got.fields ?? {}), ["__proto__", "constructor"]);
      }
    });
  }
});

describe("logfmt: a line only partly key=value is not logfmt", () => {
  const lines = [
    "",
    "   ",
    "hello world",
    "level=info started worker", // a bare word after the pair
    "started worker level=info", // a bare word before it
    "Result: a=1 b=2",
    "Result:a=1",
    "=1",
    "a =1",
    "a= =1",
    "1a=2", // a key starts with a letter, _ or @
    ".a=2",
    "ké=1", // ASCII keys only
    'msg=he said "hi there"', // a quote inside a bare value
    'msg="unterminated',
    'msg="glued"x=1',
    String.raw`msg="ends in an escaped quote\"`,
    '"quoted"=1',
    "http://example.com/?a=1",
    "2024-01-01T12:00:00Z level=info msg=x", // the timestamp is not a pair (parseLine handles it)
    "a=1 , b=2",
    "key",
  ];
  for (const line of lines) {
    test(JSON.stringify(line), () => assert.equal(entry(line), undefined));
  }
});

test("logfmt after a leading timestamp: it becomes ts, first, beside a ts key of the line", () => {
  const line = "2024-01-01 12:00:00,123 ts=1 level=warn msg=x";
  const start = "2024-01-01 12:00:00,123 ".length;
  assert.deepEqual(logfmtEntry(line, "app.log", TIME, start, "2024-01-01 12:00:00,123"), {
    time: TIME,
    source: "app.log",
    level: "warn",
    message: "x",
    fields: { ts: ["2024-01-01 12:00:00,123", "1"] },
  });
});

test("a very long line: 100,000 pairs and a 1 MiB quoted value", () => {
  const pairs = Array.from({ length: 100_000 }, (_, i) => `k${i}=v${i}`).join(" ");
  const parsed = logfmtPairs(pairs, 0);
  assert.equal(parsed?.keys.length, 100_000);
  assert.equal(parsed?.keys[99_999], "k99999");
  assert.equal(parsed?.values[99_999], "v99999");
  const big = "x".repeat(1 << 20);
  assert.equal(entry(`msg="${big}" level=info`)?.message, big);
  // and one that fails only at its very end stays text
  assert.equal(entry(`${pairs} tail`), undefined);
});

test("unquote: escapes undone, unknown ones kept, a lone \\u kept", () => {
  const quoted = String.raw`"a\"b\\c\/d\n\r\t\b\f \u0041\u00e9 \u12 \q end"`;
  assert.equal(unquote(quoted, 0, quoted.length), 'a"b\\c/d\n\r\t\b\f Aé \\u12 \\q end');
  assert.equal(unquote('"plain"', 0, 7), "plain");
});

test("logfmt round trip (fast-check): any pairs, written as a logfmt writer would, read back the same", () => {
  const key = fc.stringMatching(/^[A-Za-z_@][A-Za-z0-9_.\-/@]{0,12}$/);
  const value = fc.oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.constantFrom("", '"', "\\", "a b", "x=y"),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(" ", "\t", "  "),
      (pairs, blank) => {
        const line = pairs.map(([k, v]) => `${k}=${encode(v)}`).join(blank);
        assert.deepEqual(
          logfmtPairs(line, 0),
          { keys: pairs.map(([k]) => k), values: pairs.map(([, v]) => v) },
          line,
        );
      },
    ),
    { seed: 0x16, numRuns: 2000 },
  );
});

/** A value as go-logfmt writes it: bare when it can be, else quoted with `"` and `\` escaped. */
function encode(value: string): string {
  if (value !== "" && !/[\s"=\\]/.test(value)) return value;
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
