// 1,000 clients that come and go (issue 5) — TCP and SSE, some hanging up mid-frame, some before or during
// auth, some refused by max_clients_per_ip — must leave nothing behind: no timer, no hub subscriber or
// queue, no limit slot, no session. The conformance churn case sees descriptors and /status from outside;
// this one counts what only the core can see.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeConnection } from "../../_testing/fake-connection.ts";
import { Hub, type Transport } from "../fanout/hub.ts";
import { TokenCheck } from "./auth.ts";
import { createHttpApp } from "./http-app.ts";
import { StreamServer } from "./stream-server.ts";
import { serveTcpClient } from "./tcp-session.ts";

const realSetTimeout = globalThis.setTimeout;
const TOKEN = "s3cret";
const PER_IP = 2;

type TimerCallback = (...args: unknown[]) => void;

/**
 * Counts live timers while installed: a timeout until it fires or is cleared, an interval until cleared.
 * Everything the core schedules goes through these globals, so what is left after the churn is a leak.
 */
function trackTimers() {
  const live = new Set<unknown>();
  let created = 0;
  let peak = 0;
  const original = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };
  const add = (handle: unknown): void => {
    live.add(handle);
    created++;
    peak = Math.max(peak, live.size);
  };
  const clear = (handle: unknown): void => {
    live.delete(handle);
  };
  globalThis.setTimeout = ((callback: TimerCallback, ms?: number, ...args: unknown[]) => {
    const handle = original.setTimeout(() => {
      live.delete(handle);
      callback(...args);
    }, ms);
    add(handle);
    return handle;
  }) as unknown as typeof setTimeout;
  globalThis.setInterval = ((callback: TimerCallback, ms?: number, ...args: unknown[]) => {
    const handle = original.setInterval(callback, ms, ...args);
    add(handle);
    return handle;
  }) as unknown as typeof setInterval;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    clear(handle);
    original.clearTimeout(handle);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((handle: Parameters<typeof clearInterval>[0]) => {
    clear(handle);
    original.clearInterval(handle);
  }) as typeof clearInterval;
  return {
    get live() {
      return live.size;
    },
    get created() {
      return created;
    },
    get peak() {
      return peak;
    },
    restore(): void {
      Object.assign(globalThis, original);
    },
  };
}

function makeServer(hub: Hub, transport: Transport) {
  return new StreamServer(hub, {
    transport,
    bufferSize: 20,
    heartbeatIntervalSeconds: undefined,
    encodeHeartbeat: () => new Uint8Array(),
    startedAtMs: Date.now(),
    maxClientsPerIp: PER_IP,
    // the stall sweep is a timer that runs only while a server has clients: it must stop after the churn
    stallTimeoutSeconds: 60,
  });
}

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, 2));
  }
}

interface Rig {
  hub: Hub;
  tcp: StreamServer;
  sse: StreamServer;
  openSse(remoteAddress: string, signal: AbortSignal): Promise<Response>;
}

/** One TCP cycle, in one of six ways; `address` is the client's own, so cycles do not share slots. */
async function tcpCycle(rig: Rig, index: number, address: string): Promise<void> {
  const way = index % 6;
  // without auth a session waits for an optional options line; a short wait keeps the churn quick, and the
  // entry published meanwhile comes from the replay ring
  const auth = way >= 2 && way <= 4 ? { auth: new TokenCheck(TOKEN) } : { optionsWaitMs: 5 };
  const client = fakeConnection({ remoteAddress: address, stuck: way === 1 });
  serveTcpClient(rig.tcp, client.connection, auth);
  rig.hub.publishBatch([`{"message":"tcp ${index}"}`]);
  if (way === 0) await until(() => client.written.length > 0, "an entry"); // read one entry, hang up
  if (way === 1) await until(() => client.written.length > 0, "a write in flight"); // hang up mid-frame
  // way 2: hang up before sending the token, its timer pending
  if (way === 3) {
    client.send(`${TOKEN}\n`);
    await until(() => rig.tcp.sessions > 0 && !client.closed, "the session after auth");
  }
  if (way === 4) client.send(TOKEN.slice(0, 3)); // half a token line, then gone
  if (way === 5) {
    // over max_clients_per_ip: the third from one address is refused, and holds nothing
    const more = [fakeConnection({ remoteAddress: address }), fakeConnection({ remoteAddress: address })];
    for (const other of more) serveTcpClient(rig.tcp, other.connection);
    await until(() => more[1]?.closed === true, "the refusal");
    more[0]?.connection.close();
  }
  client.connection.close();
}

/** One SSE cycle, in one of four ways, hanging up as the runtimes report it: abort, cancel, or both. */
async function sseCycle(rig: Rig, index: number, address: string): Promise<void> {
  const way = index % 4;
  const controller = new AbortController();
  const response = await rig.openSse(address, controller.signal);
  assert.equal(response.status, 200);
  const reader = response.body?.getReader();
  assert.ok(reader);
  await reader.read(); // the connected event
  rig.hub.publishBatch(Array.from({ length: 30 }, (_, n) => `{"message":"sse ${index}.${n}"}`));
  if (way === 0) {
    await reader.read(); // one batch, then hang up with entries still queued (a full queue: it dropped)
    controller.abort();
    await reader.cancel();
  } else if (way === 1) {
    await reader.cancel(); // the body cancelled, the request never aborted
  } else if (way === 2) {
    controller.abort(); // the request aborted, the body never read nor cancelled
  } else {
    const others = [new AbortController(), new AbortController()];
    const [second, third] = await Promise.all(others.map((c) => rig.openSse(address, c.signal)));
    assert.equal(second?.status, 200);
    assert.equal(third?.status, 503, "over max_clients_per_ip");
    await second?.body?.cancel();
    others[0]?.abort();
    controller.abort();
    await reader.cancel();
  }
}

test("1,000 TCP and SSE clients that come and go leave no timer, subscriber, slot or session", async (t) => {
  const timers = trackTimers();
  t.after(() => timers.restore());
  const hub = new Hub({ replaySize: 100 });
  const tcp = makeServer(hub, "tcp");
  const sse = makeServer(hub, "sse");
  // a failed run must not keep the process alive: shutdown stops every server timer and session
  t.after(() => Promise.all([tcp.shutdown(undefined, 0), sse.shutdown(undefined, 0)]));
  const app = createHttpApp({ sse, status: () => ({}) });
  const rig: Rig = {
    hub,
    tcp,
    sse,
    openSse: (remoteAddress, signal) =>
      Promise.resolve(app(new Request("http://logwisp/stream", { signal }), { remoteAddress })),
  };
  const before = timers.live;
  const cycles = 1000;
  const concurrency = 8;
  let next = 0;
  const worker = async (id: number): Promise<void> => {
    for (let index = next++; index < cycles; index = next++) {
      // each worker its own address: the per-address refusals come only from the cycles that ask for one
      const address = `10.0.0.${id + 1}`;
      if (index % 2 === 0) await tcpCycle(rig, index / 2, address);
      else await sseCycle(rig, (index - 1) / 2, address);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));

  await until(() => hub.clients().length === 0, "every subscriber to leave the hub");
  await until(() => tcp.sessions === 0 && sse.sessions === 0, "every session to end");
  for (const server of [tcp, sse]) {
    assert.equal(server.limits.active, 0, `${server.transport}: every slot given back`);
    assert.equal(server.limits.addresses, 0, `${server.transport}: no address left in the per-IP map`);
    assert.ok(server.limits.rejected > 0, `${server.transport}: the per-IP refusals were exercised`);
  }
  // the stall sweep stops on its first tick without clients (STALL_SWEEP_MS)
  await until(() => timers.live === before, `the live timers (${timers.live}) to be back to ${before}`);
  t.diagnostic(
    `timers live before ${before}, after ${timers.live}; ${timers.created} created, at most ${timers.peak} at once`,
  );

  // and a client from an address that churned is let in, up to the limit again
  const again = [
    fakeConnection({ remoteAddress: "10.0.0.1" }),
    fakeConnection({ remoteAddress: "10.0.0.1" }),
  ];
  for (const client of again) serveTcpClient(tcp, client.connection);
  assert.equal(tcp.limits.active, PER_IP);
  for (const client of again) client.connection.close();
});
