import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeConnection } from "../../_testing/fake-connection.ts";
import { FirstLineReader, readFirstLine } from "./first-line.ts";

const encode = (text: string) => new TextEncoder().encode(text);

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

test("readFirstLine: the line, sent in pieces before the deadline", async () => {
  const client = fakeConnection();
  const answer = readFirstLine(client.connection, { timeoutMs: 1000 });
  client.send("tok");
  client.send("en\r\nand more");
  assert.deepEqual(await answer, { kind: "line", line: "token" });
});

test("readFirstLine: timeout, too long, closed", async () => {
  const silent = fakeConnection();
  assert.deepEqual(await readFirstLine(silent.connection, { timeoutMs: 10 }), { kind: "timeout" });
  const long = fakeConnection();
  const tooLong = readFirstLine(long.connection, { timeoutMs: 1000, maxBytes: 4 });
  long.send("12345");
  assert.deepEqual(await tooLong, { kind: "too-long" });
  const gone = fakeConnection();
  const closed = readFirstLine(gone.connection, { timeoutMs: 1000 });
  gone.connection.close();
  assert.deepEqual(await closed, { kind: "closed" });
});

test("readFirstLine with startWithinMs: not started when silent, or when the line starts otherwise", async () => {
  const silent = fakeConnection();
  const options = { timeoutMs: 1000, startWithinMs: 10, startsWith: 0x7b };
  assert.deepEqual(await readFirstLine(silent.connection, options), { kind: "not-started" });
  const typing = fakeConnection();
  const typed = readFirstLine(typing.connection, options);
  typing.send("  hello\n");
  assert.deepEqual(await typed, { kind: "not-started" });
});

test("readFirstLine with startWithinMs: a line that started in time has until timeoutMs to end", async () => {
  const client = fakeConnection();
  const answer = readFirstLine(client.connection, { timeoutMs: 40, startWithinMs: 10, startsWith: 0x7b });
  client.send(' {"backlog":');
  const started = Date.now();
  // past startWithinMs: the line is still awaited, then times out at its own deadline
  assert.deepEqual(await answer, { kind: "timeout" });
  assert.ok(Date.now() - started >= 30, "the line's own deadline, not the start wait");
  const finishing = fakeConnection();
  const finished = readFirstLine(finishing.connection, {
    timeoutMs: 200,
    startWithinMs: 10,
    startsWith: 0x7b,
  });
  finishing.send("{");
  setTimeout(() => finishing.send('"backlog":1}\n'), 30);
  assert.deepEqual(await finished, { kind: "line", line: '{"backlog":1}' });
});
