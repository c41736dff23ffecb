// The process's descriptors, shared by every server: the connections logwisp holds are kept below the soft
// limit (`ulimit -n`), with a reserve left for the files it follows, so a flood of connections never reaches
// EMFILE — where Bun's listener spins on a core, Deno's node:net stops accepting for good, and Node closes
// new connections unseen. At the limit, the oldest half-open connection (one that has not sent a request or
// started its stream) is closed to make room; with none left, the new one is refused. Either way the episode
// is said once on stderr, and each connection it costs is counted.

/**
 * The soft limit from the text of Linux's /proc/self/limits (`Max open files  1024  524288  files`), which the
 * adapters read since no runtime offers getrlimit; undefined when the line is missing or says unlimited.
 */
export function parseDescriptorLimit(procLimits: string): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(procLimits);
  return match ? Number(match[1]) : undefined;
}

/**
 * Descriptors left to the files, watchers and the runtime itself: an eighth of the limit, at least 64 (but
 * never more than half: under a tiny limit, connections still get the other half).
 */
export function descriptorReserve(limit: number): number {
  return Math.min(Math.max(64, Math.floor(limit / 8)), Math.floor(limit / 2));
}

/**
 * An EMFILE episode is over once a connection is accepted this long after the last failed accept: descriptors
 * freed one at a time would otherwise end and start it again with every connection that closes.
 */
export const EPISODE_QUIET_MS = 1000;

/**
 * Half-open connections closed at each failed accept, oldest first: what waits to be accepted (Deno's loop
 * tries again 100 ms later) then gets in without waiting out their header deadline.
 */
export const EVICTED_PER_FAILED_ACCEPT = 32;

/** A connection the budget may close to make room for a newer one. */
export interface Evictable {
  evict(): void;
}

export class DescriptorBudget {
  /** Connections refused or closed since start because descriptors ran short (budget or EMFILE). */
  refused = 0;
  private heldNow = 0;
  private short = false;
  private refusedInEpisode = 0;
  private lastExhaustedAtMs = Number.NEGATIVE_INFINITY;
  /** Half-open connections in the order they came: the first is the oldest. */
  private readonly halfOpen = new Set<Evictable>();
  /** Connections logwisp may hold at once; Infinity when the limit is not known. */
  readonly capacity: number;
  /** An episode ends once the connections held fall to this. */
  private readonly lowWater: number;

  constructor(
    /** The soft limit, or undefined when the runtime cannot tell (then only EMFILE itself is reported). */
    readonly limit: number | undefined,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = limit === undefined ? Number.POSITIVE_INFINITY : limit - descriptorReserve(limit);
    this.lowWater =
      limit === undefined ? this.capacity : this.capacity - Math.max(8, Math.floor(this.capacity / 16));
  }

  /** Connections held now, by every server. */
  get held(): number {
    return this.heldNow;
  }

  /**
   * Room for one more connection: true when it may be let in (after closing the oldest half-open one). A
   * connection let in with few held, and no failed accept for EPISODE_QUIET_MS, ends the episode.
   */
  take(): boolean {
    if (this.heldNow < this.capacity) {
      this.heldNow++;
      if (this.short && this.heldNow <= this.lowWater && this.quietSinceExhausted()) this.endEpisode();
      return true;
    }
    this.startEpisode(`${this.heldNow} connections held, limit ${this.limit}`);
    const oldest = this.halfOpen.values().next();
    if (oldest.done) {
      this.countRefusal();
      return false;
    }
    // evict() gives its descriptor back through give()
    oldest.value.evict();
    this.heldNow++;
    return true;
  }

  /** A connection let in by take() closed (or was evicted). */
  give(connection: Evictable): void {
    this.halfOpen.delete(connection);
    this.heldNow--;
  }

  /** The connection may be evicted while half-open. */
  trackHalfOpen(connection: Evictable): void {
    this.halfOpen.add(connection);
  }

  /** It sent a request or started its stream: no longer a candidate for eviction. */
  untrackHalfOpen(connection: Evictable): void {
    this.halfOpen.delete(connection);
  }

  /** An eviction or a refusal made for want of descriptors. */
  countRefusal(): void {
    this.refused++;
    this.refusedInEpisode++;
  }

  /**
   * The runtime failed to accept (EMFILE, ENFILE): descriptors ran out whatever the budget says (or where it
   * does not know the limit). The oldest half-open connections are closed to make room.
   */
  exhausted(): void {
    this.lastExhaustedAtMs = this.now();
    this.startEpisode("EMFILE");
    this.countRefusal();
    for (let evicted = 0; evicted < EVICTED_PER_FAILED_ACCEPT; evicted++) {
      const oldest = this.halfOpen.values().next();
      if (oldest.done) break;
      oldest.value.evict();
    }
  }

  private quietSinceExhausted(): boolean {
    return this.now() - this.lastExhaustedAtMs >= EPISODE_QUIET_MS;
  }

  private startEpisode(detail: string): void {
    if (this.short) return;
    this.short = true;
    this.refusedInEpisode = 0;
    this.log(
      `warning: out of file descriptors (${detail}): refusing new connections until some close, closing half-open ones first; raise the limit (ulimit -n)`,
    );
  }

  private endEpisode(): void {
    this.short = false;
    this.log(
      `descriptors available again: accepting connections (${this.refusedInEpisode} refused or closed meanwhile)`,
    );
  }
}
