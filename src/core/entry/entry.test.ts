import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mulberry32 } from "../../_testing/seeded-random.ts";
import { LINE_FORMATS, type LineFormat } from "../config/schema.ts";
import { jsonString, type LogEntry, parseLine, serializeEntry } from "./entry.ts";
import { detectLevel } from "./plain-text.ts";

const READ_MICROS = 1704110400123456;
const READ_TIME = "2024-01-01T12:00:00.123456Z";
const RFC3339_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe("parseLine: plain lines", () => {
  const cases: [string, LogEntry][] = [
    ["hello world", { time: READ_TIME, source: "app.log", message: "hello world" }],
    ["ERROR db down", { time: READ_TIME, source: "app.log", level: "error", message: "ERROR db down" }],
    // the line's leading timestamp is not read as the entry's time (only JSON lines carry their own): it
    // stays in the message, and the level after it is found
    [
      "2024-06-01 00:00:00 INFO x",
      { time: READ_TIME, source: "app.log", level: "info", message: "2024-06-01 00:00:00 INFO x" },
    ],
    ["  keeps spaces  ", { time: READ_TIME, source: "app.log", message: "  keeps spaces  " }],
    ["", { time: READ_TIME, source: "app.log", message: "" }],
    // JSON that is not an object is a plain line
    ["[1,2,3]", { time: READ_TIME, source: "app.log", message: "[1,2,3]" }],
    ['"a string"', { time: READ_TIME, source: "app.log", message: '"a string"' }],
    ["42", { time: READ_TIME, source: "app.log", message: "42" }],
    ["null", { time: READ_TIME, source: "app.log", message: "null" }],
    // broken JSON is a plain line, level and all
    [
      '{"level":"error","msg":',
      { time: READ_TIME, source: "app.log", level: "error", message: '{"level":"error","msg":' },
    ],
    ["{not json}", { time: READ_TIME, source: "app.log", message: "{not json}" }],
    ["{", { time: READ_TIME, source: "app.log", message: "{" }],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => assert.deepEqual(parseLine(line, "app.log", READ_MICROS), expected));
  }
});

describe("parseLine: each format, and what each format setting makes of it", () => {
  const lines = {
    json: '{"level":"warn","msg":"disk full","dev":"sda1"}',
    logfmt: 'level=warn msg="disk full" dev=sda1',
    stampedLogfmt: "2024-01-01T12:00:00Z level=warn msg=x",
    access: '::1 - - [06/Dec/2025:17:30:00 +0000] "GET /x HTTP/1.1" 500 0 "-" "curl/8"',
    klog: "W1206 17:30:00.000000    1234 file.go:42] disk full",
    plain: "2024-01-01 12:00:00 ERROR db down",
  };
  // kept as text: whole, its level guessed, nothing taken out
  const text = (line: string): LogEntry => {
    const level = detectLevel(line);
    return { time: READ_TIME, source: "s", ...(level === undefined ? {} : { level }), message: line };
  };
  // a plain line in auto: the same, and its leading timestamp as ts
  const plain = (line: string): LogEntry => {
    const level = detectLevel(line);
    return { time: READ_TIME, source: "s", ...(level === undefined ? {} : { level }), message: line };
  };
  const parsed = {
    json: { time: READ_TIME, source: "s", level: "warn", message: "disk full", fields: { dev: "sda1" } },
    logfmt: { time: READ_TIME, source: "s", level: "warn", message: "disk full", fields: { dev: "sda1" } },
    stampedLogfmt: {
      time: READ_TIME,
      source: "s",
      level: "warn",
      message: "x",
      fields: { ts: "2024-01-01T12:00:00Z" },
    },
    access: {
      time: READ_TIME,
      source: "s",
      level: "error",
      message: lines.access,
      fields: {
        remote_addr: "::1",
        ts: "06/Dec/2025:17:30:00 +0000",
        method: "GET",
        path: "/x",
        protocol: "HTTP/1.1",
        status: 500,
        bytes: 0,
        user_agent: "curl/8",
      },
    },
    klog: {
      time: READ_TIME,
      source: "s",
      level: "warn",
      message: "disk full",
      fields: { ts: "1206 17:30:00.000000", thread: 1234, caller: "file.go:42" },
    },
    plain: plain(lines.plain),
  } satisfies Record<keyof typeof lines, LogEntry>;
  const expected: Record<LineFormat, (name: keyof typeof lines) => LogEntry> = {
    auto: (name) => parsed[name],
    json: (name) => (name === "json" ? parsed.json : text(lines[name])),
    logfmt: (name) => (name === "logfmt" || name === "stampedLogfmt" ? parsed[name] : text(lines[name])),
    text: (name) => text(lines[name]),
  };
  for (const format of LINE_FORMATS) {
    for (const name of Object.keys(lines) as (keyof typeof lines)[]) {
      test(`format ${format}: ${name}`, () =>
        assert.deepEqual(parseLine(lines[name], "s", READ_MICROS, format), expected[format](name)));
    }
  }
  test("the default is auto", () => assert.deepEqual(parseLine(lines.klog, "s", READ_MICROS), parsed.klog));
  test("text: a JSON line is kept whole too", () =>
    assert.equal(parseLine(lines.json, "s", READ_MICROS, "text").message, lines.json));
});

describe("parseLine: JSON lines", () => {
  const noon = "2024-01-01T12:00:00.000000Z";
  const cases: [string, string, LogEntry][] = [
    [
      "time, level, msg and a field",
      '{"time":"2024-01-01T12:00:00Z","level":"error","msg":"db down","db":"main"}',
      { time: noon, source: "s", level: "error", message: "db down", fields: { db: "main" } },
    ],
    [
      "ts, lvl, message",
      '{"ts":1704110400.5,"lvl":"WRN","message":"slow"}',
      { time: "2024-01-01T12:00:00.500000Z", source: "s", level: "warn", message: "slow" },
    ],
    [
      "timestamp, severity",
      '{"timestamp":"2024-01-01T13:00:00.654321+01:00","severity":"CRITICAL","msg":"x"}',
      { time: "2024-01-01T12:00:00.654321Z", source: "s", level: "fatal", message: "x" },
    ],
    [
      "pino",
      '{"level":30,"time":1704110400123,"pid":7,"hostname":"h","msg":"hi"}',
      {
        time: "2024-01-01T12:00:00.123000Z",
        source: "s",
        level: "info",
        message: "hi",
        fields: { pid: 7, hostname: "h" },
      },
    ],
    ...([10, 20, 30, 40, 50, 60] as const).map((number, index): [string, string, LogEntry] => [
      `pino level ${number}`,
      `{"level":${number},"msg":"m"}`,
      {
        time: READ_TIME,
        source: "s",
        level: (["trace", "debug", "info", "warn", "error", "fatal"] as const)[index],
        message: "m",
      },
    ]),
    [
      "nested fields stay nested",
      '{"msg":"req","req":{"method":"GET","headers":{"a":[1,2]}},"ok":true,"n":null}',
      {
        time: READ_TIME,
        source: "s",
        message: "req",
        fields: { req: { method: "GET", headers: { a: [1, 2] } }, ok: true, n: null },
      },
    ],
    [
      "no msg: the raw line is the message",
      '{"level":"info","event":"started"}',
      {
        time: READ_TIME,
        source: "s",
        level: "info",
        message: '{"level":"info","event":"started"}',
        fields: { event: "started" },
      },
    ],
    [
      "msg null counts as absent and stays a field",
      '{"msg":null,"a":1}',
      { time: READ_TIME, source: "s", message: '{"msg":null,"a":1}', fields: { msg: null, a: 1 } },
    ],
    ["non-string msg is JSON", '{"msg":{"code":7}}', { time: READ_TIME, source: "s", message: '{"code":7}' }],
    ["numeric msg", '{"msg":42}', { time: READ_TIME, source: "s", message: "42" }],
    ["boolean msg", '{"message":false}', { time: READ_TIME, source: "s", message: "false" }],
    [
      "msg wins over message, which stays a field",
      '{"msg":"a","message":"b"}',
      { time: READ_TIME, source: "s", message: "a", fields: { message: "b" } },
    ],
    [
      "time wins over ts, which stays a field",
      '{"time":"2024-01-01T12:00:00Z","ts":1,"msg":"x"}',
      { time: noon, source: "s", message: "x", fields: { ts: 1 } },
    ],
    [
      "unusable time and level stay fields; the read time stands",
      '{"time":"soon","level":"verbose","msg":"x"}',
      { time: READ_TIME, source: "s", message: "x", fields: { time: "soon", level: "verbose" } },
    ],
    [
      "an unusable time falls through to the next alias",
      '{"time":null,"ts":"2024-01-01T12:00:00Z","msg":"x"}',
      { time: noon, source: "s", message: "x", fields: { time: null } },
    ],
    [
      "an object level is a field",
      '{"level":{},"msg":"x"}',
      { time: READ_TIME, source: "s", message: "x", fields: { level: {} } },
    ],
    [
      "no level guessed from a JSON message",
      '{"msg":"ERROR something"}',
      { time: READ_TIME, source: "s", message: "ERROR something" },
    ],
    ["empty object", "{}", { time: READ_TIME, source: "s", message: "{}" }],
    ["surrounding whitespace", '  {"msg":"x"}\t', { time: READ_TIME, source: "s", message: "x" }],
  ];
  for (const [name, line, expected] of cases) {
    test(name, () => assert.deepEqual(parseLine(line, "s", READ_MICROS), expected));
  }

  test("__proto__ is kept as data, and pollutes nothing", () => {
    const entry = parseLine('{"msg":"x","__proto__":{"polluted":true},"constructor":1}', "s", READ_MICROS);
    assert.ok(entry.fields);
    assert.equal(Object.getPrototypeOf(entry.fields), Object.prototype);
    assert.ok(Object.hasOwn(entry.fields, "__proto__"));
    assert.deepEqual(Object.keys(entry.fields), ["__proto__", "constructor"]);
    assert.equal((entry.fields as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.equal(
      serializeEntry(entry),
      `{"time":"${READ_TIME}","source":"s","message":"x","fields":{"__proto__":{"polluted":true},"constructor":1}}`,
    );
  });
});

describe("serializeEntry", () => {
  const cases: [string, LogEntry, string][] = [
    [
      "all keys, in the seed's order whatever the object's",
      { fields: { key: "value" }, message: "m", level: "error", source: "app.log", time: READ_TIME },
      `{"time":"${READ_TIME}","source":"app.log","level":"error","message":"m","fields":{"key":"value"}}`,
    ],
    [
      "no level, no fields",
      { time: READ_TIME, source: "app.log", message: "m" },
      `{"time":"${READ_TIME}","source":"app.log","message":"m"}`,
    ],
    [
      "empty fields omitted",
      { time: READ_TIME, source: "app.log", message: "m", fields: {} },
      `{"time":"${READ_TIME}","source":"app.log","message":"m"}`,
    ],
    [
      "undefined level omitted",
      { time: READ_TIME, source: "a", level: undefined, message: "m" },
      `{"time":"${READ_TIME}","source":"a","message":"m"}`,
    ],
    [
      "escapes quotes, newlines, control chars and lone surrogates",
      { time: READ_TIME, source: 'a"b', message: 'q"\\\n\r\t\u0001\ud800' },
      `{"time":"${READ_TIME}","source":"a\\"b","message":"q\\"\\\\\\n\\r\\t\\u0001\\ud800"}`,
    ],
  ];
  for (const [name, entry, expected] of cases) {
    test(name, () => assert.equal(serializeEntry(entry), expected));
  }

  test("jsonString is JSON.stringify for every UTF-16 code unit, alone and around text, and surrogate pairs", () => {
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      for (const text of [char, `a${char}b`])
        assert.equal(jsonString(text), JSON.stringify(text), `U+${code.toString(16)}`);
    }
    for (const text of [
      "",
      "plain line",
      "\ud83d\ude00 paired",
      "lone \udc00 low",
      "high \ud800",
      "\u2028\u2029\u007f",
    ])
      assert.equal(jsonString(text), JSON.stringify(text), JSON.stringify(text));
  });

  test("fields too deep for JSON.stringify become an error field, not an exception", () => {
    const depth = 200_000;
    const line = `{"msg":"deep","a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const json = serializeEntry(parseLine(line, "s", READ_MICROS));
    const parsed = JSON.parse(json) as { message: string; fields: Record<string, unknown> };
    assert.equal(parsed.message, "deep");
    assert.match(String(parsed.fields.logwisp_error), /could not be serialized/);
  });
});

const FUZZ_PIECES = [
  "{",
  "}",
  "[",
  "]",
  '"',
  ":",
  ",",
  " ",
  "\t",
  "\\",
  "\\u",
  "\ud800",
  "\udc00",
  "\u0000",
  "\r",
  "\n",
  "level",
  "lvl",
  "severity",
  "time",
  "ts",
  "timestamp",
  "msg",
  "message",
  "__proto__",
  "constructor",
  "ERROR",
  "warn",
  "[info]",
  "level=",
  "=",
  "30",
  "1e999",
  "-1e400",
  "1704110400123456789",
  "null",
  "true",
  "2024-01-01T12:00:00.123456789+01:00",
  "2024-02-30 25:61:61",
  "é",
  "😀",
  "x",
];

function fuzzLine(random: () => number): string {
  if (random() < 0.4) return fuzzJsonObject(random, 0);
  let line = "";
  const pieces = Math.floor(random() * 24);
  for (let i = 0; i < pieces; i++) line += FUZZ_PIECES[Math.floor(random() * FUZZ_PIECES.length)] ?? "";
  return line;
}

function fuzzJsonObject(random: () => number, depth: number): string {
  const keys = [
    "time",
    "ts",
    "timestamp",
    "level",
    "lvl",
    "severity",
    "msg",
    "message",
    "__proto__",
    "k",
    "toJSON",
  ];
  const parts: string[] = [];
  const count = Math.floor(random() * 6);
  for (let i = 0; i < count; i++) {
    parts.push(`${JSON.stringify(keys[Math.floor(random() * keys.length)])}:${fuzzJsonValue(random, depth)}`);
  }
  return `{${parts.join(",")}}`;
}

function fuzzJsonValue(random: () => number, depth: number): string {
  const values = [
    "null",
    "true",
    "{}",
    "[]",
    "0",
    "30",
    "35",
    "-1",
    "1e308",
    "1e999",
    "1704110400.5",
    "1704110400123456789",
    '"ERR"',
    '"panic"',
    '"2024-01-01T12:00:00Z"',
    '"\\ud800"',
    '"garbage"',
    '"1704110400"',
    '"constructor"',
  ];
  if (depth < 3 && random() < 0.2) return fuzzJsonObject(random, depth + 1);
  return values[Math.floor(random() * values.length)] ?? "null";
}

describe("parseLine never throws", () => {
  const seed = 0x10_9915;
  test(`20 000 random lines (seed ${seed})`, () => {
    const random = mulberry32(seed);
    const levels = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
    let jsonLines = 0;
    for (let i = 0; i < 20_000; i++) {
      const line = fuzzLine(random);
      const context = `seed ${seed}, line ${i}: ${JSON.stringify(line)}`;
      const entry = parseLine(line, "fuzz.log", READ_MICROS + i);
      assert.equal(typeof entry.message, "string", context);
      assert.match(entry.time, RFC3339_MICROS, context);
      assert.equal(entry.source, "fuzz.log", context);
      if (entry.level !== undefined) assert.ok(levels.has(entry.level), context);
      if (entry.fields !== undefined) {
        jsonLines++;
        assert.equal(Object.getPrototypeOf(entry.fields), Object.prototype, context);
        assert.ok(Object.keys(entry.fields).length > 0, context);
      }
      const json = serializeEntry(entry);
      assert.equal(typeof JSON.parse(json), "object", context);
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.equal(Object.keys(Object.prototype).length, 0, "Object.prototype untouched");
    assert.ok(jsonLines > 1000, `the fuzz reached JSON lines with fields (${jsonLines})`);
  });
});

test("serializeEntry: entries sharing a time string, in any order of source, level and escape, each as JSON.stringify writes it", () => {
  const time = "2024-01-01T00:00:00.000001Z";
  const entries: LogEntry[] = [];
  for (const source of ["a.log", 'q"uote.log', "a.log"])
    for (const level of [undefined, "info", "warn", "info"] as const)
      for (const message of ["plain", 'needs "escape"', "tab\there", "é😀"])
        for (const fields of [undefined, {}, { k: 1 }])
          entries.push({
            time: message === "plain" ? time : "2024-01-01T00:00:00.000002Z",
            source,
            ...(level === undefined ? {} : { level }),
            message,
            ...(fields === undefined ? {} : { fields }),
          });
  for (const entry of entries) {
    const { fields, ...rest } = entry;
    const expected = JSON.stringify(fields !== undefined && Object.keys(fields).length > 0 ? entry : rest);
    assert.equal(serializeEntry(entry), expected);
  }
});

test("serializeEntry writes any fields as JSON.stringify does: flat ones by hand, the rest by JSON.stringify", () => {
  const protoField: Record<string, unknown> = { a: "x" };
  Object.defineProperty(protoField, "__proto__", {
    value: "p",
    enumerable: true,
    writable: true,
    configurable: true,
  });
  const cases: Record<string, unknown>[] = [
    { ts: "2024-01-01 12:00:00,123" },
    { "2": "b", "1": "a", z: "c" }, // integer-like keys come first, in both
    { n: 0, neg: -0, f: 1.5, big: 1e21, small: 5e-7, t: true, no: false },
    { nan: Number.NaN, inf: Number.POSITIVE_INFINITY }, // null in JSON: JSON.stringify's path
    { s: 'q"\\\n\u0001\ud800', 'k"ey': "v", "": "empty key" },
    { list: ["a", "b"], nested: { x: 1 }, nil: null },
    { gone: undefined },
    { first: "flat", second: { nested: true } },
    protoField,
  ];
  for (const fields of cases) {
    const entry: LogEntry = { time: READ_TIME, source: "s", message: "m", fields };
    const expectedFields = JSON.stringify(fields);
    const expected = `{"time":"${READ_TIME}","source":"s","message":"m"${expectedFields === "{}" ? "" : `,"fields":${expectedFields}`}}`;
    assert.equal(serializeEntry(entry), expected, expectedFields);
  }
});
