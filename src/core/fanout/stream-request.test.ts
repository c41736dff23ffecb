import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SUPPORTED_SYNTAX } from "../util/linear-regex.ts";
import { FilterError } from "./stream-filter.ts";
import { parseSince, requestFromJsonLine, requestFromQuery } from "./stream-request.ts";

const query = (text: string, header?: string) => requestFromQuery(new URLSearchParams(text), header);

function detailOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof FilterError) return error.detail;
    throw error;
  }
  assert.fail("expected a FilterError");
}

describe("GET /stream query", () => {
  test("no parameters: everything, live", () => {
    assert.deepEqual(query(""), { filter: undefined, backlog: undefined, resume: undefined });
  });

  test("every filter part, backlog and token together", () => {
    const request = query("level=warn&source=a*.log&source=b.log&q=x&fields.user=al&backlog=5&token=t");
    assert.equal(request.backlog, 5);
    assert.equal(
      request.filter?.key,
      JSON.stringify([3, ["a*.log", "b.log"], "x", [["user", "al"]]]),
      "sources sorted, level as its rank",
    );
  });

  test("empty values count as absent, except a field's, which is a value", () => {
    assert.deepEqual(query("level=&q=&source=&backlog=&last_event_id="), {
      filter: undefined,
      backlog: undefined,
      resume: undefined,
    });
    assert.equal(query("fields.user=").filter?.key, JSON.stringify([null, null, null, [["user", ""]]]));
  });

  test("the resume point: header first (EventSource's reconnect), then last_event_id; malformed is absent", () => {
    assert.deepEqual(query("last_event_id=abc-3").resume, { run: "abc", seq: 3 });
    assert.deepEqual(query("last_event_id=abc-3", "abc-9").resume, { run: "abc", seq: 9 });
    assert.deepEqual(query("last_event_id=abc-3", "garbage").resume, { run: "abc", seq: 3 });
    assert.equal(query("last_event_id=nonsense").resume, undefined);
  });

  const errors: [string, string][] = [
    [
      "level=loud",
      'level: got "loud", expected one of trace, debug, info, warn, error, fatal (the minimum level)',
    ],
    ["backlog=-1", 'backlog: got "-1", expected a non-negative integer'],
    ["backlog=ten", 'backlog: got "ten", expected a non-negative integer'],
    ["backlog=1.5", 'backlog: got "1.5", expected a non-negative integer'],
    [
      "lvl=warn",
      "lvl: unknown parameter, expected level, source, q, fields.<key>, backlog, since, last_event_id or token",
    ],
    [
      "level=warn&level=error",
      "level: given more than once, expected it at most once (only source may repeat)",
    ],
    ["q=/[/", `q: got "/[/": missing closing ]: \`[\`; expected ${SUPPORTED_SYNTAX}`],
    ["fields.=x", "fields.: expected a field name such as fields.user or fields.http.status"],
  ];
  for (const [text, detail] of errors) {
    test(`invalid: ${text}`, () =>
      assert.equal(
        detailOf(() => query(text)),
        detail,
      ));
  }
});

describe("TCP options line", () => {
  test("every key", () => {
    const request = requestFromJsonLine(
      '{"filter":{"level":"warn","source":["a*.log"],"q":"x","fields":{"user":"al","n":7,"ok":true}},"backlog":3,"token":"t"}',
    );
    assert.equal(request.backlog, 3);
    assert.equal(request.resume, undefined);
    assert.equal(
      request.filter?.key,
      JSON.stringify([
        3,
        ["a*.log"],
        "x",
        [
          ["n", "7"],
          ["ok", "true"],
          ["user", "al"],
        ],
      ]),
    );
  });

  test("a single source glob as a string; an empty object is no filter", () => {
    assert.ok(requestFromJsonLine('{"filter":{"source":"a.log"}}').filter);
    assert.deepEqual(requestFromJsonLine("{}"), { filter: undefined, backlog: undefined, resume: undefined });
  });

  const errors: [string, string][] = [
    [
      "{nope",
      `the first line is not valid JSON (${jsonError("{nope")}), expected an object such as {"filter":{"level":"warn"},"backlog":100}`,
    ],
    ["[1]", "the first line: got [1], expected a JSON object"],
    ['{"filters":{}}', "filters: unknown key, expected filter, backlog, since or token"],
    ['{"filter":"warn"}', 'filter: got "warn", expected a JSON object'],
    ['{"filter":{"lvl":"warn"}}', "filter.lvl: unknown key, expected level, source, q or fields"],
    ['{"filter":{"level":3}}', "filter.level: got 3, expected a string"],
    [
      '{"filter":{"level":"loud"}}',
      'filter.level: got "loud", expected one of trace, debug, info, warn, error, fatal (the minimum level)',
    ],
    ['{"filter":{"source":[]}}', "filter.source: got [], expected a glob or a non-empty list of globs"],
    ['{"filter":{"source":[1]}}', "filter.source: got [1], expected a glob or a non-empty list of globs"],
    [
      '{"filter":{"q":"/(?<=a)b/"}}',
      `filter.q: got "/(?<=a)b/": lookbehind (?<=…) is not supported; expected ${SUPPORTED_SYNTAX}`,
    ],
    ['{"filter":{"fields":[]}}', "filter.fields: got [], expected a JSON object"],
    [
      '{"filter":{"fields":{"http":{"method":"GET"}}}}',
      'filter.fields.http: got {"method":"GET"}, expected a string, number or boolean (a nested field is written "a.b")',
    ],
    ['{"backlog":-2}', "backlog: got -2, expected a non-negative integer"],
    ['{"backlog":"10"}', 'backlog: got "10", expected a non-negative integer'],
    ['{"token":5}', "token: got 5, expected a string"],
  ];
  for (const [line, detail] of errors) {
    test(`invalid: ${line}`, () =>
      assert.equal(
        detailOf(() => requestFromJsonLine(line)),
        detail,
      ));
  }
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe('since (SSE ?since=, TCP "since")', () => {
  const now = Date.parse("2026-12-06T21:00:00.000Z");
  const expected =
    "expected a duration (a whole number of s, m or h: 15m) or an RFC 3339 time (2026-01-01T12:00:00Z)";

  const valid: [string, string][] = [
    ["15m", "2026-12-06T20:45:00.000000Z"],
    ["30s", "2026-12-06T20:59:30.000000Z"],
    ["2h", "2026-12-06T19:00:00.000000Z"],
    ["0s", "2026-12-06T21:00:00.000000Z"],
    ["2026-12-06T20:30:00Z", "2026-12-06T20:30:00.000000Z"],
    ["2026-12-06T22:30:00.25+02:00", "2026-12-06T20:30:00.250000Z"],
    // before 1970: everything held is after it
    ["999999999h", "1970-01-01T00:00:00.000000Z"],
  ];
  for (const [text, time] of valid) {
    test(`${text} → ${time}`, () => assert.equal(parseSince(text, "since", now), time));
  }

  test("from the query string and from the options line, as the entries' time text", () => {
    assert.equal(
      requestFromQuery(new URLSearchParams("since=15m"), null, now).since,
      "2026-12-06T20:45:00.000000Z",
    );
    assert.equal(requestFromJsonLine('{"since":"1h","backlog":5}', now).since, "2026-12-06T20:00:00.000000Z");
    assert.equal(query("since=").since, undefined, "an empty value is absent");
  });

  const invalid = [
    "15",
    "15d",
    "-5m",
    "1.5h",
    "yesterday",
    "2026-12-06T20:30:00",
    "2026-12-06",
    "2026-13-01T00:00:00Z",
  ];
  for (const text of invalid) {
    test(`invalid: since=${text}`, () => {
      assert.equal(
        detailOf(() => query(`since=${encodeURIComponent(text)}`)),
        `since: got ${JSON.stringify(text)}, ${expected}`,
      );
      assert.equal(
        detailOf(() => requestFromJsonLine(JSON.stringify({ since: text }))),
        `since: got ${JSON.stringify(text)}, ${expected}`,
      );
    });
  }

  test("invalid: a number in the options line", () => {
    assert.equal(
      detailOf(() => requestFromJsonLine('{"since":15}')),
      `since: got 15, ${expected}`,
    );
  });
});
