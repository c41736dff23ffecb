import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCount, formatDuration, formatTime, rowText } from "./format.ts";

test("time: HH:MM:SS.mmm in the viewer's zone; the date in front when it is not today", () => {
  const iso = "2026-11-26T09:14:03.512345Z";
  const local = new Date(Date.parse(iso));
  const clock = `${String(local.getHours()).padStart(2, "0")}:${String(local.getMinutes()).padStart(2, "0")}:03.512`;
  assert.equal(formatTime(iso, local), clock);
  const nextWeek = new Date(local.getTime() + 7 * 86_400_000);
  const day = `${String(local.getMonth() + 1).padStart(2, "0")}-${String(local.getDate()).padStart(2, "0")}`;
  assert.equal(formatTime(iso, nextWeek), `${day} ${clock}`);
  assert.equal(formatTime("yesterday-ish"), "yesterday-ish");
});

test("counts with separators, durations in ms, s or min", () => {
  assert.equal(formatCount(100000), "100,000");
  assert.equal(formatDuration(250), "250 ms");
  assert.equal(formatDuration(4000), "4 s");
  assert.equal(formatDuration(125_000), "2 min 5 s");
});

test("a row's text: one space per line break or tab (highlights stay in place), cut long", () => {
  assert.equal(rowText("a\r\nb\tc"), "a  b c");
  assert.equal(rowText("x".repeat(10), 4), "xxxx…");
});
