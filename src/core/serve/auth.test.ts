import assert from "node:assert/strict";
import { test } from "node:test";
import { bearerToken, FirstLineReader, isLoopback, TokenCheck } from "./auth.ts";

const encode = (text: string) => new TextEncoder().encode(text);

test("TokenCheck accepts the token and nothing else", async () => {
  const check = new TokenCheck("s3cret");
  assert.equal(await check.matches("s3cret"), true);
  for (const other of ["", "s3cre", "s3crett", "S3CRET", "s3cret ", "x".repeat(10_000)]) {
    assert.equal(await check.matches(other), false, JSON.stringify(other.slice(0, 20)));
  }
});

test("bearerToken reads the Bearer scheme only", () => {
  const cases: [string | null | undefined, string | undefined][] = [
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["  BEARER   abc  ", "abc"],
    ["Basic abc", undefined],
    ["Bearer", undefined],
    ["Bearer a b", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) assert.equal(bearerToken(header), expected, String(header));
});

test("FirstLineReader joins chunks up to the first newline and drops one CR", () => {
  const reader = new FirstLineReader();
  assert.equal(reader.push(encode("s3")), undefined);
  assert.equal(reader.push(encode("cr")), undefined);
  assert.equal(reader.push(encode("et\r\nignored after")), "s3cret");
  assert.equal(new FirstLineReader().push(encode("\n")), "");
});

test("FirstLineReader gives up on a line longer than its limit", () => {
  const reader = new FirstLineReader(8);
  assert.equal(reader.push(encode("12345")), undefined);
  assert.equal(reader.push(encode("6789")), null);
  assert.equal(new FirstLineReader(8).push(encode("12345678\n")), "12345678");
});

test("FirstLineReader keeps its own copy of each chunk", () => {
  const reader = new FirstLineReader();
  const buffer = encode("abc");
  reader.push(buffer);
  buffer.set(encode("xyz"));
  assert.equal(reader.push(encode("\n")), "abc");
});

test("isLoopback: only addresses this machine alone can reach", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "128.0.0.1"]) {
    assert.equal(isLoopback(host), false, host);
  }
});
