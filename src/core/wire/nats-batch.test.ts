import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BatchOrigin,
  batchHeaders,
  batchMsgId,
  COUNT_HEADER,
  decodeBatch,
  encodeBatch,
  parseBatchOrigin,
} from "./nats-batch.ts";

const origin: BatchOrigin = {
  host: "web-1",
  file: { dev: 2049, ino: 131, prefixLength: 1024, prefixHash: 0xdeadbeef },
  start: 100,
  end: 250,
};

test("the payload is the entries' JSON texts joined by newlines, and back", () => {
  const entries = ['{"message":"a"}', '{"message":"b\\nc"}', "{}"];
  const data = encodeBatch(entries);
  assert.equal(new TextDecoder().decode(data), '{"message":"a"}\n{"message":"b\\nc"}\n{}');
  assert.deepEqual(decodeBatch(data), entries);
  assert.deepEqual(decodeBatch(new Uint8Array(0)), []);
});

test("the msg id names host, file identity, start and end: a longer batch from the same start differs", () => {
  assert.equal(batchMsgId(origin), "web-1:2049:131:1024:deadbeef:100-250");
  assert.notEqual(batchMsgId(origin), batchMsgId({ ...origin, end: 300 }));
  assert.notEqual(batchMsgId(origin), batchMsgId({ ...origin, host: "web-2" }));
  assert.notEqual(batchMsgId(origin), batchMsgId({ ...origin, file: { ...origin.file, prefixHash: 1 } }));
});

test("the headers give back the file and the range", () => {
  const headers = batchHeaders(origin, 3);
  assert.equal(headers.get(COUNT_HEADER), "3");
  assert.deepEqual(parseBatchOrigin(headers), { file: origin.file, start: 100, end: 250 });
  assert.equal(parseBatchOrigin(new Map()), undefined);
  assert.equal(parseBatchOrigin(new Map([["Logwisp-File", "x"]])), undefined);
});
