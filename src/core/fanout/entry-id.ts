// SSE ids, the place a client resumes from. Local: `<run>-<seq>`, the hub's own numbering in this run.
// Served from NATS: `<stream>.<created-hash>-<seq>.<index>`, the entry's place in the JetStream stream, so
// an id taken from one instance resumes on any other; the hash of the stream's creation time tells a
// stream deleted and made again under the same name from the one the id came from.

import type { StreamPosition } from "../wire/published-entry.ts";

/**
 * A `Last-Event-ID`. Local: `run` is the server run's start time in ms, base 36, `seq` the hub's number.
 * From a stream: `run` is the stream's identity (streamIdentity), `seq` the message's sequence and `index`
 * the entry's place in its batch.
 */
export interface EntryId {
  readonly run: string;
  readonly seq: number;
  readonly index?: number;
}

export function runIdOf(startedAtMs: number): string {
  return Math.floor(startedAtMs).toString(36);
}

const LOCAL_ID = /^([0-9a-z]{1,16})-([0-9]{1,15})$/;
// a stream name holds no `.`, space, `*` or `>` (NATS refuses them), so the first `.` ends it
const STREAM_ID = /^([A-Za-z0-9_-]{1,64}\.[0-9a-z]{1,8})-([0-9]{1,15})\.([0-9]{1,9})$/;

/** A `Last-Event-ID` as sent back by a client; undefined when malformed (treated as absent, never an error). */
export function parseEntryId(text: string | undefined | null): EntryId | undefined {
  const trimmed = text?.trim() ?? "";
  const local = LOCAL_ID.exec(trimmed);
  if (local) return { run: local[1] as string, seq: Number(local[2]) };
  const stream = STREAM_ID.exec(trimmed);
  if (!stream) return undefined;
  const seq = Number(stream[2]);
  // stream sequences start at 1
  if (seq < 1) return undefined;
  return { run: stream[1] as string, seq, index: Number(stream[3]) };
}

/**
 * A stream's identity in ids: its name and a short hash (FNV-1a, 32 bits, base 36) of its name and
 * creation time.
 */
export function streamIdentity(name: string, created: string): string {
  let hash = 0x811c9dc5;
  const text = `${name}\n${created}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${name}.${hash.toString(36)}`;
}

/** The SSE id of an entry at `position` in the stream `identity`. */
export function streamEntryId(identity: string, position: StreamPosition): string {
  return `${identity}-${position.seq}.${position.index}`;
}

/** Negative when `a` comes before `b` in the stream, 0 when the same place, positive after. */
export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  return a.seq === b.seq ? a.index - b.index : a.seq - b.seq;
}

/** The place just after `position` (the next entry of its message, or the next message's first). */
export function successorOf(position: StreamPosition): StreamPosition {
  return { seq: position.seq, index: position.index + 1 };
}
