import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CLOCK_CHECK_MS, formatTimeMicros, formatTimeSeconds, normalizeTime, nowMicros } from "./time.ts";

describe("formatTimeMicros", () => {
  const cases: [number, string][] = [
    [0, "1970-01-01T00:00:00.000000Z"],
    [1, "1970-01-01T00:00:00.000001Z"],
    [1704110400123456, "2024-01-01T12:00:00.123456Z"],
    // same second again, another fraction: the cached prefix must not carry the old fraction
    [1704110400000007, "2024-01-01T12:00:00.000007Z"],
    [1704110401999999, "2024-01-01T12:00:01.999999Z"],
    [1704110400123456.5, "2024-01-01T12:00:00.123456Z"],
    [-1, "1969-12-31T23:59:59.999999Z"],
    [-62167219200000000, "0000-01-01T00:00:00.000000Z"],
    [253402300799000000, "9999-12-31T23:59:59.000000Z"],
  ];
  for (const [micros, expected] of cases) {
    test(`${micros} → ${expected}`, () => assert.equal(formatTimeMicros(micros), expected));
  }
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -Infinity, 1e20, -1e20]) {
    test(`${bad} throws a RangeError`, () => assert.throws(() => formatTimeMicros(bad), RangeError));
  }
});

describe("formatTimeSeconds", () => {
  const cases: [number, string][] = [
    [0, "1970-01-01T00:00:00Z"],
    [1704110400999, "2024-01-01T12:00:00Z"],
    [1704110401000, "2024-01-01T12:00:01Z"],
    [-1, "1969-12-31T23:59:59Z"],
  ];
  for (const [ms, expected] of cases) {
    test(`${ms} → ${expected}`, () => assert.equal(formatTimeSeconds(ms), expected));
  }
});

describe("nowMicros", () => {
  test("is the wall clock in whole microseconds", () => {
    const before = Date.now() * 1000;
    const now = nowMicros();
    const after = (Date.now() + 1) * 1000;
    assert.ok(Number.isInteger(now), `${now} is an integer`);
    // performance.timeOrigin may differ from Date.now() by a little; never by seconds
    assert.ok(now >= before - 1e6 && now <= after + 1e6, `${now} within a second of [${before}, ${after}]`);
  });
  test("does not go back between calls", () => {
    let previous = nowMicros();
    for (let i = 0; i < 10_000; i++) {
      const next = nowMicros();
      assert.ok(next >= previous, `${next} >= ${previous}`);
      previous = next;
    }
  });
  test("follows a step of the wall clock within CLOCK_CHECK_MS", async (t) => {
    const hourMs = 3_600_000;
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() + hourMs });
    const deadline = performance.now() + CLOCK_CHECK_MS * 10;
    let now = nowMicros();
    while (now < (Date.now() - 1000) * 1000 && performance.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      now = nowMicros();
    }
    assert.ok(Math.abs(now / 1000 - Date.now()) < 1000, `${now} follows the clock moved an hour ahead`);
    t.mock.timers.reset();
    // and back again once the clock is: later calls re-anchor on the real time
    const back = performance.now() + CLOCK_CHECK_MS * 10;
    while (nowMicros() > (Date.now() + 1000) * 1000 && performance.now() < back)
      await new Promise((resolve) => setImmediate(resolve));
    assert.ok(Math.abs(nowMicros() / 1000 - Date.now()) < 1000);
  });
  test("has sub-millisecond digits", () => {
    const samples = Array.from({ length: 200 }, () => nowMicros() % 1000);
    assert.ok(
      samples.some((micros) => micros !== 0),
      "some sample is not a whole millisecond",
    );
  });
});

describe("normalizeTime", () => {
  const noon = "2024-01-01T12:00:00";
  const cases: [unknown, string | undefined][] = [
    // RFC 3339 / ISO 8601, every fraction length: digits kept from the text, cut (not rounded) at 6
    ["2024-01-01T12:00:00Z", `${noon}.000000Z`],
    ["2024-01-01T12:00:00.1Z", `${noon}.100000Z`],
    ["2024-01-01T12:00:00.12Z", `${noon}.120000Z`],
    ["2024-01-01T12:00:00.123Z", `${noon}.123000Z`],
    ["2024-01-01T12:00:00.1234Z", `${noon}.123400Z`],
    ["2024-01-01T12:00:00.12345Z", `${noon}.123450Z`],
    ["2024-01-01T12:00:00.123456Z", `${noon}.123456Z`],
    ["2024-01-01T12:00:00.1234567Z", `${noon}.123456Z`],
    ["2024-01-01T12:00:00.12345678Z", `${noon}.123456Z`],
    ["2024-01-01T12:00:00.999999999Z", `${noon}.999999Z`],
    ["2024-01-01T12:00:00,5Z", `${noon}.500000Z`],
    ["2024-01-01t12:00:00z", `${noon}.000000Z`],
    ["2024-01-01 12:00:00Z", `${noon}.000000Z`],
    ["2024-01-01 12:00:00 UTC", `${noon}.000000Z`],
    ["2024-01-01T12:00Z", `${noon}.000000Z`],
    ["  2024-01-01T12:00:00Z  ", `${noon}.000000Z`],
    // offsets, converted to UTC
    ["2024-01-01T13:00:00+01:00", `${noon}.000000Z`],
    ["2024-01-01T13:00:00.654321+01:00", `${noon}.654321Z`],
    ["2024-01-01T06:30:00-05:30", `${noon}.000000Z`],
    ["2024-01-01T17:30:00+0530", `${noon}.000000Z`],
    ["2024-01-01T14:00:00+02", `${noon}.000000Z`],
    ["2024-01-01 13:00:00 +01:00", `${noon}.000000Z`],
    ["2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00.000000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000Z"],
    ["2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000000Z"],
    // epoch numbers, unit by magnitude
    [1704110400, `${noon}.000000Z`],
    [1704110400.123, `${noon}.123000Z`],
    [1704110400.123456, `${noon}.123456Z`],
    [1704110400123, `${noon}.123000Z`],
    [1704110400123.5, `${noon}.123500Z`],
    [1704110400123456, `${noon}.123456Z`],
    [1704110400123456000, `${noon}.123456Z`],
    [100000000, "1973-03-03T09:46:40.000000Z"],
    // numeric strings, read digit by digit so nanoseconds keep their microseconds
    ["1704110400", `${noon}.000000Z`],
    ["1704110400.123456", `${noon}.123456Z`],
    ["1704110400.1234569", `${noon}.123456Z`],
    ["1704110400123", `${noon}.123000Z`],
    ["1704110400123.456", `${noon}.123456Z`],
    ["1704110400123456", `${noon}.123456Z`],
    ["1704110400123456789", `${noon}.123456Z`],
    // not times
    ["", undefined],
    ["garbage", undefined],
    ["yesterday at noon", undefined],
    ["2024-01-01", undefined],
    ["2024-13-01T00:00:00Z", undefined],
    ["2024-00-01T00:00:00Z", undefined],
    ["2023-02-29T00:00:00Z", undefined],
    ["2024-04-31T00:00:00Z", undefined],
    ["2024-01-01T24:00:00Z", undefined],
    ["2024-01-01T12:60:00Z", undefined],
    ["2024-01-01T12:00:61Z", undefined],
    ["2024-01-01T12:00:00+24:00", undefined],
    ["2024-01-01T12:00:00+01:60", undefined],
    ["2024-01-01T12:00:00.Z", undefined],
    ["2024-01-01T12:00:00Z trailing", undefined],
    ["9999-12-31T23:59:59-01:00", undefined],
    ["-1704110400", undefined],
    ["1e9", undefined],
    ["12", undefined],
    ["99999999999999999999999", undefined],
    [0, undefined],
    [5, undefined],
    [-1704110400, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [1e30, undefined],
    [null, undefined],
    [undefined, undefined],
    [true, undefined],
    [{}, undefined],
    [[1704110400], undefined],
  ];
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value) ?? String(value)} → ${expected}`, () => {
      assert.equal(normalizeTime(value), expected);
    });
  }

  test("a time without an offset is the host's local time, as JavaScript reads it", () => {
    const expected = new Date(2024, 0, 1, 12, 0, 0).getTime() * 1000 + 123456;
    assert.equal(normalizeTime("2024-01-01T12:00:00.123456"), formatTimeMicros(expected));
    assert.equal(normalizeTime("2024-01-01 12:00:00,123456"), formatTimeMicros(expected));
  });
});

test("formatTimeMicros: the last time kept for a batch's lines never leaks into another time", () => {
  const a = 1_700_000_000_123_456;
  const b = a + 1;
  const c = a + 2_000_000;
  assert.deepEqual([a, a, b, a, c, c, b].map(formatTimeMicros), [
    "2023-11-14T22:13:20.123456Z",
    "2023-11-14T22:13:20.123456Z",
    "2023-11-14T22:13:20.123457Z",
    "2023-11-14T22:13:20.123456Z",
    "2023-11-14T22:13:22.123456Z",
    "2023-11-14T22:13:22.123456Z",
    "2023-11-14T22:13:20.123457Z",
  ]);
});
