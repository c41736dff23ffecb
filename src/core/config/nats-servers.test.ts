import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNatsServers } from "./nats-servers.ts";

test("parseNatsServers: one or more servers, scheme and port defaulted", () => {
  assert.deepEqual(parseNatsServers("nats://127.0.0.1:4222"), ["nats://127.0.0.1:4222"]);
  assert.deepEqual(parseNatsServers("localhost"), ["nats://localhost:4222"]);
  assert.deepEqual(parseNatsServers("a:1, tls://b.example:7422"), ["nats://a:1", "tls://b.example:7422"]);
  assert.deepEqual(parseNatsServers("[::1]:4223"), ["nats://[::1]:4223"]);
});

test("parseNatsServers: anything malformed is refused", () => {
  for (const text of [
    "",
    "nats://",
    "http://a:4222",
    "nats://a:99999",
    "nats://a:x",
    "a:4222,",
    "nats://user:pw@a:4222",
    "nats://a:4222/path",
    "nats://a b",
  ]) {
    assert.equal(parseNatsServers(text), undefined, text);
  }
});
