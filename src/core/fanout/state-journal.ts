// The state journal (`state.journal`): the checkpoints and the replay ring as a log of saves, so that a save
// costs what was published since the last one, not the whole ring. Each save appends one record:
//
//   #<payload bytes> <checksum of the payload, 8 hex digits>\n
//   <JSON header: format, clean, run ids, checkpoints, the ring's oldest seq, and its new entries' seqs,
//    levels and sources>\n
//   <each new entry's JSON text, one line each, oldest first>
//
// A record holds the entries added since the record before it and the checkpoints after them: the pair the
// ring and the checkpoints were in that turn. The state is what the complete records add up to: the entries
// of all of them from the last record's oldest seq on (entries the ring had dropped are not brought back),
// and the last record's checkpoints and run ids. A record cut short (a crash while it was appended) or
// damaged fails its length or checksum: it and anything after it are left out, and the record before it is
// a consistent pair. The keeper writes a fresh journal holding the whole ring (atomically) at its first
// save and after a failed append; when the journal has grown past what the ring holds and all the ring
// holds is in it, it becomes `state.journal.1` and the next record starts a new one, so that no save while
// lines flow costs more than what was published since the last (decodeJournal reads the two in turn).

import type { RingExport } from "./replay.ts";
import {
  countLines,
  type HeadJson,
  headJson,
  type SavedHead,
  type SavedState,
  savedHead,
} from "./state-file.ts";

export const JOURNAL_FORMAT = 2;

export interface JournalRecord extends SavedHead {
  /** The ring's oldest held seq at the save: the state holds no entry before it. */
  readonly ringOldestSeq: number;
  /** The entries added since the previous record (the whole ring in a journal's first record). */
  readonly entries: RingExport;
}

interface Header extends HeadJson {
  ring: {
    oldest_seq: number;
    first_seq: number;
    next_seq: number;
    /** The sources this record's entries name; `source_ids` index this list, not the ring's. */
    sources: string[];
    source_ids: number[];
    levels: number[];
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The longest frame line: `#`, up to 16 digits, a space, 8 hex digits, the newline. */
const FRAME_LINE_MAX = 32;
const FRAME = /^#(\d{1,16}) ([0-9a-f]{8})$/;

/**
 * FNV-1a over 32-bit little-endian words (then the last bytes one by one): four times faster than bytewise,
 * and each step, an XOR and an odd multiply, is a bijection, so a change in any one word always changes the
 * result (a torn end: zeros or missing bytes, a flipped bit). A save hashes every byte it writes.
 */
export function checksum(bytes: Uint8Array, from = 0x811c9dc5): number {
  let hash = from;
  const words = bytes.length & ~3;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < words; i += 4) hash = Math.imul(hash ^ view.getUint32(i, true), 0x01000193);
  for (let i = words; i < bytes.length; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash >>> 0;
}

/** One record's bytes: its new entries' text is copied once, and hashed once. */
export function encodeRecord(record: JournalRecord): Uint8Array {
  const { entries } = record;
  // sources numbered for this record: a restored ring numbers its sources afresh, so the ring's ids are
  // not the same from one run to the next
  const local = new Int32Array(entries.sources.length).fill(-1);
  const sources: string[] = [];
  const sourceIds: number[] = new Array(entries.sourceIds.length);
  for (let i = 0; i < entries.sourceIds.length; i++) {
    const ringId = entries.sourceIds[i] as number;
    let id = local[ringId] as number;
    if (id === -1) {
      id = sources.length;
      local[ringId] = id;
      sources.push(entries.sources[ringId] ?? "");
    }
    sourceIds[i] = id;
  }
  const header: Header = {
    ...headJson(record, JOURNAL_FORMAT),
    ring: {
      oldest_seq: record.ringOldestSeq,
      first_seq: entries.oldestSeq,
      next_seq: entries.nextSeq,
      sources,
      source_ids: sourceIds,
      levels: [...entries.levels],
    },
  };
  const head = encoder.encode(`${JSON.stringify(header)}\n`);
  // the header's, then the text's (hashed where it is, not copied to be hashed with the header)
  const hash = checksum(entries.text, checksum(head));
  const frame = encoder.encode(
    `#${head.length + entries.text.length} ${hash.toString(16).padStart(8, "0")}\n`,
  );
  const bytes = new Uint8Array(frame.length + head.length + entries.text.length);
  bytes.set(frame, 0);
  bytes.set(head, frame.length);
  bytes.set(entries.text, frame.length + head.length);
  return bytes;
}

export interface LoadedJournal {
  /** The last complete record's checkpoints and run ids with the ring they add up to; none without one. */
  readonly state: SavedState | undefined;
  readonly records: number;
  /** What is wrong with the first record left out (cut short, damaged); undefined when none was. */
  readonly damaged: string | undefined;
  /** Which file holds it: the journal, or the one before it (read first). */
  readonly damagedIn: "journal" | "previous" | undefined;
}

/**
 * Reads a journal: every complete record up to the first that is not (see the top of this file). With the
 * journal before it (`previous`, kept by the keeper while the ring still holds entries only it has), its
 * records come first, unless the journal's own first record holds the whole ring (written afresh: the one
 * before is then not read at all); the journal's first record also starts the ring afresh when it does not
 * run on from the previous one's (a previous one cut short, or left behind by another run).
 */
export function decodeJournal(bytes: Uint8Array, previous?: Uint8Array): LoadedJournal {
  const ring = new RingSegments();
  let last: Header | undefined;
  let records = 0;
  let damaged: string | undefined;
  let damagedIn: LoadedJournal["damagedIn"];
  const opening = readRecord(bytes, 0);
  const whole =
    typeof opening !== "string" && opening.header.ring.first_seq <= opening.header.ring.oldest_seq;
  for (const [part, name] of [
    [whole ? undefined : previous, "previous"],
    [bytes, "journal"],
  ] as const) {
    if (part === undefined) continue;
    for (let at = 0, first = true; at < part.length; first = false) {
      const record = readRecord(part, at);
      let problem = typeof record === "string" ? record : undefined;
      if (typeof record !== "string") {
        const starts = first && name === "journal" && ring.startsAfresh(record.header.ring);
        if (starts) ring.clear();
        problem = ring.add(record.header.ring, record.text);
      }
      if (typeof record === "string" || problem !== undefined) {
        if (damaged === undefined) {
          damaged = `record ${records + 1} at byte ${at}: ${problem}`;
          damagedIn = name;
        }
        break;
      }
      last = record.header;
      at = record.end;
      records++;
    }
  }
  if (last === undefined) return { state: undefined, records, damaged, damagedIn };
  const state: SavedState = { ...savedHead(last), ring: ring.export(last.ring.next_seq) };
  return { state, records, damaged, damagedIn };
}

/** The record at `at`, or what is wrong with it. */
function readRecord(
  bytes: Uint8Array,
  at: number,
): { header: Header; text: Uint8Array; end: number } | string {
  const newline = bytes.subarray(at, at + FRAME_LINE_MAX).indexOf(0x0a);
  if (newline === -1) return "cut short (no whole frame line)";
  const frame = FRAME.exec(decoder.decode(bytes.subarray(at, at + newline)));
  if (frame === null) return "not a record's frame line";
  const start = at + newline + 1;
  const end = start + Number(frame[1]);
  if (end > bytes.length) return `cut short (${bytes.length - start} of ${frame[1]} bytes)`;
  const payload = bytes.subarray(start, end);
  const headEnd = payload.indexOf(0x0a);
  if (headEnd === -1) return "no header line";
  const text = payload.subarray(headEnd + 1);
  if (checksum(text, checksum(payload.subarray(0, headEnd + 1))) !== Number.parseInt(frame[2] as string, 16))
    return "checksum mismatch";
  let header: Partial<Header>;
  try {
    header = JSON.parse(decoder.decode(payload.subarray(0, headEnd))) as Partial<Header>;
  } catch {
    return "header is not JSON";
  }
  if (header.format !== JOURNAL_FORMAT) return `format ${String(header.format)}, expected ${JOURNAL_FORMAT}`;
  const ring = header.ring;
  if (typeof header.run !== "string" || ring === undefined || !Array.isArray(ring.levels))
    return "header without run or ring";
  const lines = countLines(text);
  if (lines !== ring.levels.length || ring.source_ids.length !== lines)
    return `${lines} entries, the header says ${ring.levels.length}`;
  return { header: header as Header, text, end };
}

interface Segment {
  firstSeq: number;
  levels: readonly number[];
  /** Indexes into `sources` of the record the segment came from. */
  sourceIds: readonly number[];
  sources: readonly string[];
  text: Uint8Array;
}

/** The ring as the records add up to it: their entries, contiguous by seq, the oldest dropped as told. */
class RingSegments {
  private segments: Segment[] = [];
  /** The seq after the newest entry held. */
  private nextSeq = 0;

  /**
   * Whether a record starts the ring afresh: it holds every entry the ring held (its first is the ring's
   * oldest, or the ring had dropped all it held before), or the entries held do not run on into its own.
   */
  startsAfresh(ring: Header["ring"]): boolean {
    if (ring.first_seq <= ring.oldest_seq) return true;
    const held = this.segments.length > 0 && this.nextSeq > ring.oldest_seq;
    return held && ring.levels.length > 0 && this.nextSeq !== ring.first_seq;
  }

  clear(): void {
    this.segments = [];
    this.nextSeq = 0;
  }

  /** Adds a record's entries (after dropping those before its oldest seq); what is wrong, if anything. */
  add(ring: Header["ring"], text: Uint8Array): string | undefined {
    const count = ring.levels.length;
    if (count > 0 && (ring.first_seq < ring.oldest_seq || ring.first_seq + count > ring.next_seq))
      return `entries ${ring.first_seq}+${count} outside the ring's ${ring.oldest_seq}..${ring.next_seq - 1}`;
    // entries still held by the ring (at or after its oldest) must run on into this record's without a gap
    const held = this.segments.length > 0 && this.nextSeq > ring.oldest_seq;
    if (held && count > 0 && this.nextSeq !== ring.first_seq)
      return `entries from seq ${ring.first_seq}, the records before end at ${this.nextSeq - 1}`;
    this.dropBefore(ring.oldest_seq);
    if (count > 0) {
      this.segments.push({
        firstSeq: ring.first_seq,
        levels: ring.levels,
        sourceIds: ring.source_ids,
        sources: ring.sources,
        text,
      });
      this.nextSeq = ring.first_seq + count;
    }
    return undefined;
  }

  private dropBefore(seq: number): void {
    while (this.segments.length > 0) {
      const first = this.segments[0] as Segment;
      const count = first.levels.length;
      if (first.firstSeq + count <= seq) {
        this.segments.shift();
        continue;
      }
      const drop = seq - first.firstSeq;
      if (drop > 0) {
        let start = 0;
        for (let i = 0; i < drop; i++) start = first.text.indexOf(0x0a, start) + 1;
        this.segments[0] = {
          firstSeq: seq,
          levels: first.levels.slice(drop),
          sourceIds: first.sourceIds.slice(drop),
          sources: first.sources,
          text: first.text.subarray(start),
        };
      }
      return;
    }
  }

  /** The entries held, as the ring exports them (one copy of their text). */
  export(nextSeq: number): RingExport {
    const sources: string[] = [];
    const idOf = new Map<string, number>();
    const levels: number[] = [];
    const sourceIds: number[] = [];
    let bytes = 0;
    for (const segment of this.segments) {
      bytes += segment.text.length;
      for (let i = 0; i < segment.levels.length; i++) {
        const source = segment.sources[segment.sourceIds[i] as number] ?? "";
        let id = idOf.get(source);
        if (id === undefined) {
          id = sources.length;
          idOf.set(source, id);
          sources.push(source);
        }
        levels.push(segment.levels[i] as number);
        sourceIds.push(id);
      }
    }
    const text = new Uint8Array(bytes);
    let at = 0;
    for (const segment of this.segments) {
      text.set(segment.text, at);
      at += segment.text.length;
    }
    return { oldestSeq: this.segments[0]?.firstSeq ?? nextSeq, nextSeq, sources, sourceIds, levels, text };
  }
}
