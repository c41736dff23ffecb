import assert from "node:assert/strict";
import { test } from "node:test";
import { settleWithin } from "./deadline.ts";

test("settleWithin: the promise's value when it comes first", async () => {
  assert.equal(await settleWithin(Promise.resolve("done"), 1000, "late"), "done");
});

test("settleWithin: the timeout's value when the promise never settles", async () => {
  assert.equal(await settleWithin(new Promise<string>(() => undefined), 5, "late"), "late");
});

test("settleWithin: a rejection is passed on", async () => {
  await assert.rejects(settleWithin(Promise.reject(new Error("boom")), 1000, "late"), /boom/);
});
