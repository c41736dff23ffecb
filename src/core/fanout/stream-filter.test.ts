import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type LogEntry, serializeEntry } from "../entry/entry.ts";
import { compileLinearRegex, SUPPORTED_SYNTAX } from "../util/linear-regex.ts";
import { MAX_REGEX_PATTERN_CHARS } from "../wire/contract.ts";
import type { PublishedEntry } from "../wire/published-entry.ts";
import { compileFilter, FilterError, type FilterSpec, levelIndex } from "./stream-filter.ts";

const httpName = (part: string) => part;

function published(entry: LogEntry, seq = 1): PublishedEntry {
  return { seq, json: serializeEntry(entry), source: entry.source, level: levelIndex(entry.level) };
}

const ENTRIES: Record<string, LogEntry> = {
  plain: { time: "t", source: "app.log", message: "GET /index 200" },
  warn: { time: "t", source: "app.log", level: "warn", message: "Disk almost FULL" },
  error: {
    time: "t",
    source: "api-1.log",
    level: "error",
    message: "request failed",
    fields: { user: "alice", status: 503, ok: false, gone: null, http: { method: "POST" }, "a.b": "dotted" },
  },
  debug: { time: "t", source: "worker.txt", level: "debug", message: 'said "hi"', fields: { user: "bob" } },
};

/** Which of ENTRIES pass the filter, checked both with the parsed entry and from the JSON text alone. */
function passing(spec: FilterSpec): string[] {
  const filter = compileFilter(spec, httpName);
  const names: string[] = [];
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const withEntry = filter?.matches(published(entry), entry) ?? true;
    const fromJson = filter?.matches(published(entry)) ?? true;
    assert.equal(withEntry, fromJson, `${name}: parsed and JSON text agree`);
    if (withEntry) names.push(name);
  }
  return names;
}

describe("filter matching", () => {
  const cases: [string, FilterSpec, string[]][] = [
    ["nothing set lets everything through", {}, ["plain", "warn", "error", "debug"]],
    ["level is a minimum; no level never passes", { level: "warn" }, ["warn", "error"]],
    ["level names as log libraries write them", { level: "WARNING" }, ["warn", "error"]],
    ["level trace: every entry that has a level", { level: "trace" }, ["warn", "error", "debug"]],
    ["source glob", { sources: ["app*.log"] }, ["plain", "warn"]],
    ["source globs: any of them", { sources: ["api-?.log", "*.txt"] }, ["error", "debug"]],
    ["source glob with a class", { sources: ["[aw]*"] }, ["plain", "warn", "error", "debug"]],
    ["q: a case-insensitive substring of the message", { q: "full" }, ["warn"]],
    ["q: also in the fields as JSON", { q: "ALICE" }, ["error"]],
    ["q: JSON text of the fields (keys too)", { q: '"status":503' }, ["error"]],
    ["q: quotes are matched as written, not as escaped", { q: 'said "hi"' }, ["debug"]],
    ["q: /regex/", { q: "/^(GET|POST) /" }, ["plain"]],
    ["q: /regex/ is case-sensitive without i", { q: "/full/" }, []],
    ["q: /regex/i", { q: "/full/i" }, ["warn"]],
    ["q: /regex/ on the fields as JSON", { q: '/"user":"b.b"/' }, ["debug"]],
    ["q: /regex/ in RE2 syntax: inline flags", { q: "/(?i)full/" }, ["warn"]],
    [
      "q: /regex/ with a repeated repeat, once refused, now runs",
      { q: "/^(\\w+\\s?)+$/" },
      ["warn", "error"],
    ],
    ["q: /regex/m anchors at line ends", { q: "/^said/m" }, ["debug"]],
    ["q: a lone slash is a substring", { q: "/index" }, ["plain"]],
    ["fields: string equality", { fields: [["user", "alice"]] }, ["error"]],
    ["fields: numbers by their JSON text", { fields: [["status", "503"]] }, ["error"]],
    ["fields: no number coercion", { fields: [["status", "503.0"]] }, []],
    ["fields: booleans by their JSON text", { fields: [["ok", "false"]] }, ["error"]],
    ["fields: null by its JSON text", { fields: [["gone", "null"]] }, ["error"]],
    ["fields: a dotted key is a nested path", { fields: [["http.method", "POST"]] }, ["error"]],
    ["fields: a field whose name has a dot wins", { fields: [["a.b", "dotted"]] }, ["error"]],
    ["fields: an object never equals a string", { fields: [["http", '{"method":"POST"}']] }, []],
    [
      "fields: several are ANDed",
      {
        fields: [
          ["user", "alice"],
          ["status", "503"],
        ],
      },
      ["error"],
    ],
    ["fields: a missing field does not match", { fields: [["user", "carol"]] }, []],
    ["fields: inherited properties are not fields", { fields: [["constructor", "x"]] }, []],
    [
      "all parts are ANDed",
      { level: "debug", sources: ["*.txt"], q: "hi", fields: [["user", "bob"]] },
      ["debug"],
    ],
    ["ANDed: one part failing fails", { level: "error", q: "hi" }, []],
  ];
  for (const [name, spec, expected] of cases) test(name, () => assert.deepEqual(passing(spec), expected));

  test("a /regex/ looks at its scan limit of characters, the message first, then the fields", () => {
    const filter = compileFilter({ q: "/needle/" }, httpName);
    const limit = compileLinearRegex("needle").scanLimit;
    const entry = (message: string, fields?: Record<string, unknown>): PublishedEntry =>
      published({ time: "t", source: "a.log", message, ...(fields ? { fields } : {}) });
    assert.equal(filter?.matches(entry(`${"x".repeat(limit - 6)}needle`)), true);
    assert.equal(filter?.matches(entry(`${"x".repeat(limit - 5)}needle`)), false, "past the limit");
    const half = "x".repeat(limit / 2);
    assert.equal(filter?.matches(entry(half, { f: "needle" })), true, "fields in what is left");
    assert.equal(filter?.matches(entry(`${half}${half}`, { f: "needle" })), false, "nothing left");
  });

  test("an entry given only as JSON text that is not an entry is matched on its text", () => {
    const filter = compileFilter({ q: "needle" }, httpName);
    assert.equal(filter?.matches({ seq: 1, json: "a needle in text", source: "", level: -1 }), true);
  });

  test("filters that let the same entries through share a key; others do not", () => {
    const key = (spec: FilterSpec) => compileFilter(spec, httpName)?.key;
    assert.equal(key({ sources: ["a", "b"] }), key({ sources: ["b", "a"] }));
    assert.equal(key({ level: "warn" }), key({ level: "WARNING" }));
    assert.notEqual(key({ level: "warn" }), key({ level: "error" }));
    assert.notEqual(key({ q: "a" }), key({ fields: [["q", "a"]] }));
    assert.equal(key({}), undefined, "no filter at all");
  });
});

describe("filter errors", () => {
  const cases: [string, FilterSpec, string][] = [
    [
      "unknown level",
      { level: "verbose" },
      'level: got "verbose", expected one of trace, debug, info, warn, error, fatal (the minimum level)',
    ],
    ["empty glob", { sources: [""] }, 'source: got "", expected a glob such as app*.log'],
    [
      "a glob that is no pattern",
      { sources: ["[z-a].log"] },
      'source: got "[z-a].log", expected a glob (*, ?, [abc], {a,b}): Invalid regular expression: /^[z-a]\\.log$/: Range out of order in character class',
    ],
    [
      "bad regex",
      { q: "/(unclosed/" },
      `q: got "/(unclosed/": missing closing ): \`(unclosed\`; expected ${SUPPORTED_SYNTAX}`,
    ],
    [
      "a backreference: RE2 cannot run it",
      { q: "/(a)\\1/" },
      `q: got "/(a)\\\\1/": backreference \\1 is not supported; expected ${SUPPORTED_SYNTAX}`,
    ],
    [
      "a lookahead: RE2 cannot run it",
      { q: "/(?=a)/" },
      `q: got "/(?=a)/": lookahead (?=…) is not supported; expected ${SUPPORTED_SYNTAX}`,
    ],
    ["empty regex", { q: "//" }, 'q: got "//", expected a non-empty /regex/'],
    [
      "regex too long",
      { q: `/${"a".repeat(MAX_REGEX_PATTERN_CHARS + 1)}/` },
      `q: a /regex/ of ${MAX_REGEX_PATTERN_CHARS + 1} characters, expected at most ${MAX_REGEX_PATTERN_CHARS}`,
    ],
    ["stateful regex flags", { q: "/a/g" }, 'q: got "/a/g", expected /regex/ flags among i, m, s, u'],
    [
      "empty field name",
      { fields: [["", "x"]] },
      "fields.: expected a field name such as fields.user or fields.http.status",
    ],
    [
      "empty path segment",
      { fields: [["a..b", "x"]] },
      "fields.a..b: expected a field name such as fields.user or fields.http.status",
    ],
  ];
  for (const [name, spec, detail] of cases) {
    test(name, () => {
      assert.throws(
        () => compileFilter(spec, httpName),
        (error: unknown) => error instanceof FilterError && error.detail === detail,
        detail,
      );
    });
  }

  test("the part's name is the caller's (filter.level on TCP)", () => {
    assert.throws(
      () => compileFilter({ level: "loud" }, (part) => `filter.${part}`),
      (error: unknown) => error instanceof FilterError && error.detail.startsWith('filter.level: got "loud"'),
    );
  });

  test("the longest pattern allowed compiles", () => {
    assert.ok(compileFilter({ q: `/${"a".repeat(MAX_REGEX_PATTERN_CHARS)}/` }, httpName));
  });
});
