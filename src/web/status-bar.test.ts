import assert from "node:assert/strict";
import { test } from "node:test";
import { countsText, describeState, type Tallies } from "./status-bar.ts";

test("the connection state in words, with the reason and the next try", () => {
  assert.equal(describeState({ kind: "live" }), "live");
  assert.equal(
    describeState({ kind: "reconnecting", reason: "the connection was lost", retryInMs: 2000 }),
    "reconnecting: the connection was lost (next try in 2 s)",
  );
  assert.equal(describeState({ kind: "error", reason: "invalid filter: q" }), "error: invalid filter: q");
  assert.equal(describeState({ kind: "unauthorized" }), "a token is needed");
});

test("the counts: shown, of how many when filtered, and how many the page let go", () => {
  const tallies: Tallies = {
    shown: 1200,
    held: 100_000,
    evicted: 0,
    maxRows: 100_000,
    filterActive: false,
    paused: false,
    waiting: 0,
    pageDrops: 0,
    totalDrops: 0,
    following: true,
    newBelow: 0,
  };
  assert.equal(countsText(tallies), "1,200 shown");
  assert.equal(countsText({ ...tallies, filterActive: true }), "1,200 shown of 100,000");
  assert.equal(
    countsText({ ...tallies, evicted: 5 }),
    "1,200 shown · 5 oldest let go (the page keeps 100,000)",
  );
});
