import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenCheck } from "./auth.ts";
import { Hub } from "./hub.ts";
import type { TcpConnection } from "./runtime.ts";
import { StreamServer } from "./stream-server.ts";
import { serveTcpClient } from "./tcp.ts";

const encode = (text: string) => new TextEncoder().encode(text);

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

/** A connection the test talks through: `send` is the client's bytes, `written` what logwisp sent. */
function fakeConnection() {
  const written: string[] = [];
  const dataListeners: Array<(bytes: Uint8Array) => void> = [];
  const closeListeners: Array<() => void> = [];
  let closed = false;
  const connection: TcpConnection = {
    remoteAddress: "127.0.0.1",
    remotePort: 40000,
    write: async (bytes) => {
      if (closed) throw new Error("closed");
      written.push(new TextDecoder().decode(bytes));
    },
    onClose: (listener) => {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    onData: (listener) => {
      dataListeners.push(listener);
    },
    close: () => {
      if (closed) return;
      closed = true;
      for (const listener of closeListeners) listener();
    },
  };
  return {
    connection,
    written,
    get closed() {
      return closed;
    },
    send: (text: string) => {
      for (const listener of dataListeners) listener(encode(text));
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("without auth a silent TCP client is subscribed after the options wait, missing nothing published meanwhile", async () => {
  const hub = new Hub({ replaySize: 100 });
  hub.publishBatch(['{"message":"before"}']);
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection);
  assert.equal(hub.activeClients("tcp"), 0, "not yet: it may still send an options line");
  hub.publishBatch(['{"message":"a"}']);
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
  hub.publishBatch(['{"message":"b"}']);
  await until(() => client.written.join("").includes('"b"'), "the entry");
  assert.equal(client.written.join(""), '{"message":"a"}\n{"message":"b"}\n');
  client.connection.close();
});

test("with auth a TCP client is subscribed only after the token line, and nothing reaches it before", async () => {
  const hub = new Hub();
  const client = fakeConnection();
  serveTcpClient(makeServer(hub), client.connection, { auth: new TokenCheck("s3cret") });
  assert.equal(hub.activeClients("tcp"), 0);
  hub.publishBatch(['{"message":"before auth"}']);
  client.send("s3c");
  client.send("ret\r\n");
  await until(() => hub.activeClients("tcp") === 1, "the subscription");
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
  assert.equal(client.closed, true);
  assert.deepEqual(client.written, []);
});

test("a TCP client over max_clients gets one JSON error line, is closed, and frees nothing it never took", async () => {
  const hub = new Hub();
  const server = makeServer(hub, { maxClients: 1 });
  const first = fakeConnection();
  serveTcpClient(server, first.connection, { optionsWaitMs: 0 });
  await until(() => hub.activeClients("tcp") === 1, "the first client's subscription");
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
