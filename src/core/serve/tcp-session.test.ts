import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeConnection } from "../../_testing/fake-connection.ts";
import { Hub } from "../fanout/hub.ts";
import { TokenCheck } from "./auth.ts";
import { StreamServer } from "./stream-server.ts";
import { serveTcpClient } from "./tcp-session.ts";

function makeServer(hub: Hub, limits: { maxClients?: number; maxClientsPerIp?: number } = {}) {
  return new StreamServer(hub, {
    transport: "tcp",
    bufferSize: 100,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: Date.now(),
    ...limits,
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("without auth a silent TCP client is let in at once, streams after the options wait, and misses nothing", async () => {
  const hub = new Hub({ replaySize: 100 });
  hub.publishBatch(['{"message":"before"}']);
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection);
  assert.equal(hub.activeClients("tcp"), 1, "listed and counted from the start");
  assert.equal(hub.counters.tcp.connections, 1);
  hub.publishBatch(['{"message":"a"}']);
  assert.deepEqual(client.written, [], "held: it may still send an options line");
  assert.equal(client.settled, false, "half-open until its stream starts");
  await until(() => client.written.join("").includes('"a"'), "the entry published during the wait");
  assert.equal(client.settled, true);
  hub.publishBatch(['{"message":"b"}']);
  await until(() => client.written.join("").includes('"b"'), "the entry");
  assert.equal(client.written.join(""), '{"message":"a"}\n{"message":"b"}\n');
  client.connection.close();
  assert.equal(hub.activeClients("tcp"), 0);
});

test("with auth a TCP client is subscribed only after the token line, and nothing reaches it before", async () => {
  const hub = new Hub();
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { auth: new TokenCheck("s3cret") });
  assert.equal(hub.activeClients("tcp"), 0);
  hub.publishBatch(['{"message":"before auth"}']);
  client.send("s3c");
  assert.equal(client.settled, false, "half-open until it sent its token");
  client.send("ret\r\n");
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
  assert.equal(client.settled, true);
  hub.publishBatch(['{"message":"after auth"}']);
  await until(() => client.written.join("").includes("after auth"), "the entry");
  assert.equal(client.written.join("").includes("before auth"), false);
  assert.equal(client.closed, false);
  client.connection.close();
  await until(() => hub.activeClients("tcp") === 0, "the unsubscription");
});

test("with auth a wrong token line closes the client having sent it nothing", async () => {
  const hub = new Hub();
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { auth: new TokenCheck("s3cret") });
  client.send("wrong\ns3cret\n");
  await until(() => client.closed, "the close");
  assert.deepEqual(client.written, []);
  assert.equal(hub.activeClients("tcp"), 0);
});

test("with auth a silent client is closed after the timeout, having received nothing", async () => {
  const hub = new Hub();
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, {
    auth: new TokenCheck("s3cret"),
    authTimeoutMs: 30,
  });
  hub.publishBatch(['{"message":"meanwhile"}']);
  await until(() => client.closed, "the close");
  client.send("s3cret\n");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(client.written, []);
  assert.equal(hub.activeClients("tcp"), 0);
});

test("with auth an endless first line is cut off", async () => {
  const hub = new Hub();
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { auth: new TokenCheck("s3cret") });
  client.send("x".repeat(5000));
  await until(() => client.closed, "the close of a client whose first line never ends");
  assert.deepEqual(client.written, []);
});

test("a TCP client over max_clients gets one JSON error line, is closed, and frees nothing it never took", async () => {
  const hub = new Hub();
  const server = makeServer(hub, { maxClients: 1 });
  const first = fakeConnection();
  serveTcpClient(server, first.connection);
  const second = fakeConnection();
  serveTcpClient(server, second.connection, { auth: new TokenCheck("s3cret") });
  await until(() => second.closed, "the refused client's close");
  assert.deepEqual(second.written, ['{"error":"too many clients","max_clients":1}\n']);
  assert.equal(hub.activeClients("tcp"), 1);
  assert.equal(server.limits.rejected, 1);
  first.connection.close();
  const third = fakeConnection();
  serveTcpClient(server, third.connection);
  assert.equal(third.closed, false, "the slot was given back when the first client left");
  assert.equal(server.limits.active, 1);
});

test("an unauthenticated TCP client holds a slot until it is closed", async () => {
  const hub = new Hub();
  const server = makeServer(hub, { maxClientsPerIp: 1 });
  const silent = fakeConnection();
  serveTcpClient(server, silent.connection, { auth: new TokenCheck("s3cret"), authTimeoutMs: 30 });
  assert.equal(server.limits.active, 1);
  await until(() => silent.closed, "the silent client's close");
  assert.equal(server.limits.active, 0);
});

const entry = (message: string, level = "info", source = "app.log") =>
  JSON.stringify({ source, level, message });

test("an options line filters the stream and asks for a backlog counted back from the connection", async () => {
  const hub = new Hub({ replaySize: 100 });
  hub.publishBatch([entry("old error", "error"), entry("old info"), entry("older error", "error")]);
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection);
  hub.publishBatch([entry("meanwhile error", "error"), entry("meanwhile info")]);
  client.send('{"filter":{"level":"error"},');
  client.send('"backlog":1}\n{"ignored":"second line"}\n');
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
  hub.publishBatch([entry("live info"), entry("live error", "error")]);
  await until(() => client.written.join("").includes("live error"), "the live entry");
  const messages = client.written
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).message);
  assert.deepEqual(messages, ["older error", "meanwhile error", "live error"]);
  client.connection.close();
});

test("an invalid options line gets one error line naming the problem, and the connection closes", async () => {
  const hub = new Hub({ replaySize: 100 });
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection);
  client.send('{"filter":{"level":"loud"}}\n');
  await until(() => client.closed, "the close");
  assert.equal(client.written.length, 1);
  assert.deepEqual(JSON.parse(client.written[0] as string), {
    error: "invalid filter",
    detail:
      'filter.level: got "loud", expected one of trace, debug, info, warn, error, fatal (the minimum level)',
  });
  assert.equal(hub.activeClients("tcp"), 0);
});

test("an options line that does not end in time, or is too long, is an error too", async () => {
  const hub = new Hub();
  const slow = fakeConnection();
  serveTcpClient(makeServer(hub), slow.connection, { authTimeoutMs: 30 });
  slow.send('{"filter":');
  await until(() => slow.closed, "the slow client's close");
  assert.match(slow.written[0] ?? "", /did not end/);
  const long = fakeConnection();
  serveTcpClient(makeServer(hub), long.connection);
  long.send(`{"q":"${"x".repeat(5000)}`);
  await until(() => long.closed, "the long line's close");
  assert.match(long.written[0] ?? "", /longer than 4096 bytes/);
});

test("a first line that is not JSON (someone typing into nc) starts the whole stream at once", async () => {
  const hub = new Hub({ replaySize: 100 });
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { optionsWaitMs: 60_000 });
  client.send("hello?\n");
  assert.equal(hub.activeClients("tcp"), 1);
  client.send('{"filter":{"level":"error"}}\n');
  hub.publishBatch([entry("info still arrives")]);
  await until(() => client.written.join("").includes("info still arrives"), "the entry");
  client.connection.close();
});

test("an options line that arrives just as the wait ends still counts", async () => {
  const hub = new Hub({ replaySize: 100 });
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { optionsWaitMs: 5 });
  // the line is in (I/O, delivered after the timers of this turn) when a busy loop finds the deadline passed
  setImmediate(() => client.send('{"filter":{"level":"error"}}\n'));
  const busyUntil = Date.now() + 20;
  while (Date.now() < busyUntil) {}
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
  hub.publishBatch([entry("info"), entry("error", "error")]);
  await until(() => client.written.join("").includes('"error"'), "the entry");
  assert.equal(client.written.join("").includes('"info"'), false, "the filter applies");
  client.connection.close();
});

test("with auth the options object may carry the token; a wrong one is closed with nothing", async () => {
  const hub = new Hub({ replaySize: 100 });
  const wrong = fakeConnection();
  serveTcpClient(makeServer(hub), wrong.connection, { auth: new TokenCheck("s3cret") });
  wrong.send('{"token":"nope","filter":{"level":"error"}}\n');
  await until(() => wrong.closed, "the wrong token's close");
  assert.deepEqual(wrong.written, []);
  const badFilter = fakeConnection();
  serveTcpClient(makeServer(hub), badFilter.connection, { auth: new TokenCheck("s3cret") });
  badFilter.send('{"token":"s3cret","filter":{"level":"loud"}}\n');
  await until(() => badFilter.closed, "the bad filter's close");
  assert.match(badFilter.written[0] ?? "", /"invalid filter"/, "once authenticated, told what is wrong");
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { auth: new TokenCheck("s3cret") });
  client.send('{"token":"s3cret","filter":{"level":"error"}}\n');
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
  hub.publishBatch([entry("info"), entry("error", "error")]);
  await until(() => client.written.join("").includes('"error"'), "the entry");
  assert.equal(client.written.join("").includes('"info"'), false);
  client.connection.close();
});
