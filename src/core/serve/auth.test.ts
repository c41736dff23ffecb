import assert from "node:assert/strict";
import { test } from "node:test";
import { bearerToken, isLoopback, TokenCheck } from "./auth.ts";

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

test("isLoopback: only addresses this machine alone can reach", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "128.0.0.1"]) {
    assert.equal(isLoopback(host), false, host);
  }
});
