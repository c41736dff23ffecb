import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Level } from "../wire/contract.ts";
import { normalizeLevel } from "./levels.ts";

describe("normalizeLevel", () => {
  const cases: [unknown, Level | undefined][] = [
    ["trace", "trace"],
    ["TRC", "trace"],
    ["debug", "debug"],
    ["dbg", "debug"],
    ["info", "info"],
    ["INFO", "info"],
    ["inf", "info"],
    ["information", "info"],
    ["notice", "info"],
    ["warn", "warn"],
    ["WARNING", "warn"],
    ["Warning", "warn"],
    ["WRN", "warn"],
    ["error", "error"],
    ["ERR", "error"],
    ["fatal", "fatal"],
    ["CRITICAL", "fatal"],
    ["crit", "fatal"],
    ["panic", "fatal"],
    ["emerg", "fatal"],
    ["alert", "fatal"],
    [10, "trace"],
    [20, "debug"],
    [30, "info"],
    [40, "warn"],
    [50, "error"],
    [60, "fatal"],
    [35, undefined],
    [0, undefined],
    ["30", undefined],
    ["verbose", undefined],
    ["", undefined],
    ["constructor", undefined],
    ["__proto__", undefined],
    ["toString", undefined],
    [null, undefined],
    [{}, undefined],
    [["error"], undefined],
  ];
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(normalizeLevel(value), expected));
  }
});
