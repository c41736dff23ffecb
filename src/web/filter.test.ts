import assert from "node:assert/strict";
import { test } from "node:test";
import { type Level, MAX_REGEX_PATTERN_CHARS } from "../core/wire/contract.ts";
import { compileFilter, type Filter, type FilterSpec, filterParams, sameFilter } from "./filter.ts";
import { entryRow, type LogEntry, markerRow } from "./log-entry.ts";

function filter(spec: Partial<FilterSpec>): Filter {
  const compiled = compileFilter({ level: "", q: "", ...spec });
  assert.ok(compiled.ok, compiled.ok ? "" : compiled.error);
  return compiled.filter;
}

function row(message: string, level?: Level, fields?: Record<string, unknown>) {
  const entry: LogEntry = { time: "2026-11-26T09:00:00Z", source: "app.log", message, level, fields };
  return entryRow(entry, undefined);
}

test("no filter passes everything and says it is inactive", () => {
  const none = filter({});
  assert.equal(none.active, false);
  assert.ok(none.matches(row("anything")));
});

test("a level filter is a minimum, and an entry without a level does not pass it", () => {
  const warn = filter({ level: "warn" });
  assert.equal(warn.active, true);
  const passes = (["trace", "debug", "info", "warn", "error", "fatal"] as const).filter((level) =>
    warn.matches(row("x", level)),
  );
  assert.deepEqual(passes, ["warn", "error", "fatal"]);
  assert.equal(warn.matches(row("no level here")), false);
});

test("text is a case-insensitive substring of the message or of the fields as JSON", () => {
  const text = filter({ q: "TimeOut" });
  assert.ok(text.matches(row("upstream timeout after 3 s")));
  assert.ok(text.matches(row("failed", "error", { reason: "TIMEOUT" })));
  assert.ok(filter({ q: '"code":504' }).matches(row("failed", "error", { code: 504 })));
  assert.equal(text.matches(row("all good")), false);
});

test("/regex/flags is a regular expression; g and y do not make one row's match depend on another", () => {
  const regex = filter({ q: "/job \\d+ (done|failed)/g" });
  assert.ok(regex.matches(row("job 12 done")));
  assert.ok(regex.matches(row("job 13 done")), "a global regex would resume at lastIndex and miss this");
  assert.equal(regex.matches(row("JOB 14 DONE")), false, "case-sensitive without i");
  assert.ok(filter({ q: "/job \\d+ done/i" }).matches(row("JOB 14 DONE")));
  // a lone or unclosed slash is plain text, as it is to the server
  assert.ok(filter({ q: "/api/v1" }).matches(row("GET /api/v1/orders")));
  assert.ok(filter({ q: "/" }).matches(row("GET /")));
});

test("an invalid or too long pattern is an error, not a filter", () => {
  const invalid = compileFilter({ level: "", q: "/unclosed(/" });
  assert.equal(invalid.ok, false);
  const long = compileFilter({ level: "", q: `/${"a".repeat(MAX_REGEX_PATTERN_CHARS + 1)}/` });
  assert.ok(!long.ok && /at most 256/.test(long.error));
  assert.ok(compileFilter({ level: "", q: `/${"a".repeat(MAX_REGEX_PATTERN_CHARS)}/` }).ok);
});

test("markers pass every filter: they explain the list", () => {
  assert.ok(filter({ level: "fatal", q: "nothing like it" }).matches(markerRow("3 entries missed")));
});

test("highlights: every occurrence of the text, the regex's non-empty matches, none when positions would shift", () => {
  assert.deepEqual(filter({ q: "ab" }).highlight("xABxab"), [
    [1, 3],
    [4, 6],
  ]);
  assert.deepEqual(filter({ q: "/a*b/" }).highlight("b aab c"), [
    [0, 1],
    [2, 5],
  ]);
  assert.deepEqual(filter({ q: "/x*/" }).highlight("abc"), []);
  assert.deepEqual(filter({ q: "i" }).highlight("İi"), [], "İ lowercases to two characters");
  assert.equal(filter({ q: "a" }).highlight("a".repeat(100), 5).length, 5);
});

test("the same filter as /stream query parameters; empty parts are left out", () => {
  assert.deepEqual(filterParams({ level: "", q: "" }), []);
  assert.deepEqual(filterParams({ level: "error", q: "/x/i" }), [
    ["level", "error"],
    ["q", "/x/i"],
  ]);
});

test("sources: only the picked ones pass (markers always); sent as globs that match the name itself", () => {
  const compiled = compileFilter({ level: "", q: "", sources: ["api.log", "a*b.log"] });
  assert.ok(compiled.ok);
  const row = (source: string) => entryRow({ time: "t", source, message: "m" }, undefined);
  assert.ok(compiled.filter.active);
  assert.ok(compiled.filter.matches(row("api.log")));
  assert.ok(compiled.filter.matches(row("a*b.log")));
  assert.ok(!compiled.filter.matches(row("axb.log")), "a name is not a pattern on the page");
  assert.ok(compiled.filter.matches(markerRow("gap")));
  assert.deepEqual(filterParams({ level: "", q: "", sources: ["api.log", "a*b?.log", "[x]{y}.log"] }), [
    ["source", "api.log"],
    ["source", "a[*]b[?].log"],
    ["source", "[[]x][{]y}.log"],
  ]);
  assert.ok(sameFilter({ level: "", q: "", sources: ["a", "b"] }, { level: "", q: "", sources: ["b", "a"] }));
  assert.ok(!sameFilter({ level: "", q: "", sources: ["a"] }, { level: "", q: "" }));
});
