import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../../_testing/seeded-random.ts";
import { DECODE_WINDOW_BYTES, type LineFlags, LineSplitter, utf8Boundary } from "./lines.ts";

type Emitted = [text: string, flags: LineFlags | undefined];

function split(
  chunks: Array<string | Uint8Array>,
  maxLineBytes = 1024,
): { lines: Emitted[]; splitter: LineSplitter } {
  const lines: Emitted[] = [];
  const splitter = new LineSplitter(maxLineBytes, (text, flags) => lines.push([text, flags]));
  const encoder = new TextEncoder();
  for (const chunk of chunks) splitter.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
  return { lines, splitter };
}

const texts = (lines: Emitted[]) => lines.map(([text]) => text);

test("splits on newlines and holds the unfinished last line", () => {
  const { lines, splitter } = split(["a\nb\nc"]);
  assert.deepEqual(texts(lines), ["a", "b"]);
  assert.equal(splitter.pendingBytes, 1);
});

test("a line split across chunks is joined", () => {
  assert.deepEqual(texts(split(["hel", "lo wo", "rld\nnext\n"]).lines), ["hello world", "next"]);
});

test("a character split across chunks is decoded whole", () => {
  const euro = new TextEncoder().encode("€\n"); // e2 82 ac 0a
  const { lines } = split([euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)]);
  assert.deepEqual(texts(lines), ["€"]);
});

test("invalid UTF-8 becomes U+FFFD and the next line still arrives", () => {
  const { lines } = split([new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a]), "good\n"]);
  assert.deepEqual(texts(lines), ["a\uFFFD\uFFFDb", "good"]);
});

test("one trailing carriage return is removed, others kept", () => {
  assert.deepEqual(texts(split(["crlf\r\n", "two\r\r\n"]).lines), ["crlf", "two\r"]);
});

test("empty lines and lone CRs are skipped", () => {
  assert.deepEqual(texts(split(["\n\n\r\nx\n\n"]).lines), ["x"]);
});

test("a NUL inside a line is kept", () => {
  assert.deepEqual(texts(split(["a\u0000b\n"]).lines), ["a\u0000b"]);
});

test("a line over maxLineBytes within one chunk is cut once and marked truncated", () => {
  const { lines } = split([`${"x".repeat(20)}\nok\n`], 8);
  assert.deepEqual(lines, [
    ["xxxxxxxx", { truncated: true }],
    ["ok", undefined],
  ]);
});

test("a long line arriving in pieces is emitted once, the rest skipped up to its newline", () => {
  const { lines, splitter } = split(["xxxxx", "xxxxx", "xxxxx", "xxxxx", "x\nafter\n"], 8);
  assert.deepEqual(lines, [
    ["xxxxxxxx", { truncated: true }],
    ["after", undefined],
  ]);
  assert.equal(splitter.pendingBytes, 0);
});

test("memory stays bounded while skipping the rest of a long line", () => {
  const { splitter } = split(["y".repeat(100), "y".repeat(100), "y".repeat(100)], 16);
  assert.equal(splitter.pendingBytes, 0);
});

test("a held line plus its tail over the limit is cut", () => {
  const { lines } = split(["abcdef", "ghijkl\nz\n"], 8);
  assert.deepEqual(lines, [
    ["abcdefgh", { truncated: true }],
    ["z", undefined],
  ]);
});

test("truncation cuts on a character boundary", () => {
  const { lines } = split(["aa€€€\n"], 6); // a a e2 82 ac e2 | 82 ac ...
  assert.deepEqual(lines, [["aa€", { truncated: true }]]);
});

test("flushPartial emits the held line marked partial, once", () => {
  const { lines, splitter } = split(["done\nhalf"]);
  splitter.flushPartial();
  splitter.flushPartial();
  assert.deepEqual(lines, [
    ["done", undefined],
    ["half", { partial: true }],
  ]);
});

test("resetAfterTruncation drops the held line and skips a leading run of NULs", () => {
  const { lines, splitter } = split(["old partial"]);
  splitter.resetAfterTruncation();
  splitter.push(new Uint8Array([0, 0, 0]));
  splitter.push(new Uint8Array([0, 0x6e, 0x65, 0x77, 0x0a, 0, 0x0a]));
  assert.deepEqual(texts(lines), ["new", "\u0000"]);
});

test("skipToNextLine drops bytes up to the next newline", () => {
  const { lines, splitter } = split([]);
  splitter.skipToNextLine();
  splitter.push(new TextEncoder().encode("tail of a line\nwhole\n"));
  assert.deepEqual(texts(lines), ["whole"]);
});

test("utf8Boundary backs off continuation bytes only", () => {
  const bytes = new TextEncoder().encode("a€b"); // 61 e2 82 ac 62
  assert.equal(utf8Boundary(bytes, 1), 1);
  assert.equal(utf8Boundary(bytes, 2), 1);
  assert.equal(utf8Boundary(bytes, 3), 1);
  assert.equal(utf8Boundary(bytes, 4), 4);
  assert.equal(utf8Boundary(bytes, 10), 5);
});

test("lines decoded a chunk at a time are the lines decoded one by one, whatever the bytes and the cuts", () => {
  const random = mulberry32(42);
  // newlines, CRs, NULs, ASCII, multi-byte characters and their pieces, invalid bytes
  const pieces = [
    [0x0a],
    [0x0d],
    [0x0d, 0x0a],
    [0x00],
    [0x61],
    [0x62, 0x63],
    [0xe2, 0x82, 0xac],
    [0xe2, 0x82],
  ];
  pieces.push([0xf0, 0x9f, 0x98, 0x80], [0xff], [0x80], [0xef, 0xbb, 0xbf]);
  for (let round = 0; round < 200; round++) {
    const bytes: number[] = [];
    while (bytes.length < 2000) bytes.push(...(pieces[Math.floor(random() * pieces.length)] as number[]));
    const input = new Uint8Array(bytes);
    const cuts: Uint8Array[] = [];
    for (let at = 0; at < input.length; ) {
      const size = 1 + Math.floor(random() * 300);
      cuts.push(input.subarray(at, at + size));
      at += size;
    }
    const oneByOne = split(
      [...input].map((byte) => new Uint8Array([byte])),
      1 << 20,
    );
    const chunked = split(cuts, 1 << 20);
    assert.deepEqual(chunked.lines, oneByOne.lines, `round ${round}`);
    assert.equal(chunked.splitter.pendingBytes, oneByOne.splitter.pendingBytes, `round ${round}`);
  }
});

test("a chunk larger than the decode window gives the lines of the same bytes taken one by one", () => {
  // lines of every length around the window (one longer than it), multi-byte characters at the cuts
  const encoder = new TextEncoder();
  const lines: string[] = [];
  for (let length = 1; lines.join("\n").length < 4 * DECODE_WINDOW_BYTES; length = (length * 7 + 3) % 5000)
    lines.push("é€x".repeat(length).slice(0, length));
  lines.push("y".repeat(DECODE_WINDOW_BYTES + 10), "after the long one");
  const bytes = encoder.encode(`${lines.join("\n")}\nunfinished`);
  const oneByOne = split(
    [...bytes].map((byte) => new Uint8Array([byte])),
    1 << 20,
  );
  const whole = split([bytes], 1 << 20);
  assert.deepEqual(whole.lines, oneByOne.lines);
  assert.deepEqual(
    texts(whole.lines),
    lines.filter((line) => line.length > 0),
  );
  assert.equal(whole.splitter.pendingBytes, "unfinished".length);
  // with a limit under the window, the windows shrink to it: nothing is cut that would not be anyway
  assert.deepEqual(
    split([bytes], 3000).lines,
    split(
      [...bytes].map((byte) => new Uint8Array([byte])),
      3000,
    ).lines,
  );
});
