import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBoolean, parseInteger } from "./scalar.ts";

const booleans: Array<[string, boolean | undefined]> = [
  ["true", true],
  ["TRUE", true],
  ["1", true],
  ["yes", true],
  ["Yes", true],
  ["on", true],
  ["false", false],
  ["False", false],
  ["0", false],
  ["no", false],
  ["off", false],
  ["OFF", false],
  ["", undefined],
  ["maybe", undefined],
  ["2", undefined],
  ["constructor", undefined],
  ["t", undefined],
];

for (const [text, expected] of booleans) {
  test(`parseBoolean(${JSON.stringify(text)}) is ${expected}`, () => {
    assert.equal(parseBoolean(text), expected);
  });
}

const integers: Array<[string, number | undefined]> = [
  ["0", 0],
  ["8080", 8080],
  ["-5", -5],
  ["007", 7],
  [" 42 ", 42],
  ["", undefined],
  ["abc", undefined],
  ["1.5", undefined],
  ["1e3", undefined],
  ["0x10", undefined],
  ["+5", undefined],
  ["12abc", undefined],
  ["99999999999999999999", undefined],
];

for (const [text, expected] of integers) {
  test(`parseInteger(${JSON.stringify(text)}) is ${expected}`, () => {
    assert.equal(parseInteger(text), expected);
  });
}
