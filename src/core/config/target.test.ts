import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTarget, parseTargetList, type TargetReading } from "./target.ts";

const cases: Array<[string, TargetReading]> = [
  ["/var/log", { ok: true, target: { path: "/var/log" } }],
  ["/var/log:*.log", { ok: true, target: { path: "/var/log", pattern: "*.log" } }],
  ["/app/logs:error*.log", { ok: true, target: { path: "/app/logs", pattern: "error*.log" } }],
  ["./app.log::true", { ok: true, target: { path: "./app.log", is_file: true } }],
  ["./dir:*.txt:false", { ok: true, target: { path: "./dir", pattern: "*.txt", is_file: false } }],
  ["./a.log::YES", { ok: true, target: { path: "./a.log", is_file: true } }],
  ["./a:", { ok: true, target: { path: "./a" } }],
  ["::true", { ok: true, target: { path: "", is_file: true } }],
  [
    "./a.log::maybe",
    { ok: false, field: "is_file", value: "maybe", expected: "true or false (also 1/0, yes/no, on/off)" },
  ],
  [
    "a:b:true:x",
    {
      ok: false,
      field: "target",
      value: "a:b:true:x",
      expected: "path[:pattern[:isfile]] with at most two ':'",
    },
  ],
];

for (const [text, expected] of cases) {
  test(`parseTarget(${JSON.stringify(text)})`, () => {
    assert.deepEqual(parseTarget(text), expected);
  });
}

test("parseTargetList splits on commas, trims, skips blanks", () => {
  assert.deepEqual(parseTargetList(" /a:*.log , ./b.log::true,"), [
    { ok: true, target: { path: "/a", pattern: "*.log" } },
    { ok: true, target: { path: "./b.log", is_file: true } },
  ]);
  assert.deepEqual(parseTargetList(""), []);
});
