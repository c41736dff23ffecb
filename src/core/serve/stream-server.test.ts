import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "../fanout/hub.ts";
import { StreamServer } from "./stream-server.ts";

const decoder = new TextDecoder();

function makeServer(hub: Hub, heartbeatIntervalSeconds?: number, stallTimeoutSeconds?: number) {
  return new StreamServer(hub, {
    transport: "tcp",
    bufferSize: 100,
    heartbeatIntervalSeconds,
    stallTimeoutSeconds,
    encodeHeartbeat: (stats) => new TextEncoder().encode(`hb clients=${stats.activeClients}\n`),
    startedAtMs: Date.now(),
  });
}

/** A transport whose writes resolve only when the test says so. */
function gatedTransport() {
  const written: string[] = [];
  const gates: Array<() => void> = [];
  let closed = 0;
  return {
    written,
    get closed() {
      return closed;
    },
    openGate: () => gates.shift()?.(),
    write: (bytes: Uint8Array) => {
      written.push(decoder.decode(bytes));
      return new Promise<void>((resolve) => gates.push(resolve));
    },
    close: () => {
      closed++;
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 2 s");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test("the pump writes everything queued as one batch, and waits for the write before the next", async () => {
  const hub = new Hub();
  const server = makeServer(hub);
  const transport = gatedTransport();
  const subscriber = server.open("127.0.0.1");
  void server.pump(subscriber, transport.write, transport.close);
  hub.publish("1");
  await until(() => transport.written.length === 1);
  hub.publish("2");
  hub.publish("3");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(transport.written, ["1\n"], "no second write before the first resolved");
  transport.openGate();
  await until(() => transport.written.length === 2);
  assert.equal(transport.written[1], "2\n3\n");
  transport.openGate();
  await until(() => subscriber.delivered === 3);
  subscriber.close();
});

test("a failed write ends the session: subscriber removed, transport closed", async () => {
  const hub = new Hub();
  const server = makeServer(hub);
  const subscriber = server.open("x");
  let closed = 0;
  const session = server.pump(
    subscriber,
    () => Promise.reject(new Error("EPIPE")),
    () => closed++,
  );
  hub.publish("1");
  await session;
  assert.equal(closed, 1);
  assert.equal(hub.activeClients(), 0);
});

test("shutdown lets queues drain, offers a last frame, then closes every session", async () => {
  const hub = new Hub();
  const server = makeServer(hub);
  const written: string[] = [];
  let closed = 0;
  const subscriber = server.open("x");
  const session = server.pump(
    subscriber,
    async (bytes) => {
      written.push(decoder.decode(bytes));
    },
    () => closed++,
  );
  hub.publish("a");
  await server.shutdown(new TextEncoder().encode("bye\n"), 1000);
  await session;
  assert.equal(written.join(""), "a\nbye\n");
  assert.equal(closed, 1);
  assert.equal(hub.activeClients(), 0);
});

test("shutdown hangs up on a client that does not drain within the grace period", async () => {
  const hub = new Hub();
  const server = makeServer(hub);
  const transport = gatedTransport();
  server.pump(server.open("stalled"), transport.write, transport.close);
  hub.publish("a");
  await until(() => transport.written.length === 1);
  await server.shutdown(undefined, 20);
  assert.ok(transport.closed >= 1);
  assert.equal(hub.activeClients(), 0);
});

test("heartbeats go through each client's queue on the interval, only while clients are connected", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const hub = new Hub();
  const server = makeServer(hub, 2);
  server.startHeartbeat();
  t.mock.timers.tick(2000);
  const subscriber = server.open("x");
  assert.equal(subscriber.queued, 0);
  t.mock.timers.tick(1999);
  assert.equal(subscriber.queued, 0);
  t.mock.timers.tick(1);
  assert.equal(subscriber.queued, 1);
  const batch = await subscriber.next();
  assert.equal(decoder.decode(batch?.bytes), "hb clients=1\n");
  assert.equal(batch?.entries, 0);
  await server.shutdown(undefined, 0);
});

test("heartbeatsSent counts the frames queued, one per client per interval, not ticks without clients", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const hub = new Hub();
  const server = makeServer(hub, 1);
  server.startHeartbeat();
  t.mock.timers.tick(1000);
  assert.equal(server.heartbeatsSent, 0, "nobody to send it to");
  const first = server.open("a");
  const second = server.open("b");
  t.mock.timers.tick(1000);
  assert.equal(server.heartbeatsSent, 2);
  second.close();
  t.mock.timers.tick(1000);
  assert.equal(server.heartbeatsSent, 3, "the count stays when a client leaves, and goes on for the other");
  assert.equal(first.queued, 2);
  await server.shutdown(undefined, 0);
});

/** Entries enough to fill a makeServer queue (buffer_size 100) and drop some. */
const OVERFLOW = Array.from({ length: 150 }, (_, index) => String(index));

test("a client whose full queue stays untaken past stall_timeout_seconds is closed and counted", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const hub = new Hub();
  const server = makeServer(hub, undefined, 3);
  const transport = gatedTransport();
  const subscriber = server.open("stalled");
  const session = server.pump(subscriber, transport.write, transport.close);
  hub.publish("first");
  await until(() => transport.written.length === 1); // taken, and its write never finishes
  hub.publishBatch(OVERFLOW);
  assert.equal(subscriber.queued, 100);
  assert.ok(subscriber.dropped > 0);
  t.mock.timers.tick(2000);
  assert.equal(hub.activeClients(), 1, "not yet: stalled for 2 s of 3");
  t.mock.timers.tick(1000);
  assert.equal(hub.activeClients(), 0, "stalled for 3 s: gone from the hub");
  assert.equal(transport.closed, 1, "through the session's closer");
  assert.equal(server.stalledDisconnects, 1);
  transport.openGate();
  await session;
  await server.shutdown(undefined, 0);
});

test("an idle client (empty queue, no log traffic) is never stalled", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const hub = new Hub();
  const server = makeServer(hub, undefined, 1);
  const transport = gatedTransport();
  const subscriber = server.open("idle");
  void server.pump(subscriber, transport.write, transport.close);
  t.mock.timers.tick(10_000);
  assert.equal(hub.activeClients(), 1);
  assert.equal(transport.closed, 0);
  assert.equal(server.stalledDisconnects, 0);
  await server.shutdown(undefined, 0);
});

test("a client that takes its full queue within stall_timeout_seconds stays, one that stops is closed", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const hub = new Hub();
  const server = makeServer(hub, undefined, 3);
  const transport = gatedTransport();
  void server.pump(server.open("slow"), transport.write, transport.close);
  hub.publish("first");
  await until(() => transport.written.length === 1);
  hub.publishBatch(OVERFLOW);
  t.mock.timers.tick(2000);
  transport.openGate(); // the client reads: the pump takes the full queue
  await until(() => transport.written.length === 2);
  hub.publishBatch(OVERFLOW); // full again at once, and again untaken
  t.mock.timers.tick(2000);
  assert.equal(hub.activeClients(), 1, "4 s since connecting, but 2 s since it last took its queue");
  assert.equal(server.stalledDisconnects, 0);
  t.mock.timers.tick(1000);
  assert.equal(hub.activeClients(), 0, "3 s since it last took its queue");
  assert.equal(server.stalledDisconnects, 1);
  await server.shutdown(undefined, 0);
});

test("stall_timeout_seconds 0 never disconnects", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const hub = new Hub();
  const server = makeServer(hub, undefined, 0);
  const transport = gatedTransport();
  void server.pump(server.open("stalled"), transport.write, transport.close);
  hub.publish("first");
  await until(() => transport.written.length === 1);
  hub.publishBatch(OVERFLOW);
  t.mock.timers.tick(600_000);
  assert.equal(hub.activeClients(), 1);
  assert.equal(server.stalledDisconnects, 0);
  await server.shutdown(undefined, 0);
});

test("reconfigure: a new buffer size holds for clients opened after it; heartbeats follow the new interval", async () => {
  const hub = new Hub();
  const server = makeServer(hub);
  const before = server.open("a");
  server.reconfigure({
    transport: "tcp",
    bufferSize: 2,
    heartbeatIntervalSeconds: 1,
    encodeHeartbeat: () => new TextEncoder().encode("hb new\n"),
    startedAtMs: Date.now(),
  });
  const after = server.open("b");
  for (let n = 0; n < 5; n++) hub.publish(`{"n":${n}}`);
  assert.equal(before.dropped, 0);
  assert.equal(after.dropped, 3);
  assert.equal((await after.next())?.entries, 2);
  // the next batch is the first tick of the new interval, in the new format
  assert.equal(decoder.decode((await after.next())?.bytes), "hb new\n");
  await server.shutdown(undefined, 0);
});

test("shutdown ends only the clients this server opened, not another server's of the same transport", async () => {
  const hub = new Hub();
  const old = makeServer(hub);
  const fresh = makeServer(hub);
  const gone = old.open("a");
  const kept = fresh.open("b");
  await old.shutdown(undefined, 0);
  hub.publish('{"n":1}');
  assert.equal(await gone.next(), undefined);
  assert.equal(decoder.decode((await kept.next())?.bytes), '{"n":1}\n');
  await fresh.shutdown(undefined, 0);
});
