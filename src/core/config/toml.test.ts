import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTOML } from "confbox";
import { encodeTomlKey, encodeTomlString, encodeTomlValue } from "./toml.ts";

const strings: Array<[string, string]> = [
  ["plain", '"plain"'],
  ['say "hi"', '"say \\"hi\\""'],
  ["C:\\logs", '"C:\\\\logs"'],
  ["a\nb\tc\rd", '"a\\nb\\tc\\rd"'],
  ["\u0001\u001f\u007f", '"\\u0001\\u001F\\u007F"'],
  ["日志 ✓ 😀", '"日志 ✓ 😀"'],
  ["", '""'],
];

for (const [text, encoded] of strings) {
  test(`string ${JSON.stringify(text)} encodes as ${encoded} and parses back`, () => {
    assert.equal(encodeTomlString(text), encoded);
    assert.deepEqual(parseTOML(`value = ${encoded}\n`), { value: text });
  });
}

test("a lone surrogate, which TOML cannot hold, becomes U+FFFD", () => {
  const encoded = encodeTomlString("a\uD800b");
  assert.equal(encoded, '"a\uFFFDb"');
  assert.deepEqual(parseTOML(`value = ${encoded}\n`), { value: "a\uFFFDb" });
});

test("keys are bare when they can be, quoted otherwise", () => {
  assert.equal(encodeTomlKey("check_interval_ms"), "check_interval_ms");
  assert.equal(encodeTomlKey("with-dash"), "with-dash");
  assert.equal(encodeTomlKey("a.b"), '"a.b"');
  assert.equal(encodeTomlKey("has space"), '"has space"');
  assert.deepEqual(parseTOML(`${encodeTomlKey("a.b")} = 1\n`), { "a.b": 1 });
});

test("integers, booleans and arrays", () => {
  assert.equal(encodeTomlValue(0), "0");
  assert.equal(encodeTomlValue(-5), "-5");
  assert.equal(encodeTomlValue(Number.MAX_SAFE_INTEGER), "9007199254740991");
  assert.equal(encodeTomlValue(true), "true");
  assert.equal(encodeTomlValue(false), "false");
  assert.equal(encodeTomlValue(["a", 1, false]), '["a", 1, false]');
  assert.deepEqual(parseTOML(`v = ${encodeTomlValue(["a", "b"])}\n`), { v: ["a", "b"] });
});

test("what a config never holds is refused rather than written wrong", () => {
  for (const value of [1.5, Number.NaN, null, undefined, { a: 1 }, 2 ** 60]) {
    assert.throws(() => encodeTomlValue(value), /no TOML encoding/, JSON.stringify(value));
  }
});
