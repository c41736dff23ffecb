// What the hub hands every client's framing and filter: one published entry, shared by all of them.

/** One published entry: what every client's framing and filter needs, shared by all of them. */
export interface PublishedEntry {
  /** 1, 2, 3… per entry published in this run, before any filter. */
  readonly seq: number;
  readonly json: string;
  readonly source: string;
  /** Index in LEVELS (wire/contract.ts); -1 when the entry names no level. */
  readonly level: number;
  /** Where a NATS JetStream stream holds it (served from NATS); its SSE id then names this, not `seq`. */
  readonly position?: StreamPosition | undefined;
}

/** An entry's place in a JetStream stream: the message's sequence and the entry's index in its batch. */
export interface StreamPosition {
  readonly seq: number;
  readonly index: number;
}
