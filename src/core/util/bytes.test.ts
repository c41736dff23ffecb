import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { concatBytes } from "./bytes.ts";

describe("concatBytes", () => {
  const a = Uint8Array.of(1, 2);
  const b = Uint8Array.of(3);
  const c = new Uint8Array(0);
  const cases: [string, Uint8Array[], number | undefined, number[]][] = [
    ["none", [], undefined, []],
    ["one", [a], undefined, [1, 2]],
    ["several", [a, c, b, a], undefined, [1, 2, 3, 1, 2]],
    ["with the total given", [b, a], 3, [3, 1, 2]],
  ];
  for (const [name, chunks, total, expected] of cases) {
    test(name, () => assert.deepEqual([...concatBytes(chunks, total)], expected));
  }
  test("a single chunk is returned itself, not copied", () => assert.equal(concatBytes([a]), a));
  test("several chunks are copied into a new array", () => {
    const joined = concatBytes([a, b]);
    assert.notEqual(joined.buffer, a.buffer);
    assert.equal(joined.byteLength, 3);
  });
  test("a view into a larger buffer contributes only its own bytes", () => {
    const view = new Uint8Array(Uint8Array.of(9, 8, 7, 6).buffer, 1, 2);
    assert.deepEqual([...concatBytes([view, b])], [8, 7, 3]);
  });
});
