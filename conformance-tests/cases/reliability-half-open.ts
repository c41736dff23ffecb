// Half-open connections (issue 18): connections that never finish their request must not keep real clients
// out, crash the server or make it spin. README "Security", Half-open connections.
//
// The attack comes from 30 loopback source addresses (127.0.1.1–30, 50 connections each), the real client
// from another (127.0.0.2), the target always 127.0.0.1. That is fair: an attack from one address is held
// to 64 lingering connections by the per-address cap (the second case), so one that means to exhaust
// descriptors must come from many; and the client it should not keep out is anyone else. 1,500 such
// connections are more than the 1,024 descriptors logwisp is started with: the descriptor budget closes the
// oldest of them to make room (node, bun); where logwisp cannot read its limit (deno without -A) they reach
// EMFILE, which before ended the process on deno (as it made bun's listener spin on a core, and node close
// every new connection unseen).
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { byMessage, httpGet, openSse, openTcp } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { startHalfOpenAttack } from "../_harness/half-open-attack.ts";
import { cpuSeconds } from "../_harness/proc-stats.ts";
import { rawSocket } from "../_harness/raw-sockets.ts";
import { fetchStatus, type Status, serve } from "../_harness/serve.ts";
import { observeFor, pollUntil } from "../_harness/wait.ts";

/** HTTP_HEADERS_TIMEOUT_MS in src/core/runtime.ts. */
const HEADER_DEADLINE_MS = 10_000;
/** MAX_HALF_OPEN_PER_ADDRESS and HALF_OPEN_LINGER_MS in src/core/serve/connection-gate.ts. */
const HALF_OPEN_PER_ADDRESS = 64;
const LINGER_MS = 2000;
const ATTACK = { connections: 1500, addresses: 30, intervalMs: 2000 };
const OUT_OF_DESCRIPTORS =
  /^logwisp: warning: out of file descriptors \(.*\): .*raise the limit \(ulimit -n\)$/gm;

/** Resolves true when the server closes `socket` within `ms` without sending a byte (refused at accept). */
function closedAtOnce(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let bytes = 0;
    const timer = setTimeout(() => resolve(false), ms);
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(bytes === 0);
    });
  });
}

/** Opens connections from `localAddress` that send `opening` and then nothing more. */
async function halfOpen(port: number, localAddress: string, count: number, opening: string): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: count }, () => rawSocket(port, localAddress)));
  for (const socket of sockets) socket.write(opening);
}

/** Keeps opening connections from `localAddress` until one is closed at once, as a refused one is. */
async function untilRefused(port: number, localAddress: string, opening: string): Promise<void> {
  await pollUntil(
    async () => {
      const socket = await rawSocket(port, localAddress);
      socket.write(opening);
      return (await closedAtOnce(socket, 500)) ? true : undefined;
    },
    `a new connection from ${localAddress} to be closed at accept`,
    LINGER_MS + 5000,
    100,
  );
}

export const reliabilityHalfOpenCases = [
  defineCase(
    "reliability: 1,500 half-open connections under ulimit -n 1024 keep no client of another address out; the server lives, does not spin, says it once, and closes them at the header deadline",
    async (rt) => {
      const served = await serve(rt, { files: { "app.log": "" }, fdLimit: 1024 });
      const { pid } = served.proc;
      const attack = startHalfOpenAttack(served.proc.httpPort, ATTACK);
      const inPlace = await attack.until(
        (report) => report.opened + report.failed >= ATTACK.connections,
        `${ATTACK.connections} attacking connections to be opened`,
        20_000,
      );
      assert.equal(inPlace.failed, 0, "the attacker could open every connection (its own ulimit -n?)");
      const attackInPlace = Date.now();

      // an ordinary SSE client from another address gets in and gets a line within the deadline + 1 s
      const client = await openSse(`${served.proc.httpUrl}/stream`, {}, HEADER_DEADLINE_MS, "127.0.0.2");
      await client.events.next((event) => event.event === "connected", HEADER_DEADLINE_MS, "connected");
      await served.logs.appendLines("app.log", ["through the attack"]);
      await client.nextEntry(byMessage("through the attack"), HEADER_DEADLINE_MS + 1000);
      const clientWaitedMs = Date.now() - attackInPlace;
      assert.ok(clientWaitedMs <= HEADER_DEADLINE_MS + 1000, `the client waited ${clientWaitedMs} ms`);

      // not spinning while the attack holds: CPU over a 2 s window
      const cpuStart = await cpuSeconds(pid);
      const windowStart = Date.now();
      await observeFor(2000);
      const cpuShare = (await cpuSeconds(pid)) - cpuStart;
      const cpuPercent = (100 * cpuShare) / ((Date.now() - windowStart) / 1000);
      const during = attack.latest();
      assert.ok(during.opened - during.closed > 500, `the attack still holds: ${JSON.stringify(during)}`);
      assert.ok(cpuPercent < 10, `server CPU ${cpuPercent.toFixed(1)}% while the attack held`);

      // said once, counted
      await served.proc.waitForStderr(OUT_OF_DESCRIPTORS);
      const status = await fetchStatus(served.proc.httpUrl);
      // deno lets a program read /proc/self/limits only with -A, which the suite does not give: there logwisp
      // cannot know the limit and meets EMFILE itself, which must be handled as well
      assert.equal(
        status.descriptors.limit,
        rt.name === "deno" ? null : 1024,
        JSON.stringify(status.descriptors),
      );
      assert.ok(status.descriptors.refused > 0, JSON.stringify(status.descriptors));
      // the budget closes or refuses connections (the server's `rejected`); a failed accept refuses none
      if (status.descriptors.limit !== null) {
        assert.ok(status.servers.http.rejected > 0, JSON.stringify(status.servers.http));
      }

      // the header deadline: every attacking connection is closed, the last ones not before 9 s
      const end = await attack.until(
        (report) => report.closed === report.opened,
        "every attacking connection to be closed",
        2 * HEADER_DEADLINE_MS + 10_000,
      );
      // from its connect: at EMFILE a connection waits to be accepted (deno without -A), then has its 10 s
      const accepted = status.descriptors.limit === null ? 2 * HEADER_DEADLINE_MS : HEADER_DEADLINE_MS;
      assert.ok(end.longestMs <= accepted + 2000, `a connection lived ${end.longestMs} ms`);
      assert.ok(end.closedAfter9s > 0, `none lived to the deadline: ${JSON.stringify(end)}`);
      assert.equal(served.proc.stderr().match(OUT_OF_DESCRIPTORS)?.length, 1, served.proc.stderr());

      // accepting goes on, from the attacking addresses too, and the episode's end is said
      const after = await openSse(`${served.proc.httpUrl}/stream`, {}, undefined, "127.0.1.1");
      await after.events.next((event) => event.event === "connected", undefined, "connected");
      await served.proc.waitForStderr(/^logwisp: descriptors available again: accepting connections/m);
      await served.logs.appendLines("app.log", ["after the attack"]);
      await client.nextEntry(byMessage("after the attack"));
      console.log(
        `[${rt.name}] half-open: a client of another address got a line ${clientWaitedMs} ms after 1,500 connections were in place; server CPU ${cpuPercent.toFixed(1)}% while they held; ${end.closedWithin1s} closed at once to make room, ${end.closedAfter9s} at the deadline (the last after ${end.longestMs} ms)`,
      );
    },
    { timeoutMs: 90_000, exclusive: true },
  ),

  defineCase(
    "limits: an address holding 64 half-open connections for over 2 s gets no more on either server, counted; other addresses are let in",
    async (rt) => {
      const token = "half-open-token";
      const served = await serve(rt, { tcp: true, files: { "app.log": "" }, args: ["--auth-token", token] });
      const auth = { authorization: `Bearer ${token}` };
      const { httpPort, tcpPort } = served.proc;
      // HTTP: a request line and nothing more; TCP (auth on): no token line, so the session never starts
      const httpOpening = "GET /stream HTTP/1.1\r\n";
      await halfOpen(httpPort, "127.0.2.1", HALF_OPEN_PER_ADDRESS, httpOpening);
      await halfOpen(tcpPort, "127.0.2.2", HALF_OPEN_PER_ADDRESS, "");
      await untilRefused(httpPort, "127.0.2.1", httpOpening);
      await untilRefused(tcpPort, "127.0.2.2", "");

      const status = (await httpGet(`${served.proc.httpUrl}/status`, auth)).json() as Status;
      for (const server of ["http", "tcp"] as const) {
        assert.ok(
          status.servers[server].rejected >= 1,
          `${server}: ${JSON.stringify(status.servers[server])}`,
        );
        assert.ok(status.servers[server].half_open >= HALF_OPEN_PER_ADDRESS, server);
      }
      // another address: a stream on each server
      const sse = await openSse(`${served.proc.httpUrl}/stream`, auth, undefined, "127.0.2.3");
      await sse.events.next((event) => event.event === "connected", undefined, "connected");
      const tcp = await openTcp(tcpPort, "127.0.0.1", undefined, "127.0.2.3");
      tcp.socket.write(`${token}\n`);
      await pollUntil(async () => {
        const current = (await httpGet(`${served.proc.httpUrl}/status`, auth)).json() as Status;
        return current.servers.tcp.active_clients === 1 ? true : undefined;
      }, "the TCP client of another address to be let in");
      await served.logs.appendLines("app.log", ["another address"]);
      await sse.nextEntry(byMessage("another address"));
      await tcp.nextEntry(byMessage("another address"));
    },
  ),
];
