import assert from "node:assert/strict";
import { test } from "node:test";
import { globToRegExp } from "./glob.ts";

const cases: Array<[glob: string, name: string, matches: boolean]> = [
  ["*.log", "app.log", true],
  ["*.log", "app.log.1", false],
  ["*.log", ".hidden.log", true],
  ["*.log", "app.txt", false],
  ["error*.log", "error-2024.log", true],
  ["error*.log", "app-error.log", false],
  ["app-?.log", "app-1.log", true],
  ["app-?.log", "app-12.log", false],
  ["[ab]*.log", "b.log", true],
  ["[ab]*.log", "c.log", false],
  ["[!ab]*.log", "c.log", true],
  ["[!ab]*.log", "a.log", false],
  ["*.{log,txt}", "x.txt", true],
  ["*.{log,txt}", "x.csv", false],
  ["a+b(1).log", "a+b(1).log", true],
  ["a+b(1).log", "aab1.log", false],
  ["[unclosed.log", "[unclosed.log", true],
  ["{open.log", "{open.log", true],
  ["*", "anything", true],
];

for (const [glob, name, matches] of cases) {
  test(`glob ${glob} ${matches ? "matches" : "does not match"} ${name}`, () => {
    assert.equal(globToRegExp(glob).test(name), matches);
  });
}
