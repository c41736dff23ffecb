import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mulberry32 } from "../_testing/seeded-random.ts";
import type { Level } from "../wire/contract.ts";
import {
  detectLevel,
  jsonString,
  type LogEntry,
  levelKeyValue,
  normalizeLevel,
  parseLine,
  serializeEntry,
} from "./entry.ts";

const READ_MICROS = 1704110400123456;
const READ_TIME = "2024-01-01T12:00:00.123456Z";
const RFC3339_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe("detectLevel: plain lines", () => {
  const cases: [string, Level | undefined][] = [
    // all caps, at the start or after a timestamp
    ["ERROR db down", "error"],
    ["WARN disk at 91%", "warn"],
    ["WARNING: disk at 91%", "warn"],
    ["WARNING:root:disk at 91%", "warn"],
    ["INFO started", "info"],
    ["DEBUG cache miss", "debug"],
    ["TRACE enter f()", "trace"],
    ["FATAL out of memory", "fatal"],
    ["CRIT raid degraded", "fatal"],
    ["CRITICAL:root:raid degraded", "fatal"],
    ["PANIC: runtime error", "fatal"],
    ["NOTICE: reloading", "info"],
    ["EMERG kernel", "fatal"],
    ["ALERT kernel", "fatal"],
    ["2024-01-01 12:00:00 ERROR db down", "error"],
    ["2024-01-01 12:00:00,123 - myapp - ERROR - db down", "error"],
    ["2024-01-01 12:00:00.123  INFO 1234 --- [main] c.e.App : Started", "info"],
    ["2024-01-01 12:00:00.123 UTC [1234] ERROR:  relation does not exist", "error"],
    ["E, [2024-01-01T12:00:00.123456 #1234] ERROR -- : boom", "error"],
    ["12:00PM INF listening addr=:8080", "info"],
    ["12:00PM WRN slow", "warn"],
    ["12:00PM ERR failed", "error"],
    ["12:00PM DBG tick", "debug"],
    ["12:00PM TRC tick", "trace"],
    ["12:00PM FTL dead", "fatal"],
    ["svc | ERROR | boom", "error"],
    // brackets, any case
    ["[2024-01-01T12:00:00Z] [warn] x", "warn"],
    ["[warn] x", "warn"],
    ["[DBG] x", "debug"],
    ["[ERR] x", "error"],
    ["[Information] x", "info"],
    ["<error> x", "error"],
    ["(notice) x", "info"],
    ["2024/01/01 12:00:00 [error] 1234#0: *1 connect() failed", "error"],
    ["12:00:00.123 [info] Running MyApp.Endpoint", "info"],
    ["[Mon Jan 01 12:00:00.123456 2024] [core:error] [pid 123] AH00037", "error"],
    ["2024-01-01T12:00:00.123456Z 0 [Warning] [MY-010068] [Server] CA certificate", "warn"],
    ["[main] [Error] x", "error"],
    // the first word with a colon, or the first word after a timestamp, any case
    ["error: cannot find module", "error"],
    ["Error: cannot find module", "error"],
    ["warning: unused variable", "warn"],
    ["2024-01-01 12:00:00 error db down", "error"],
    ["2024-01-01T12:00:00+01:00 warn slow", "warn"],
    ["[2024-01-01 12:00:00] debug: x", "debug"],
    ["12:00:00 info ready", "info"],
    ["Jan  2 15:04:05 crit disk", "fatal"],
    // explicit keys win, anywhere in the line
    ['time="2024-01-01T12:00:00Z" level=info msg="saw ERROR page"', "info"],
    ["ts=1 lvl=debug msg=x", "debug"],
    ['a=1 b=2 level="warn" c=3', "warn"],
    ["a=1 level='error'", "error"],
    ["LEVEL=WARNING x", "warn"],
    ["severity=critical x", "fatal"],
    ['2024-01-01T12:00:00Z stdout F {"level":"debug","msg":"x"}', "debug"],
    ["level=verbose ERROR x", "error"],
    // not levels
    ["user saw an error page", undefined],
    ["error page loaded", undefined],
    ["Error connecting to db", undefined],
    ["the info desk", undefined],
    ["2024-01-01 12:00:00 request failed with an error", undefined],
    ["GET /info 200", undefined],
    ["GET /api/ERROR 500", undefined],
    ["INFOS x", undefined],
    ["ERRORS: 3", undefined],
    ["errors=3", undefined],
    ["loglevel=info", undefined],
    ["level=5 x", undefined],
    ["level=verbose x", undefined],
    ["interror x", undefined],
    ["E0101 12:00:00.123456 1234 main.go:12] glog", undefined],
    ["E/ActivityManager: android", undefined],
    ["<E> x", undefined],
    ["", undefined],
    ["   ", undefined],
    [`${"x ".repeat(40)}ERROR past the header`, undefined],
    [`2024-01-01 12:00:00 ${"x".repeat(64)} ERROR`, undefined],
    [`2024-01-01 12:00:00 ${"x".repeat(50)} ERROR`, "error"],
    [`${"x".repeat(60)} ERRORS`, undefined],
  ];
  for (const [line, expected] of cases) {
    test(`${JSON.stringify(line)} → ${expected}`, () => assert.equal(detectLevel(line), expected));
  }
});

describe("normalizeLevel", () => {
  const cases: [unknown, Level | undefined][] = [
    ["trace", "trace"],
    ["TRC", "trace"],
    ["debug", "debug"],
    ["dbg", "debug"],
    ["info", "info"],
    ["INFO", "info"],
    ["inf", "info"],
    ["information", "info"],
    ["notice", "info"],
    ["warn", "warn"],
    ["WARNING", "warn"],
    ["Warning", "warn"],
    ["WRN", "warn"],
    ["error", "error"],
    ["ERR", "error"],
    ["fatal", "fatal"],
    ["CRITICAL", "fatal"],
    ["crit", "fatal"],
    ["panic", "fatal"],
    ["emerg", "fatal"],
    ["alert", "fatal"],
    [10, "trace"],
    [20, "debug"],
    [30, "info"],
    [40, "warn"],
    [50, "error"],
    [60, "fatal"],
    [35, undefined],
    [0, undefined],
    ["30", undefined],
    ["verbose", undefined],
    ["", undefined],
    ["constructor", undefined],
    ["__proto__", undefined],
    ["toString", undefined],
    [null, undefined],
    [{}, undefined],
    [["error"], undefined],
  ];
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(normalizeLevel(value), expected));
  }
});

describe("parseLine: plain lines", () => {
  const cases: [string, LogEntry][] = [
    ["hello world", { time: READ_TIME, source: "app.log", message: "hello world" }],
    ["ERROR db down", { time: READ_TIME, source: "app.log", level: "error", message: "ERROR db down" }],
    // the line's leading timestamp is not read as the entry's time: only JSON lines carry their own
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

test("detectLevel: a word inside the leading timestamp never counts, the level after it does", () => {
  assert.equal(detectLevel("Err 12 10:00:00 INFO started"), "info");
  assert.equal(detectLevel("Err 12 10:00:00 started"), undefined);
  assert.equal(detectLevel("[Inf 12 10:00:00] warn: disk"), "warn");
  assert.equal(detectLevel("2024-01-01T00:00:00Z error: x"), "error");
});

test("levelKeyValue finds what the one key=value regex finds, over generated lines", () => {
  const oneRegex = /(?:\b(?:level|lvl|severity)=|"(?:level|lvl|severity)"\s*:\s*)["']?([a-z]+)\b/i;
  const pieces = [
    "level=",
    "LVL=",
    "Severity=",
    "xlevel=",
    "lvl",
    "level",
    '"level"',
    '"Lvl" : ',
    '"severity":',
    ":",
    "=",
    '"',
    "'",
    " ",
    "\u00a0",
    "_",
    "warn",
    "ERROR",
    "info2",
    "debug_",
    "x",
    "9",
    "é",
    "\t",
  ];
  // a fixed sequence (xorshift), so every run checks the same 20,000 lines
  let state = 0x2545f491;
  const next = (bound: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
  for (let i = 0; i < 20_000; i++) {
    let line = "";
    for (let n = next(10); n >= 0; n--) line += pieces[next(pieces.length)];
    assert.equal(levelKeyValue(line), oneRegex.exec(line)?.[1], JSON.stringify(line));
  }
  for (const line of [
    "=level=warn",
    "lvl=x level=warn",
    'a "level": "info" level=warn',
    'level=warn "lvl":"debug"',
  ]) {
    assert.equal(levelKeyValue(line), oneRegex.exec(line)?.[1], line);
  }
});
