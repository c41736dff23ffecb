import assert from "node:assert/strict";
import { test } from "node:test";
import { sourceChoices, sourcesSummary } from "./source-picker.ts";

test("the picker's label: all, the one source, or how many", () => {
  assert.equal(sourcesSummary([]), "all sources");
  assert.equal(sourcesSummary(["api.log"]), "api.log");
  assert.equal(sourcesSummary(["api.log", "worker.log"]), "2 sources");
});

test("the choices: what the server follows and what is picked, once each, sorted", () => {
  assert.deepEqual(sourceChoices(["b.log", "a.log"], ["gone.log", "a.log"]), ["a.log", "b.log", "gone.log"]);
});
