import assert from "node:assert/strict";
import { test } from "node:test";
import type { AdmittedConnection } from "../runtime.ts";
import { HALF_OPEN_LINGER_MS, HalfOpenGate, MAX_HALF_OPEN_PER_ADDRESS } from "./connection-gate.ts";
import {
  DescriptorBudget,
  descriptorReserve,
  EPISODE_QUIET_MS,
  EVICTED_PER_FAILED_ACCEPT,
  parseDescriptorLimit,
} from "./descriptor-budget.ts";

function setUp(limit: number | undefined, maxPerAddress = MAX_HALF_OPEN_PER_ADDRESS) {
  const lines: string[] = [];
  const clock = { ms: 1_000_000 };
  const budget = new DescriptorBudget(
    limit,
    (line) => lines.push(line),
    () => clock.ms,
  );
  let rejected = 0;
  const gate = new HalfOpenGate(budget, () => rejected++, { maxPerAddress, now: () => clock.ms });
  const closed: string[] = [];
  const admit = (address: string, name = address): AdmittedConnection | undefined =>
    gate.admit(address, () => closed.push(name));
  /** Time passes: connections admitted before now linger. */
  const later = (ms = HALF_OPEN_LINGER_MS + 1): void => {
    clock.ms += ms;
  };
  return { budget, gate, lines, closed, admit, later, rejected: () => rejected };
}

test("an address holding MAX_HALF_OPEN_PER_ADDRESS lingering half-open connections gets no more, counted", () => {
  const { gate, admit, later, rejected } = setUp(undefined);
  const held = Array.from({ length: MAX_HALF_OPEN_PER_ADDRESS }, () => admit("10.0.0.1"));
  assert.ok(held.every((connection) => connection !== undefined));
  later(HALF_OPEN_LINGER_MS - 1);
  assert.ok(admit("10.0.0.1"), "not lingering yet: a burst is let in");
  later(1);
  assert.equal(admit("10.0.0.1"), undefined);
  assert.equal(admit("::ffff:10.0.0.1"), undefined, "an IPv4-mapped address is the same address");
  assert.equal(rejected(), 2);
  assert.ok(admit("10.0.0.2"), "another address has its own allowance");
  assert.equal(gate.halfOpen, MAX_HALF_OPEN_PER_ADDRESS + 2);
});

test("a burst from one address is let in whole as long as it does not linger", () => {
  const { admit, later, rejected } = setUp(undefined);
  const burst = Array.from({ length: 1000 }, () => admit("10.0.0.1"));
  assert.ok(burst.every((connection) => connection !== undefined));
  for (const connection of burst.slice(0, 990)) connection?.settle();
  later();
  assert.ok(admit("10.0.0.1"), "10 lingering, under the cap");
  assert.equal(rejected(), 0);
});

test("a connection that settles (request or stream) or closes gives its half-open slot back, once", () => {
  const { gate, admit, later } = setUp(undefined, 2);
  const first = admit("10.0.0.1");
  const second = admit("10.0.0.1");
  later();
  assert.equal(admit("10.0.0.1"), undefined);
  first?.settle();
  first?.settle();
  const third = admit("10.0.0.1");
  assert.ok(third, "a settled connection is a client, not half-open");
  later();
  assert.equal(admit("10.0.0.1"), undefined, "a settle counts once");
  second?.release();
  second?.release();
  second?.settle();
  assert.ok(admit("10.0.0.1"));
  later();
  assert.equal(admit("10.0.0.1"), undefined, "a release counts once");
  first?.release();
  assert.equal(gate.halfOpen, 2);
});

test("at the descriptor budget the oldest half-open connection is closed to make room, said once", () => {
  const limit = 200;
  const { budget, gate, lines, closed, admit, rejected } = setUp(limit);
  const capacity = limit - descriptorReserve(limit);
  assert.equal(budget.capacity, capacity);
  const settled = admit("10.0.0.1", "client");
  settled?.settle();
  for (let i = 1; i < capacity; i++) assert.ok(admit(`10.0.1.${i % 50}`, `attacker ${i}`));
  assert.equal(budget.held, capacity);
  assert.ok(admit("10.0.0.9", "newcomer 1"), "let in: the oldest half-open one made room");
  assert.ok(admit("10.0.0.9", "newcomer 2"));
  assert.deepEqual(closed, ["attacker 1", "attacker 2"], "oldest first; the settled client is never closed");
  assert.equal(budget.held, capacity);
  assert.equal(budget.refused, 2);
  assert.equal(rejected(), 2);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.match(
    lines[0] ?? "",
    /^warning: out of file descriptors \(136 connections held, limit 200\): .*raise the limit \(ulimit -n\)$/,
  );
  assert.equal(gate.halfOpen, capacity - 1);
});

test("with every connection settled, a new one is refused; accepting is said again once enough closed", () => {
  const limit = 100;
  const { budget, lines, admit } = setUp(limit);
  const all = Array.from({ length: budget.capacity }, (_, i) => admit(`10.0.0.${i}`));
  for (const connection of all) connection?.settle();
  assert.equal(admit("10.0.1.1"), undefined);
  assert.equal(admit("10.0.1.2"), undefined);
  assert.equal(budget.refused, 2);
  assert.equal(lines.length, 1, "one line per episode");
  // a few leave: still near the limit, the episode goes on quietly
  all[0]?.release();
  const afterOne = admit("10.0.1.3");
  assert.ok(afterOne);
  afterOne.settle();
  assert.equal(lines.length, 1);
  for (const connection of all.slice(1, 20)) connection?.release();
  const afterMany = admit("10.0.1.4");
  assert.ok(afterMany);
  afterMany.settle();
  assert.deepEqual(lines.slice(1), [
    "descriptors available again: accepting connections (2 refused or closed meanwhile)",
  ]);
  while (budget.held < budget.capacity) admit("10.0.2.1")?.settle();
  assert.equal(admit("10.0.1.5"), undefined);
  assert.equal(lines.length, 3, "a new episode is said again");
});

test("a failed accept (EMFILE) is said once per episode and counted; a connection accepted after a quiet second ends it", () => {
  const { budget, gate, lines, admit, later } = setUp(undefined);
  gate.outOfDescriptors();
  later(10);
  gate.outOfDescriptors();
  assert.equal(budget.refused, 2);
  assert.deepEqual(lines, [
    "warning: out of file descriptors (EMFILE): refusing new connections until some close, closing half-open ones first; raise the limit (ulimit -n)",
  ]);
  // one descriptor freed: a connection gets in (and becomes a client), but the next accept fails again: the
  // same episode
  const client = admit("10.0.0.1");
  assert.ok(client);
  client.settle();
  gate.outOfDescriptors();
  later(EPISODE_QUIET_MS);
  assert.ok(admit("10.0.0.2"));
  assert.deepEqual(lines.slice(1), [
    "descriptors available again: accepting connections (3 refused or closed meanwhile)",
  ]);
});

test("a failed accept closes the oldest half-open connections to make room, never a client's", () => {
  const { budget, closed, admit, rejected } = setUp(undefined);
  admit("10.0.0.1", "client")?.settle();
  for (let i = 0; i < 100; i++) admit("10.0.1.1", `attacker ${i}`);
  const held = budget.held;
  budget.exhausted();
  assert.equal(closed.length, EVICTED_PER_FAILED_ACCEPT);
  assert.equal(closed[0], "attacker 0");
  assert.equal(budget.held, held - EVICTED_PER_FAILED_ACCEPT);
  assert.equal(budget.refused, 1 + EVICTED_PER_FAILED_ACCEPT);
  assert.equal(
    rejected(),
    EVICTED_PER_FAILED_ACCEPT,
    "each connection closed counts in its server's rejected",
  );
});

test("without a known limit nothing is evicted while accepting works, and an evicted connection's own close later counts nothing", () => {
  const unknown = setUp(undefined);
  for (let i = 0; i < 5000; i++) unknown.admit(`10.0.${i % 250}.${i % 60}`);
  assert.deepEqual(unknown.closed, []);
  const known = setUp(80);
  const first = known.admit("10.0.0.1", "first");
  while (known.budget.held < known.budget.capacity) known.admit("10.0.0.2")?.settle();
  assert.ok(known.admit("10.0.0.3"));
  assert.deepEqual(known.closed, ["first"]);
  const held = known.budget.held;
  first?.release();
  first?.settle();
  assert.equal(
    known.budget.held,
    held,
    "the runtime's close of an evicted connection gives nothing back twice",
  );
});

test("the soft descriptor limit is read from /proc/self/limits; unlimited or missing is unknown", () => {
  const limits = [
    "Limit                     Soft Limit           Hard Limit           Units     ",
    "Max processes             95684                95684                processes ",
    "Max open files            1024                 524288               files     ",
    "Max locked memory         8388608              8388608              bytes     ",
  ].join("\n");
  assert.equal(parseDescriptorLimit(limits), 1024);
  assert.equal(parseDescriptorLimit(limits.replace("1024 ", "unlimited ")), undefined);
  assert.equal(parseDescriptorLimit(""), undefined);
});

test("the reserve is an eighth of the limit, at least 64, at most half", () => {
  assert.equal(descriptorReserve(1024), 128);
  assert.equal(descriptorReserve(20_000), 2500);
  assert.equal(descriptorReserve(256), 64);
  assert.equal(descriptorReserve(64), 32);
});
