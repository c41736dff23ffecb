import assert from "node:assert/strict";
import { test } from "node:test";
import { type SseMessage, SseReader } from "./sse-reader.ts";

function read(chunks: readonly string[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const reader = new SseReader((message) => messages.push(message));
  for (const chunk of chunks) reader.pushText(chunk);
  return messages;
}

test("ids, named events, comments and multi-line data, as EventSource reads them", () => {
  const stream = [
    'event: connected\ndata: {"client_id":"sse-1"}\n\n',
    ": heartbeat 2026-01-01T12:00:00Z clients=1 uptime=3s\n\n",
    "id: r-1\ndata: one\n\n",
    "data:two\ndata:  lines\n\n",
    "event: gap\ndata\n\n",
    "id\nevent: nothing\n\n",
    "retry: 100\nunknown: x\ndata: last\n\n",
  ].join("");
  assert.deepEqual(read([stream]), [
    { event: "connected", data: '{"client_id":"sse-1"}', lastEventId: "" },
    { event: "message", data: "one", lastEventId: "r-1" },
    // the id persists until the next id field; one leading space is removed, not two
    { event: "message", data: "two\n lines", lastEventId: "r-1" },
    { event: "gap", data: "", lastEventId: "r-1" },
    { event: "message", data: "last", lastEventId: "" },
  ]);
});

test("events split anywhere across chunks, and every kind of line break", () => {
  const whole = "id: r-1\r\ndata: α\r\n\r\nid: r-2\rdata: β\r\rid: r-3\ndata: γ\n\n";
  const expected = read([whole]);
  assert.deepEqual(
    expected.map((message) => [message.lastEventId, message.data]),
    [
      ["r-1", "α"],
      ["r-2", "β"],
      ["r-3", "γ"],
    ],
  );
  for (let cut = 1; cut < whole.length; cut++) {
    assert.deepEqual(read([whole.slice(0, cut), whole.slice(cut)]), expected, `cut at ${cut}`);
  }
});

test("bytes: a character split across chunks is decoded whole; an unfinished event waits", () => {
  const messages: SseMessage[] = [];
  const reader = new SseReader((message) => messages.push(message));
  const bytes = new TextEncoder().encode("data: é\n\ndata: unfinished\n");
  reader.push(bytes.subarray(0, 7));
  reader.push(bytes.subarray(7));
  assert.deepEqual(
    messages.map((message) => message.data),
    ["é"],
  );
});
