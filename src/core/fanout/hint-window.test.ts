import assert from "node:assert/strict";
import { test } from "node:test";
import { hintWindowMs, MAX_HINT_WINDOW_MS } from "./hint-window.ts";

test("the hint window grows with the clients: none for a few, 1 ms per 50, capped", () => {
  const cases: Array<[clients: number, windowMs: number]> = [
    [0, 0],
    [1, 0],
    [49, 0],
    [50, 1],
    [110, 2],
    [500, 10],
    [1100, 22],
    [1250, MAX_HINT_WINDOW_MS],
    [100_000, MAX_HINT_WINDOW_MS],
  ];
  for (const [clients, windowMs] of cases)
    assert.equal(hintWindowMs(clients), windowMs, `${clients} clients`);
});
