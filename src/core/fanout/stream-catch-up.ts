// A client served from NATS whose resume point (or backlog) lies before what the ring holds reads the
// stream itself, message by message, at the pace it takes its queue. The hub meanwhile goes on publishing;
// the client takes no live batch while it catches up. After every message it looks, in one synchronous
// step, whether the ring now holds its next position (then it reads the ring, then goes live, as a local
// resume does) or whether the hub has published nothing after it (then it goes live at once): so it gets
// exactly the entries after its id, then the live ones, none twice and none missed.

import type { PublishedEntry, StreamPosition } from "../wire/published-entry.ts";
import { describeJson } from "./describe-json.ts";
import { comparePositions, successorOf } from "./entry-id.ts";
import type { StreamHistory } from "./entry-source.ts";
import type { ReplayRing } from "./replay.ts";
import { levelIndex, type StreamFilter } from "./stream-filter.ts";

/** What a client catching up from the stream needs of the hub. */
export interface StreamReplayHost {
  readonly ring: ReplayRing;
  /** The stream being served; undefined while NATS was never reached. */
  readonly history: StreamHistory | undefined;
  /** Everything up to this position was handed to the hub (index Infinity: all of that message). */
  readonly newestPosition: StreamPosition | undefined;
}

/** One step of a catch-up: entries to queue, a gap to report, or where to go on from. */
export type CatchUpStep =
  | { readonly kind: "entries"; readonly entries: PublishedEntry[] }
  | { readonly kind: "gap"; readonly missed: number }
  | { readonly kind: "ring"; readonly seq: number }
  | { readonly kind: "live" }
  /** NATS is away (or not reached yet): nothing now, try again later. */
  | { readonly kind: "waiting" }
  /** The hub has not been fed this far yet (its consumer is starting): look again soon. */
  | { readonly kind: "behind" };

/** Where a new client served from NATS starts. */
export type StreamStartPlan =
  | { readonly kind: "live" }
  | { readonly kind: "ring"; readonly seq: number; readonly next: StreamPosition }
  | { readonly kind: "stream"; readonly reader: StreamCatchUp };

/**
 * Decides where a client served from NATS starts: after `after` (else after the newest entry), with the
 * last `backlog` entries that pass `filter` before that. Synchronous when the ring holds all of it.
 */
export function planStreamStart(
  host: StreamReplayHost,
  after: StreamPosition | undefined,
  backlog: number,
  filter: StreamFilter | undefined,
): StreamStartPlan {
  const { ring, newestPosition: newest } = host;
  if (!host.history || !newest) {
    return after ? { kind: "stream", reader: new StreamCatchUp(host, successorOf(after)) } : { kind: "live" };
  }
  const next = successorOf(after ?? newest);
  const ahead = comparePositions(next, newest) > 0;
  // a resume point past what the hub has: the reader goes live once the hub is there (see join)
  if (ahead && after && backlog === 0) return { kind: "stream", reader: new StreamCatchUp(host, next) };
  const fromSeq = ahead ? ring.newestSeq + 1 : ring.seqAtOrAfter(next);
  if (backlog > 0) {
    let found = 0;
    if (fromSeq !== undefined) {
      for (let seq = fromSeq - 1; seq >= ring.oldestSeq; seq--) {
        if (filter && !filter.matches(ring.get(seq) as PublishedEntry)) continue;
        if (++found === backlog) return { kind: "ring", seq, next: ring.positionOf(seq) as StreamPosition };
      }
    }
    const before = fromSeq !== undefined && ring.size > 0 ? ring.positionOf(ring.oldestSeq) : undefined;
    const reader = new StreamCatchUp(host, before ?? next, { count: backlog - found });
    return { kind: "stream", reader };
  }
  if (fromSeq === undefined) return { kind: "stream", reader: new StreamCatchUp(host, next) };
  if (fromSeq > ring.newestSeq) return { kind: "live" };
  return { kind: "ring", seq: fromSeq, next: ring.positionOf(fromSeq) as StreamPosition };
}

export class StreamCatchUp {
  /** Still to do first: find where the last `count` entries before `next` begin. */
  private backlog: { count: number } | undefined;

  constructor(
    private readonly host: StreamReplayHost,
    /** The position of the next entry this client wants. */
    private next: StreamPosition,
    backlog?: { count: number },
  ) {
    this.backlog = backlog;
  }

  /** The next entries (at most `room`), or where to go on from. Rejections of the stream become "waiting". */
  async step(room: number, filter: StreamFilter | undefined): Promise<CatchUpStep> {
    const { history } = this.host;
    if (!history) return { kind: "waiting" };
    try {
      if (this.backlog) {
        this.next = await this.backlogStart(history, this.backlog.count, filter);
        this.backlog = undefined;
      }
      for (;;) {
        const joined = this.join();
        if (joined) return joined;
        const message = await history.read(this.next.seq);
        if (message.kind === "gone") {
          // messages missed, the one the client was in counted too: whether anything of it was left to
          // read is not known any more, and a gap is never left unsaid
          const missed = message.firstSeq - this.next.seq;
          this.next = { seq: message.firstSeq, index: 0 };
          return { kind: "gap", missed };
        }
        if (message.kind === "missing") {
          this.next = { seq: this.next.seq + 1, index: 0 };
          continue;
        }
        const entries = this.take(message.jsons, room, filter);
        if (entries.length > 0) return { kind: "entries", entries };
      }
    } catch {
      // NATS away: the client keeps its connection (heartbeats go on) and tries again
      return { kind: "waiting" };
    }
  }

  /**
   * The ring holds the next position, or the hub's newest entry is the one just before it: leave the stream.
   * Undefined: read the stream on. The hub is fed whole messages, so its newest entry ends its message.
   */
  private join(): CatchUpStep | undefined {
    const { ring, newestPosition: newest } = this.host;
    if (!newest) return { kind: "behind" };
    const { next } = this;
    if (comparePositions(next, newest) <= 0) {
      const seq = ring.seqAtOrAfter(next);
      if (seq === undefined) return undefined;
      return seq > ring.newestSeq ? { kind: "live" } : { kind: "ring", seq };
    }
    if (next.seq === newest.seq || (next.index === 0 && next.seq === newest.seq + 1)) return { kind: "live" };
    // the client is ahead of this hub (its id came from an instance further on): reading the stream past
    // what the hub has could skip a message not written yet, and going live would repeat what it has
    return { kind: "behind" };
  }

  /** The entries of message `next.seq` from `next.index` on that pass `filter`, at most `room` of them. */
  private take(jsons: readonly string[], room: number, filter: StreamFilter | undefined): PublishedEntry[] {
    const taken: PublishedEntry[] = [];
    const { seq } = this.next;
    let index = this.next.index;
    for (; index < jsons.length && taken.length < room; index++) {
      const entry = entryAt(jsons[index] as string, seq, index);
      if (!filter || filter.matches(entry)) taken.push(entry);
    }
    this.next = index >= jsons.length ? { seq: seq + 1, index: 0 } : { seq, index };
    return taken;
  }

  /** Walks back from `next` over whole messages until `count` entries that pass `filter` are behind it. */
  private async backlogStart(
    history: StreamHistory,
    count: number,
    filter: StreamFilter | undefined,
  ): Promise<StreamPosition> {
    let found = 0;
    for (let seq = this.next.seq; seq >= 1; seq--) {
      const message = await history.read(seq);
      if (message.kind === "gone") return { seq: seq + 1, index: 0 };
      if (message.kind === "missing") continue;
      const end =
        seq === this.next.seq ? Math.min(this.next.index, message.jsons.length) : message.jsons.length;
      for (let index = end - 1; index >= 0; index--) {
        if (filter && !filter.matches(entryAt(message.jsons[index] as string, seq, index))) continue;
        if (++found === count) return { seq, index };
      }
    }
    return { seq: 1, index: 0 };
  }
}

/** An entry read back from the stream (`seq` is the hub's numbering, which such an entry does not have). */
function entryAt(json: string, seq: number, index: number): PublishedEntry {
  const { source, level } = describeJson(json);
  return { seq: 0, json, source, level: levelIndex(level), position: { seq, index } };
}
