// What the TCP and SSE servers share: their clients, their heartbeat timer and their shutdown. A session's
// pump awaits the transport's write before taking the next batch, and each batch is everything queued.

import type { Batch, Hub, StartOptions, StreamStart, Subscriber, Transport } from "../fanout/hub.ts";
import type { EntryId } from "../fanout/replay.ts";
import type { StreamFilter } from "../fanout/stream-filter.ts";
import { settleWithin } from "../util/deadline.ts";
import type { HeartbeatStats } from "../wire/contract.ts";
import { ClientLimits } from "./client-limits.ts";

export interface StreamServerOptions {
  readonly transport: Transport;
  readonly bufferSize: number;
  /** Seconds between heartbeats; undefined when heartbeats are off. */
  readonly heartbeatIntervalSeconds: number | undefined;
  /** One heartbeat frame for every client of this server, built once per tick. */
  readonly encodeHeartbeat: (stats: HeartbeatStats, nowMs: number) => Uint8Array;
  readonly startedAtMs: number;
  /** `max_clients` and `max_clients_per_ip`; absent or 0: no limit. */
  readonly maxClients?: number;
  readonly maxClientsPerIp?: number;
  /** `stall_timeout_seconds`: a client whose full queue stays untaken this long is closed; absent or 0: never. */
  readonly stallTimeoutSeconds?: number;
}

/** How often a server with clients looks for stalled ones. */
export const STALL_SWEEP_MS = 1000;

export class StreamServer {
  /** The sessions still on, and how to hang up on each, for a shutdown whose grace period ran out. */
  private readonly closers = new Map<Subscriber, () => void>();
  /** Set while a shutdown waits for the sessions to end: called when the last one did. */
  private allEnded: (() => void) | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** One per server, running only while it has clients (see sweepStalled). */
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** Clients closed because they stayed stalled past stall_timeout_seconds. */
  stalledDisconnects = 0;
  /** Heartbeat frames queued to this server's clients, one per client per interval. */
  heartbeatsSent = 0;
  private stopped = false;
  /** Who may connect: every session takes a slot here first (see client-limits.ts). */
  readonly limits: ClientLimits;

  /** Subscribers this server opened: a shutdown ends these, not another server's of the same transport. */
  private readonly opened = new WeakSet<Subscriber>();

  constructor(
    private readonly hub: Hub,
    private options: StreamServerOptions,
  ) {
    this.limits = new ClientLimits(options.maxClients ?? 0, options.maxClientsPerIp ?? 0);
  }

  get transport(): Transport {
    return this.options.transport;
  }

  /** Sessions still tracked for shutdown: one per connected client, none once they all left. */
  get sessions(): number {
    return this.closers.size;
  }

  /** Starts a subscriber opened with `held: true`. */
  start(subscriber: Subscriber, options: StartOptions): void {
    this.hub.start(subscriber, options);
  }

  /** The id of the last entry published: a session that subscribes later starts after it, missing nothing. */
  position(): EntryId {
    return { run: this.hub.runId, seq: this.hub.published };
  }

  /**
   * A new client: its subscriber receives the entries that pass `filter`, published from now on, or from
   * `start` (a backlog or a resume) on.
   */
  open(
    remoteAddress: string,
    request: {
      filter?: StreamFilter | undefined;
      start?: StreamStart;
      connectedSinceStart?: boolean;
      held?: boolean;
    } = {},
  ): Subscriber {
    const subscriber = this.hub.subscribe({
      transport: this.options.transport,
      remoteAddress,
      bufferSize: this.options.bufferSize,
      ...request,
    });
    this.opened.add(subscriber);
    this.startSweep();
    return subscriber;
  }

  private startSweep(): void {
    const seconds = this.options.stallTimeoutSeconds ?? 0;
    if (seconds <= 0 || this.sweepTimer !== undefined || this.stopped) return;
    this.sweepTimer = setInterval(() => this.sweepStalled(seconds * 1000), STALL_SWEEP_MS);
  }

  /** Closes every client of this server that stayed stalled for timeoutMs; the timer stops with the last client. */
  private sweepStalled(timeoutMs: number): void {
    if (this.hub.activeClients(this.options.transport) === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
      return;
    }
    const now = Date.now();
    for (const subscriber of this.hub.clients()) {
      if (subscriber.transport !== this.options.transport) continue;
      if (!subscriber.isStalled(timeoutMs, now)) continue;
      this.stalledDisconnects++;
      subscriber.close();
      this.closers.get(subscriber)?.();
    }
  }

  /**
   * Moves batches from the subscriber to the transport until either ends. `write` resolves when the
   * transport can take more; it rejects (or the subscriber closes) when the client is gone.
   */
  pump(
    subscriber: Subscriber,
    write: (bytes: Uint8Array) => Promise<void>,
    close: () => void,
  ): Promise<void> {
    const run = (async () => {
      try {
        for (let batch: Batch | undefined = await subscriber.next(); batch; batch = await subscriber.next()) {
          await write(batch.bytes);
          subscriber.markDelivered(batch.entries);
        }
      } catch {
        // the client went away mid-write: nothing to deliver to any more
      } finally {
        subscriber.close();
        close();
        this.ended(subscriber);
      }
    })();
    this.track(subscriber, close);
    return run;
  }

  /**
   * Keeps a session visible to shutdown until ended() (SSE's pump is pulled by the adapter instead): no
   * promise per session, only its hang-up.
   */
  track(subscriber: Subscriber, close: () => void): void {
    this.closers.set(subscriber, close);
  }

  /** The session is over: a shutdown no longer waits for it. */
  ended(subscriber: Subscriber): void {
    if (this.closers.delete(subscriber) && this.closers.size === 0) this.allEnded?.();
  }

  /**
   * A reload: buffer size and limits for clients that connect from now on (those connected keep their queue
   * and their slot), the stall timeout and the heartbeat for everyone (the heartbeat timer starts over).
   */
  reconfigure(options: StreamServerOptions): void {
    const before = this.options;
    this.options = options;
    this.limits.reconfigure(options.maxClients ?? 0, options.maxClientsPerIp ?? 0);
    if (before.stallTimeoutSeconds !== options.stallTimeoutSeconds) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
      if (this.hub.activeClients(options.transport) > 0) this.startSweep();
    }
    // each tick reads the heartbeat's format from the options: only a new interval needs a new timer
    if (before.heartbeatIntervalSeconds !== options.heartbeatIntervalSeconds) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
      if (!this.stopped) this.startHeartbeat();
    }
  }

  /** Counters that outlive a rebind: the server that replaces this one goes on from them. */
  inheritCounters(previous: StreamServer): void {
    this.limits.rejected += previous.limits.rejected;
    this.stalledDisconnects += previous.stalledDisconnects;
    this.heartbeatsSent += previous.heartbeatsSent;
  }

  startHeartbeat(): void {
    const seconds = this.options.heartbeatIntervalSeconds;
    if (seconds === undefined) return;
    this.heartbeatTimer = setInterval(() => {
      const now = Date.now();
      const stats = {
        activeClients: this.hub.activeClients(),
        uptimeSeconds: Math.floor((now - this.options.startedAtMs) / 1000),
      };
      if (this.hub.activeClients(this.options.transport) === 0) return;
      this.heartbeatsSent += this.hub.broadcast(
        this.options.transport,
        this.options.encodeHeartbeat(stats, now),
      );
    }, seconds * 1000);
  }

  /**
   * Stops heartbeats, offers each client a last frame (SSE's disconnect event), and lets every queue drain
   * for up to graceMs; clients still writing after that are closed.
   */
  async shutdown(lastFrame: Uint8Array | undefined, graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const subscriber of this.hub.clients()) {
      if (!this.opened.has(subscriber)) continue;
      if (lastFrame) subscriber.offer(lastFrame, false);
      subscriber.end();
    }
    if (this.closers.size > 0) {
      const ended = new Promise<void>((resolve) => {
        this.allEnded = resolve;
      });
      await settleWithin(ended, graceMs, undefined);
      this.allEnded = undefined;
    }
    for (const [subscriber, close] of this.closers) {
      subscriber.close();
      close();
    }
  }
}
