import assert from "node:assert/strict";
import { test } from "node:test";
import { downloadName, ndjson } from "./download.ts";
import { entryRow, markerRow, type Row } from "./log-entry.ts";

test("NDJSON: one entry per line, keys in the stream's order, markers left out", () => {
  const rows: Row[] = [
    entryRow(
      { time: "2026-12-06T21:00:00.000000Z", source: "api.log", message: "one", level: "warn" },
      "r-1",
    ),
    markerRow("reconnected"),
    entryRow(
      { time: "2026-12-06T21:00:01.000000Z", source: "a.log", message: 'two "q"', fields: { n: 1 } },
      "r-2",
    ),
  ];
  assert.equal(
    ndjson(rows),
    '{"time":"2026-12-06T21:00:00.000000Z","source":"api.log","level":"warn","message":"one"}\n' +
      '{"time":"2026-12-06T21:00:01.000000Z","source":"a.log","message":"two \\"q\\"","fields":{"n":1}}\n',
  );
  assert.equal(ndjson([]), "");
});

test("the file is named with the UTC time", () => {
  assert.equal(downloadName(new Date("2026-12-06T21:08:16.789Z")), "logwisp-2026-12-06T21-08-16Z.ndjson");
});
