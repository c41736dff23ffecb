// What the hub hands every client's framing and filter: one published entry, shared by all of them.

/** One published entry: what every client's framing and filter needs, shared by all of them. */
export interface PublishedEntry {
  /** 1, 2, 3… per entry published in this run, before any filter. */
  readonly seq: number;
  readonly json: string;
  readonly source: string;
  /** Index in LEVELS (wire/contract.ts); -1 when the entry names no level. */
  readonly level: number;
}
