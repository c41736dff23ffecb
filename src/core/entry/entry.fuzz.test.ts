// parseLine on broken lines of every format: seeded mutations of logfmt, access-log, klog and plain lines,
// and random bytes decoded as the reader decodes them, through every format setting. None may throw, and
// each must give an entry that serialises to the JSON a client parses. A failure names its seed and line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../../_testing/seeded-random.ts";
import { LINE_FORMATS } from "../config/schema.ts";
import { type LogEntry, parseLine, serializeEntry } from "./entry.ts";

const READ_MICROS = 1704110400123456;
const RFC3339_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

const SEEDS = [
  'level=warn msg="disk full" dev=sda1',
  String.raw`time="2024-01-01T12:00:00Z" lvl=error msg="said \"no\" \\ \u00e9" k= a.b-c/d@e=1 k=2`,
  "2024-01-01 12:00:00,123 level=info msg=x",
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"',
  '::1 - - [06/Dec/2025:17:30:00 +0000] "GET /favicon.ico HTTP/2.0" 404 - "-" "curl/8.5.0"',
  String.raw`2001:db8::1 - - [06/Dec/2025:17:30:00 +0000] "\x16\x03" 400 0 "-" "say \"hi\""`,
  "E1206 17:30:00.000000    1234 file.go:42] connection refused",
  'I1025 00:15:15.525108       1 controller.go:116] "Pod status updated" pod="kube-system/kubedns" attempt=2',
  "Dec  6 17:30:00 web1 sshd[812]: Accepted publickey",
  "[2024-01-01T12:00:00Z] [warn] x",
  '{"level":"info","msg":"json","n":1}',
];

/** Pieces that matter to one format or another, inserted anywhere. */
const PIECES = [
  " ",
  "\t",
  // a raw carriage return: JSON whitespace between tokens, or inside a text line (a line never holds "\n")
  "\r",
  "=",
  '"',
  '\\"',
  "\\",
  "\\u",
  "\\u12",
  "[",
  "]",
  "] ",
  "-",
  ":",
  "__proto__=",
  "constructor=",
  "msg=",
  "level=",
  "E1206 ",
  "17:30:00.000000 ",
  " 1 a.go:1] ",
  " HTTP/1.1",
  " 503 ",
  " - ",
  "2024-01-01T12:00:00Z ",
  "Dec  6 17:30:00 ",
  "\ud800",
  "\udc00",
  "\u0000",
  "\u00a0",
  "😀",
  "{",
  "}",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function mutate(random: () => number, line: string): string {
  let text = line;
  for (let step = 1 + Math.floor(random() * 4); step > 0; step--) {
    const at = Math.floor(random() * (text.length + 1));
    const choice = random();
    if (choice < 0.35) text = text.slice(0, at) + pick(random, PIECES) + text.slice(at);
    else if (choice < 0.6) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 6));
    else if (choice < 0.8)
      text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x10000)) + text.slice(at + 1);
    else text = text.slice(0, at) + text.slice(Math.floor(random() * text.length));
  }
  return text;
}

const decoder = new TextDecoder();

function randomBytesLine(random: () => number): string {
  const bytes = new Uint8Array(Math.floor(random() * 120));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return decoder.decode(bytes);
}

function assertValidEntry(entry: LogEntry, context: string): void {
  assert.equal(typeof entry.message, "string", context);
  assert.match(entry.time, RFC3339_MICROS, context);
  assert.equal(entry.source, "fuzz.log", context);
  if (entry.level !== undefined) assert.ok(LEVELS.has(entry.level), context);
  if (entry.fields !== undefined) {
    assert.equal(Object.getPrototypeOf(entry.fields), Object.prototype, context);
    assert.ok(Object.keys(entry.fields).length > 0, context);
  }
  const json = serializeEntry(entry);
  // one line on every framing: TCP's JSON lines and SSE's one `data:` line per entry rely on it
  assert.doesNotMatch(json, /[\r\n]/, context);
  const parsed = JSON.parse(json) as Record<string, unknown>;
  assert.equal(parsed.message, entry.message, context);
}

test("parseLine never throws on mutated logfmt, access-log, klog and plain lines, in any format", () => {
  const seed = 0x16_2025;
  const random = mulberry32(seed);
  const reached = { logfmt: 0, access: 0, klog: 0 };
  for (let i = 0; i < 20_000; i++) {
    const line = mutate(random, pick(random, SEEDS));
    for (const format of LINE_FORMATS) {
      const context = `seed ${seed}, line ${i}, format ${format}: ${JSON.stringify(line)}`;
      const entry = parseLine(line, "fuzz.log", READ_MICROS, format);
      assertValidEntry(entry, context);
      if (format !== "auto" || entry.fields === undefined) continue;
      if ("caller" in entry.fields && "thread" in entry.fields) reached.klog++;
      else if ("remote_addr" in entry.fields) reached.access++;
      else if (!line.trimStart().startsWith("{")) reached.logfmt++;
    }
  }
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(Object.keys(Object.prototype).length, 0, "Object.prototype untouched");
  // the mutations must leave many lines still parseable, or the parsers' inner paths go untested
  for (const [kind, count] of Object.entries(reached)) assert.ok(count > 500, `${kind}: ${count} of 20,000`);
});

test("parseLine never throws on random bytes, in any format", () => {
  const seed = 0x16_0001;
  const random = mulberry32(seed);
  for (let i = 0; i < 20_000; i++) {
    const line = randomBytesLine(random);
    for (const format of LINE_FORMATS) {
      assertValidEntry(
        parseLine(line, "fuzz.log", READ_MICROS, format),
        `seed ${seed}, line ${i}, format ${format}: ${JSON.stringify(line)}`,
      );
    }
  }
});
