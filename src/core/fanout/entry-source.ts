// The two seams of the fan-out: where the hub's entries come from, and where a client's resume or backlog
// is read from. Today each has one implementation — the local files (LocalFiles: tail → entry → hub) and
// the in-memory replay ring (ReplayRing) — and a second is planned for each: a NATS JetStream consumer
// feeding the same hub, and the stream's own sequence as the place a resume reads from.

import type { TailerStatus } from "../tail/tailer.ts";
import type { PublishedEntry } from "../wire/published-entry.ts";

/** Something that feeds entries to the hub for as long as it runs. */
export interface EntrySource {
  /** Starts feeding; resolves once it is in place (for files: found and positioned). */
  start(): Promise<void>;
  /** Stops feeding and releases what it holds; idempotent. */
  stop(): Promise<void>;
  /** What `/status` lists of it, one item per file followed (empty for a source that follows none). */
  status(): readonly SourceFileStatus[];
}

/** A followed file as `/status` shows it: the tailer's own state and the lines its target's filter kept out. */
export interface SourceFileStatus extends TailerStatus {
  readonly excluded: number;
}

/**
 * Where a client that resumes (`Last-Event-ID`) or asks for a backlog starts reading: entries by sequence
 * number, oldest to newest, all of one run. The hub decides from `oldestSeq` / `newestSeq` whether the
 * client missed some (an `event: gap`) and reads the rest with `get`.
 */
export interface ResumeStore {
  /** The newest sequence number given out (0 before the first entry). */
  readonly newestSeq: number;
  /** The oldest sequence number still held (newestSeq + 1 when nothing is). */
  readonly oldestSeq: number;
  get(seq: number): PublishedEntry | undefined;
}

/**
 * The second place a resume reads from: a JetStream stream's messages by sequence (the entries of one
 * message are a batch). A client whose resume point or backlog lies before the ring reads here, then
 * joins the ring, then the live entries.
 */
export interface StreamHistory {
  /** The stream's identity in ids (entry-id.ts streamIdentity). */
  readonly identity: string;
  /** The entries (JSON texts) of message `seq`, or why there are none; rejects while NATS is away. */
  read(seq: number): Promise<HistoryMessage>;
}

export type HistoryMessage =
  | { readonly kind: "entries"; readonly jsons: readonly string[] }
  /** Not held, but later ones may be (deleted, or not yet written). */
  | { readonly kind: "missing" }
  /** Before the first message the stream holds (its retention removed it). */
  | { readonly kind: "gone"; readonly firstSeq: number };
