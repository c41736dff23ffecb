// Connections before they are clients, per server: a connection is half-open from its accept until it sent a
// whole request (HTTP) or its stream started (TCP). An address that already holds MAX_HALF_OPEN_PER_ADDRESS
// connections half-open for over HALF_OPEN_LINGER_MS gets no more: a new one is closed at accept, without a
// word, until some of those finish. A burst from one address (a load test, an office behind one NAT) is let
// in, since its connections send their requests at once; one that trickles its headers or says nothing is
// what the cap is for. Every connection also takes a descriptor from the process's budget
// (descriptor-budget.ts). Refusals of both kinds are counted in the server's `rejected`. Adapters call it
// through the port's ConnectionGate (runtime.ts).

import type { AdmittedConnection, ConnectionGate } from "../runtime.ts";
import { canonicalAddress } from "./client-limits.ts";
import type { DescriptorBudget, Evictable } from "./descriptor-budget.ts";

/**
 * Lingering half-open connections one address may hold. A client is half-open for the milliseconds its
 * request takes (a browser opens at most 6 connections to a host), so 64 leaves room for many clients behind
 * one NAT, while an address that trickles its headers or says nothing holds no more than 64 descriptors
 * (under the common limit of 1,024: about 6%) for longer than a burst lasts.
 */
export const MAX_HALF_OPEN_PER_ADDRESS = 64;

/** How long a connection may be half-open before it counts against its address's cap. */
export const HALF_OPEN_LINGER_MS = 2000;

export class HalfOpenGate implements ConnectionGate {
  /** Each address's half-open connections, oldest first. */
  private readonly perAddress = new Map<string, Set<Admitted>>();
  private halfOpenNow = 0;

  constructor(
    private readonly budget: DescriptorBudget,
    /** Counts one refusal in the server's `rejected`. */
    private readonly countRejected: () => void,
    private readonly options: { maxPerAddress?: number; lingerMs?: number; now?: () => number } = {},
  ) {}

  /** Half-open connections of this server now. */
  get halfOpen(): number {
    return this.halfOpenNow;
  }

  admit(remoteAddress: string, close: () => void): AdmittedConnection | undefined {
    const address = canonicalAddress(remoteAddress);
    const now = (this.options.now ?? Date.now)();
    const fromAddress = this.perAddress.get(address) ?? new Set<Admitted>();
    if (this.lingering(fromAddress, now)) {
      this.countRejected();
      return undefined;
    }
    if (!this.budget.take()) {
      this.countRejected();
      return undefined;
    }
    const connection = new Admitted(this, this.budget, address, now, close);
    fromAddress.add(connection);
    this.perAddress.set(address, fromAddress);
    this.halfOpenNow++;
    this.budget.trackHalfOpen(connection);
    return connection;
  }

  outOfDescriptors(): void {
    this.budget.exhausted();
  }

  /** Called by an Admitted connection when it stops being half-open (settled, closed or evicted). */
  leftHalfOpen(connection: Admitted): void {
    this.halfOpenNow--;
    const fromAddress = this.perAddress.get(connection.address);
    fromAddress?.delete(connection);
    if (fromAddress?.size === 0) this.perAddress.delete(connection.address);
  }

  evicted(): void {
    this.budget.countRefusal();
    this.countRejected();
  }

  /** True when the address holds its cap of connections half-open for longer than the linger time. */
  private lingering(fromAddress: Set<Admitted>, now: number): boolean {
    const max = this.options.maxPerAddress ?? MAX_HALF_OPEN_PER_ADDRESS;
    if (fromAddress.size < max) return false;
    const since = now - (this.options.lingerMs ?? HALF_OPEN_LINGER_MS);
    // oldest first: the max-th oldest lingers only if all before it do
    let seen = 0;
    for (const connection of fromAddress) {
      if (connection.admittedAtMs > since) return false;
      if (++seen === max) return true;
    }
    return false;
  }
}

class Admitted implements AdmittedConnection, Evictable {
  private state: "half-open" | "settled" | "closed" = "half-open";

  constructor(
    private readonly gate: HalfOpenGate,
    private readonly budget: DescriptorBudget,
    readonly address: string,
    readonly admittedAtMs: number,
    private readonly close: () => void,
  ) {}

  settle(): void {
    if (this.state !== "half-open") return;
    this.state = "settled";
    this.gate.leftHalfOpen(this);
    this.budget.untrackHalfOpen(this);
  }

  release(): void {
    if (this.state === "closed") return;
    if (this.state === "half-open") this.gate.leftHalfOpen(this);
    this.state = "closed";
    this.budget.give(this);
  }

  /** Closed by the budget to make room: its descriptor counts as given back now, not when the runtime says so. */
  evict(): void {
    if (this.state !== "half-open") return;
    this.release();
    this.gate.evicted();
    this.close();
  }
}
