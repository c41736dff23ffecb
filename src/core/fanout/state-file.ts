// The state file of format 1 (`state.jsonl`, before the journal of state-journal.ts): the checkpoints and
// the replay ring in one file, written in one atomic rename, so they are always a consistent pair (the ring's
// newest entry is the last line before the checkpoints' offsets). Line 1 is a JSON header (format, run ids,
// checkpoints, the ring's seqs, levels and sources); each line after it is one held entry's JSON text,
// oldest first, exactly as the ring holds it. Read once when found (then replaced by the journal).

import type { Prefix } from "../tail/fingerprint.ts";
import type { FilePosition } from "../tail/tailer.ts";
import type { EarlierRun } from "./hub.ts";
import type { RingExport } from "./replay.ts";

export const STATE_FORMAT = 1;

/** What every save says besides its entries (a format-1 file's header, a journal record's). */
export interface SavedHead {
  /** Written by a clean stop (the last save of a run): nothing was published after it. */
  readonly clean: boolean;
  readonly savedAtMs: number;
  /** The run whose ids the saved entries carry. */
  readonly run: string;
  readonly earlierRuns: readonly EarlierRun[];
  readonly checkpoints: ReadonlyMap<string, readonly FilePosition[]>;
}

export interface SavedState extends SavedHead {
  readonly ring: RingExport;
}

/** SavedHead as JSON, in a format-1 file's header and a journal record's. */
export interface HeadJson {
  format: number;
  clean: boolean;
  saved_at_ms: number;
  run: string;
  earlier_runs: Array<{ run: string; up_to_seq: number }>;
  checkpoints: SavedCheckpoints;
}

interface Header extends HeadJson {
  ring: { oldest_seq: number; next_seq: number; sources: string[]; source_ids: number[]; levels: number[] };
}

/** The checkpoints as saved: per path, its files' identities and offsets. */
export type SavedCheckpoints = Record<
  string,
  Array<{ dev: number; ino: number; prefix: [number, number]; offset: number }>
>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A save's head as its JSON says it: a format-1 file's header, a journal record's. */
export function headJson(head: SavedHead, format: number): HeadJson {
  return {
    format,
    clean: head.clean,
    saved_at_ms: head.savedAtMs,
    run: head.run,
    earlier_runs: head.earlierRuns.map(({ run, upToSeq }) => ({ run, up_to_seq: upToSeq })),
    checkpoints: encodeCheckpoints(head.checkpoints),
  };
}

/** A save's head read back from its JSON (whose run has been checked). */
export function savedHead(json: Partial<HeadJson> & { run: string }): SavedHead {
  return {
    clean: json.clean === true,
    savedAtMs: Number(json.saved_at_ms ?? 0),
    run: json.run,
    earlierRuns: (json.earlier_runs ?? []).map(({ run, up_to_seq }) => ({ run, upToSeq: up_to_seq })),
    checkpoints: decodeCheckpoints(json.checkpoints),
  };
}

/** The entries in saved text: one per line, each line ended by its newline. */
export function countLines(text: Uint8Array): number {
  let lines = 0;
  for (let at = text.indexOf(0x0a); at !== -1; at = text.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

function encodeCheckpoints(checkpoints: ReadonlyMap<string, readonly FilePosition[]>): SavedCheckpoints {
  return Object.fromEntries(
    [...checkpoints].map(([path, positions]) => [
      path,
      positions.map(({ dev, ino, prefix, offset }) => ({
        dev,
        ino,
        prefix: [prefix.length, prefix.hash] as [number, number],
        offset,
      })),
    ]),
  );
}

function decodeCheckpoints(saved: SavedCheckpoints | undefined): Map<string, FilePosition[]> {
  const checkpoints = new Map<string, FilePosition[]>();
  for (const [path, positions] of Object.entries(saved ?? {})) {
    checkpoints.set(
      path,
      positions.map(({ dev, ino, prefix, offset }) => ({
        dev,
        ino,
        prefix: { length: prefix[0], hash: prefix[1] } satisfies Prefix,
        offset,
      })),
    );
  }
  return checkpoints;
}

/** The bytes of a state file. The ring's text is copied once more; the header is one JSON.stringify. */
export function encodeState(state: SavedState): Uint8Array {
  const { ring } = state;
  const header: Header = {
    ...headJson(state, STATE_FORMAT),
    ring: {
      oldest_seq: ring.oldestSeq,
      next_seq: ring.nextSeq,
      sources: [...ring.sources],
      source_ids: [...ring.sourceIds],
      levels: [...ring.levels],
    },
  };
  const head = encoder.encode(`${JSON.stringify(header)}\n`);
  const bytes = new Uint8Array(head.length + ring.text.length);
  bytes.set(head, 0);
  bytes.set(ring.text, head.length);
  return bytes;
}

/** Reads a state file back; a problem is thrown as an Error saying what is wrong with it. */
export function decodeState(bytes: Uint8Array): SavedState {
  const newline = bytes.indexOf(0x0a);
  if (newline === -1) throw new Error("no header line");
  const header = JSON.parse(decoder.decode(bytes.subarray(0, newline))) as Partial<Header>;
  if (header.format !== STATE_FORMAT)
    throw new Error(`format ${String(header.format)}, expected ${STATE_FORMAT}`);
  const ring = header.ring;
  if (typeof header.run !== "string" || ring === undefined || !Array.isArray(ring.levels))
    throw new Error("header without run or ring");
  const text = bytes.subarray(newline + 1);
  const lines = countLines(text);
  if (lines !== ring.levels.length || ring.source_ids.length !== lines)
    throw new Error(`${lines} entries, the header says ${ring.levels.length}`);
  return {
    ...savedHead({ ...header, run: header.run }),
    ring: {
      oldestSeq: ring.oldest_seq,
      nextSeq: ring.next_seq,
      sources: ring.sources,
      sourceIds: ring.source_ids,
      levels: ring.levels,
      text,
    },
  };
}
