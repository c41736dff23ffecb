import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mulberry32 } from "../../_testing/seeded-random.ts";
import type { Level } from "../wire/contract.ts";
import { parseLine } from "./entry.ts";
import { normalizeLevel } from "./levels.ts";
import { detectLevel, levelKeyValue } from "./plain-text.ts";

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

describe("a plain line with a leading timestamp stays whole, the timestamp in the message only", () => {
  const cases: [string, string | undefined][] = [
    ["2024-01-01T12:00:00.123Z INFO started", "2024-01-01T12:00:00.123Z"],
    ["2024-01-01 12:00:00,123 - myapp - ERROR - db down", "2024-01-01 12:00:00,123"],
    ["Dec  6 17:30:00 web1 sshd[812]: Accepted publickey", "Dec  6 17:30:00"],
    ["[2024-01-01T12:00:00Z] [warn] x", "2024-01-01T12:00:00Z"],
    ["(2024-01-01 12:00:00) x", "2024-01-01 12:00:00"],
    ["2024-01-01 12:00:00.123 UTC [1234] ERROR:  relation does not exist", "2024-01-01 12:00:00.123 UTC"],
    ["2024-01-01T12:00:00+01:00 warn slow", "2024-01-01T12:00:00+01:00"],
    ["2024-01-01T12:00:00.123456789Z\tx", "2024-01-01T12:00:00.123456789Z"],
    ["12:00:00.123 [info] Running", "12:00:00.123"],
    ["2024/01/01 12:00:00 [error] 1234#0: *1 connect() failed", "2024/01/01 12:00:00"],
    ["2024-01-01 deployed", "2024-01-01"],
    ["2024-01-01T12:00:00Z\u00a0x", "2024-01-01T12:00:00Z"],
    ["hello world", undefined],
    ["2024-01-01T12:00:00Z", undefined],
    ["12:00PM INF listening", undefined],
    ["1704110400 epoch seconds are not read as one", undefined],
    [" 2024-01-01T12:00:00Z indented", undefined],
    ["", undefined],
  ];
  for (const [line, ts] of cases) {
    test(`${JSON.stringify(line)} → ${ts}`, () => {
      const entry = parseLine(line, "app.log", 1_704_067_200_000_000);
      assert.equal(entry.message, line);
      assert.equal(entry.fields, undefined, `no fields (the timestamp ${ts} stays in the message)`);
      assert.equal(entry.level, detectLevel(line));
    });
  }
});

/** detectLevel as it was before its first-word shortcut: the leading-timestamp regex, then the word search. */
function referenceDetectLevel(line: string): Level | undefined {
  const names = ["trace", "trc", "debug", "dbg", "info", "inf", "information", "notice", "warn", "warning"];
  names.push("wrn", "error", "err", "fatal", "ftl", "crit", "critical", "panic", "emerg", "alert");
  const keyValue = levelKeyValue(line);
  const explicit = keyValue === undefined ? undefined : normalizeLevel(keyValue);
  if (explicit !== undefined) return explicit;
  const timestamp =
    /^[[(]?(?:\d{4}[-/.]\d{2}[-/.]\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})(?:[Zz]| ?[+-]\d{2}:?\d{2}| UTC)?[\])]?\s+/y;
  const headerStart = timestamp.test(line) ? timestamp.lastIndex : 0;
  const headerEnd = headerStart + 64;
  const header = line.length > headerEnd + 16 ? line.slice(0, headerEnd + 16) : line;
  const word = new RegExp(`(^|[\\s[(<|:])(${names.join("|")})(?=$|[\\s\\])>:,|])`, "gi");
  word.lastIndex = headerStart > 0 ? headerStart - 1 : 0;
  for (let match = word.exec(header); match !== null; match = word.exec(header)) {
    const [, before = "", name = ""] = match;
    const start = match.index + before.length;
    if (start >= headerEnd) break;
    const after = header.charAt(start + name.length);
    const opens = "[(<:".includes(before) && before !== "";
    const counts =
      (opens && "])>".includes(after) && after !== "") ||
      /^[A-Z]+$/.test(name) ||
      (start === headerStart && (after === ":" || headerStart > 0));
    if (counts) return normalizeLevel(name);
    word.lastIndex = start + name.length;
  }
  return undefined;
}

test("detectLevel finds what it found before its first-word shortcut, over generated lines", () => {
  const pieces = [
    "2024-01-01T12:00:00Z ",
    "2024-01-01 12:00:00,123\u00a0",
    "[2024-01-01 12:00:00] ",
    "Dec  6 17:30:00 ",
    "12:00:00 ",
    "INFO",
    "info",
    "Info",
    "ERR",
    "error",
    "WARNING",
    "warnings",
    "crit",
    "x",
    " ",
    "\t",
    "\u00a0",
    ":",
    ",",
    "|",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "=",
    "level=",
    "é",
    "\u2028",
    "-",
    "9",
  ];
  const random = mulberry32(0x16_1e7e1);
  for (let i = 0; i < 30_000; i++) {
    let line = "";
    for (let n = Math.floor(random() * 8); n >= 0; n--) line += pieces[Math.floor(random() * pieces.length)];
    assert.equal(detectLevel(line), referenceDetectLevel(line), JSON.stringify(line));
  }
});
