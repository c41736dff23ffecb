import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  encodeJsonLine,
  encodeJsonLines,
  encodeSseComment,
  encodeSseData,
  encodeSseDataFrames,
  encodeSseEvent,
  endOfFrames,
} from "./framing.ts";

const decoder = new TextDecoder();
const text = (bytes: Uint8Array): string => decoder.decode(bytes);

describe("encodeJsonLine", () => {
  const cases: [string, string][] = [
    ['{"a":1}', '{"a":1}\n'],
    ["", "\n"],
    ['{"m":"é😀"}', '{"m":"é😀"}\n'],
  ];
  for (const [json, expected] of cases) {
    test(JSON.stringify(json), () => assert.equal(text(encodeJsonLine(json)), expected));
  }
  test("encodes UTF-8", () => assert.deepEqual([...encodeJsonLine("é")], [0xc3, 0xa9, 0x0a]));
});

describe("encodeSseData", () => {
  const cases: [string, string | undefined, string][] = [
    ['{"a":1}', undefined, 'data: {"a":1}\n\n'],
    ['{"a":1}', "42", 'id: 42\ndata: {"a":1}\n\n'],
    ["", undefined, "data: \n\n"],
    [" leading space kept", undefined, "data:  leading space kept\n\n"],
    ["a\nb", undefined, "data: a\ndata: b\n\n"],
    ["a\r\nb", undefined, "data: a\ndata: b\n\n"],
    ["a\rb", undefined, "data: a\ndata: b\n\n"],
    ["a\n\nb\n", undefined, "data: a\ndata: \ndata: b\ndata: \n\n"],
    ["x", "4\n2", "id: 42\ndata: x\n\n"],
    ["x", "", "id: \ndata: x\n\n"],
  ];
  for (const [data, id, expected] of cases) {
    test(`${JSON.stringify(data)} id=${JSON.stringify(id)}`, () =>
      assert.equal(text(encodeSseData(data, id)), expected));
  }
});

describe("encodeSseEvent", () => {
  const cases: [string, string, string][] = [
    ["connected", '{"client_id":"c1"}', 'event: connected\ndata: {"client_id":"c1"}\n\n'],
    ["multi", "one\ntwo\r\nthree", "event: multi\ndata: one\ndata: two\ndata: three\n\n"],
    ["forged\r\ndata: x", "y", "event: forgeddata: x\ndata: y\n\n"],
    ["empty", "", "event: empty\ndata: \n\n"],
  ];
  for (const [event, data, expected] of cases) {
    test(`${event}`, () => assert.equal(text(encodeSseEvent(event, data)), expected));
  }
});

describe("encodeSseComment", () => {
  const cases: [string, string][] = [
    ["heartbeat", ": heartbeat\n\n"],
    ["", ": \n\n"],
    ["a\nb\rc", ": a\n: b\n: c\n\n"],
  ];
  for (const [comment, expected] of cases) {
    test(JSON.stringify(comment), () => assert.equal(text(encodeSseComment(comment)), expected));
  }
});

describe("encodeSseDataFrames and endOfFrames", () => {
  const entries = ['{"n":1}', '{"m":"a\\nb"}', '{"n":4}'].map((json, i) => ({
    seq: i + 7,
    json,
    source: "",
    level: -1,
  }));
  // another process's text (served from a stream) may break lines; this one's serialised JSON does not
  const streamed = [
    { seq: 0, json: "two\nlines\rthree", source: "", level: -1, position: { seq: 5, index: 1 } },
  ];
  const local = encodeSseDataFrames(entries, "r-");
  const sse = new Uint8Array([...local, ...encodeSseDataFrames(streamed, "s-")]);
  const frames = [
    'id: r-7\ndata: {"n":1}\n\n',
    'id: r-8\ndata: {"m":"a\\nb"}\n\n',
    'id: r-9\ndata: {"n":4}\n\n',
    "id: s-5.1\ndata: two\ndata: lines\ndata: three\n\n",
  ];
  test("each SSE frame carries its id line before its data lines; a streamed entry's line breaks split it", () =>
    assert.equal(text(sse), frames.join("")));
  test("JSON lines carry no id", () =>
    assert.equal(text(encodeJsonLines(entries.slice(0, 2))), '{"n":1}\n{"m":"a\\nb"}\n'));
  for (let count = 0; count <= frames.length; count++) {
    test(`the first ${count} SSE frames end where the ${count}th blank line does`, () =>
      assert.equal(text(sse.subarray(0, endOfFrames(sse, count, "sse"))), frames.slice(0, count).join("")));
  }
  test("asking for more frames than there are gives all the bytes", () =>
    assert.equal(endOfFrames(sse, 9, "sse"), sse.length));
});
