import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeNatsServer } from "../../_testing/fake-nats.ts";
import type { NatsLink } from "../nats-port.ts";
import type { FileHandle, FileStat } from "../runtime.ts";
import { fnv1a } from "../tail/fingerprint.ts";
import type { FilePosition } from "../tail/tailer.ts";
import { COUNT_HEADER, decodeBatch, parseBatchOrigin } from "../wire/nats-batch.ts";
import { NatsPublisher, type NatsPublisherOptions } from "./nats-publisher.ts";

const STREAM = {
  name: "LOGWISP",
  subjects: ["logwisp.>"],
  maxBytes: 0,
  maxAgeMs: 0,
  duplicateWindowMs: 60_000,
};
const PREFIX = { length: 10, hash: 1234 };

function at(offset: number, ino = 7): FilePosition {
  return { dev: 1, ino, prefix: PREFIX, offset };
}

async function setup(options: Partial<NatsPublisherOptions> = {}) {
  const fake = new FakeNatsServer();
  const link: NatsLink = await fake.connector.connect({ servers: [], name: "t" });
  await link.ensureStream(STREAM);
  const logs: string[] = [];
  const publisher = new NatsPublisher({
    stream: "LOGWISP",
    subjectPrefix: "logwisp",
    host: "web.1",
    log: (line) => logs.push(line),
    retryDelayMs: () => 1,
    ...options,
  });
  publisher.attach(link);
  return { fake, link, publisher, logs };
}

/** Hands on `count` lines of `path` numbered from `first`, each `bytes` long with its newline, then a position. */
function read(
  publisher: NatsPublisher,
  from: number,
  first: number,
  count: number,
  bytes = 10,
  ino = 7,
): number {
  for (let i = 0; i < count; i++) publisher.line("/logs/app.log", "app.log", `{"n":${first + i}}`);
  const end = from + count * bytes;
  publisher.position("/logs/app.log", "app.log", at(end, ino));
  return end;
}

function storedNumbers(fake: FakeNatsServer): number[] {
  const stream = fake.streams.get("LOGWISP");
  return (stream?.messages ?? []).flatMap((msg) =>
    decodeBatch(msg.data).map((json) => (JSON.parse(json) as { n: number }).n),
  );
}

test("the lines between positions become one message naming exactly the bytes it carries", async () => {
  const { fake, publisher } = await setup();
  publisher.position("/logs/app.log", "app.log", at(100));
  const end = read(publisher, 100, 0, 3);
  await publisher.whenIdle();
  const [msg] = fake.streams.get("LOGWISP")?.messages ?? [];
  assert.equal(msg?.subject, "logwisp.web_2E1.app_2Elog");
  assert.equal(msg?.headers.get(COUNT_HEADER), "3");
  assert.equal(msg?.headers.get("Nats-Msg-Id"), `web.1:1:7:10:4d2:100-${end}`);
  assert.deepEqual(parseBatchOrigin(msg?.headers ?? new Map()), {
    file: { dev: 1, ino: 7, prefixLength: 10, prefixHash: 1234 },
    start: 100,
    end: 130,
  });
  assert.deepEqual(storedNumbers(fake), [0, 1, 2]);
  assert.deepEqual(publisher.filesStatus()[0]?.behind_bytes, 0);
  assert.equal(publisher.counters.entriesAcked, 3);
});

test("pieces of one turn gather into a message up to maxEntries; the next starts where it ended", async () => {
  const { fake, publisher } = await setup({ maxEntries: 5 });
  publisher.position("/logs/app.log", "app.log", at(0));
  let offset = 0;
  for (let piece = 0; piece < 4; piece++) offset = read(publisher, offset, piece * 2, 2);
  await publisher.whenIdle();
  const messages = fake.streams.get("LOGWISP")?.messages ?? [];
  assert.deepEqual(
    messages.map((msg) => parseBatchOrigin(msg.headers)).map((o) => [o?.start, o?.end]),
    [
      [0, 60],
      [60, 80],
    ],
  );
  assert.deepEqual(storedNumbers(fake), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test("NATS away: messages wait, the Monitor is held once the queue is full, and all go once it is back", async () => {
  const { fake, publisher } = await setup({ window: 2, queueLimit: 2 });
  fake.stop();
  publisher.position("/logs/app.log", "app.log", at(0));
  let offset = 0;
  let number = 0;
  for (let i = 0; i < 4; i++) {
    offset = read(publisher, offset, number, 3);
    number += 3;
    await Promise.resolve();
  }
  let roomGiven = false;
  const room = publisher.waitForRoom().then(() => {
    roomGiven = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(roomGiven, false, "the queue is full while NATS is away");
  fake.start();
  await room;
  await publisher.whenIdle();
  assert.deepEqual(
    storedNumbers(fake),
    Array.from({ length: 12 }, (_, i) => i),
  );
  // nothing is sent while the link is down: each message went once, when it was back
  assert.equal(publisher.counters.published, 4);
});

test("a message whose ack was lost is sent again with the same id and stored once", async () => {
  const { fake, publisher, link } = await setup();
  // the first try is stored but its ack fails (as when the connection drops right after)
  const publish = link.publish.bind(link);
  let first = true;
  link.publish = async (...args) => {
    const ack = await publish(...args);
    if (first) {
      first = false;
      throw new Error("timeout");
    }
    return ack;
  };
  publisher.position("/logs/app.log", "app.log", at(0));
  read(publisher, 0, 0, 3);
  await publisher.whenIdle();
  assert.deepEqual(storedNumbers(fake), [0, 1, 2]);
  assert.deepEqual(
    fake.publishes.map((p) => p.outcome),
    ["stored", "duplicate"],
  );
  assert.equal(publisher.counters.duplicates, 1);
  assert.equal(publisher.counters.retried, 1);
});

test("a message the server refuses for good is dropped, counted and said once", async () => {
  const { publisher, logs } = await setup({ subjectPrefix: "other" });
  publisher.position("/logs/app.log", "app.log", at(0));
  read(publisher, 0, 0, 2);
  await publisher.whenIdle();
  assert.equal(publisher.counters.dropped, 2);
  assert.match(logs.join("\n"), /2 entries of \/logs\/app\.log could not be published/);
});

test("a rotated-away file drained after the new one began keeps its own offsets", async () => {
  const { fake, publisher } = await setup();
  publisher.position("/logs/app.log", "app.log", at(50, 7));
  read(publisher, 50, 0, 1, 10, 7);
  publisher.position("/logs/app.log", "app.log", at(0, 8));
  read(publisher, 0, 1, 1, 10, 8);
  read(publisher, 60, 2, 1, 10, 7);
  await publisher.whenIdle();
  const ranges = (fake.streams.get("LOGWISP")?.messages ?? []).map((msg) => {
    const origin = parseBatchOrigin(msg.headers);
    return `${origin?.file.ino}:${origin?.start}-${origin?.end}`;
  });
  assert.deepEqual(ranges, ["7:50-60", "8:0-10", "7:60-70"]);
});

test("startOffset continues after the stream's last message of this very file, else defers", async () => {
  const content = new TextEncoder().encode("0123456789rest of the file\n");
  const prefix = { length: 10, hash: fnv1a(content.subarray(0, 10)) };
  const { publisher } = await setup();
  publisher.position("/logs/app.log", "app.log", { dev: 1, ino: 7, prefix, offset: 0 });
  publisher.line("/logs/app.log", "app.log", '{"n":0}');
  publisher.position("/logs/app.log", "app.log", { dev: 1, ino: 7, prefix, offset: 20 });
  await publisher.whenIdle();
  const handle: FileHandle = {
    read: async (buffer, position) => {
      const bytes = content.subarray(position, position + buffer.length);
      buffer.set(bytes);
      return bytes.length;
    },
    stat: async () => opened,
    close: async () => undefined,
  };
  const opened: FileStat = { dev: 1, ino: 7, size: content.length, mtimeMs: 0, kind: "file" };
  assert.equal(await publisher.startOffset("/logs/app.log", "app.log", handle, opened), 20);
  assert.equal(
    await publisher.startOffset("/logs/app.log", "app.log", handle, { ...opened, ino: 8 }),
    undefined,
  );
  assert.equal(await publisher.startOffset("/logs/app.log", "other.log", handle, opened), undefined);
  const changed = new TextEncoder().encode("X123456789rest of the file\n");
  const otherHandle: FileHandle = {
    ...handle,
    read: async (buffer, position) => {
      const bytes = changed.subarray(position, position + buffer.length);
      buffer.set(bytes);
      return bytes.length;
    },
  };
  assert.equal(await publisher.startOffset("/logs/app.log", "app.log", otherHandle, opened), undefined);
});
