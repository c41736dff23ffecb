import assert from "node:assert/strict";
import { test } from "node:test";
import { closestName, didYouMean } from "./suggest.ts";

const names = ["tcp-port", "http-port", "enable-tcp", "enable-http", "check-interval"];

const cases: Array<[string, string | undefined]> = [
  ["tcp-prot", "tcp-port"],
  ["htp-port", "http-port"],
  ["enable-tpc", "enable-tcp"],
  ["ENABLE-HTTP", "enable-http"],
  ["check-intervall", "check-interval"],
  ["port", undefined],
  ["verbose", undefined],
];

for (const [name, expected] of cases) {
  test(`closestName(${name}) is ${expected}`, () => {
    assert.equal(closestName(name, names), expected);
  });
}

test("didYouMean formats the hint or nothing", () => {
  assert.equal(didYouMean("tcp-prot", names), "; did you mean tcp-port?");
  assert.equal(didYouMean("zzz", names), "");
});
