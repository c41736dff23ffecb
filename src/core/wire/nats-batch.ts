// One message of the stream carries several entries of one file (publishing one message per line tops out
// far below what a busy host writes): the payload is their JSON texts joined by "\n" (a JSON text never holds
// a raw newline), and the headers say how many and exactly which bytes of which file they came from, so a
// retry, or a restart that reads the same bytes again, is stored once (the stream dedupes on Nats-Msg-Id).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const MSG_ID_HEADER = "Nats-Msg-Id";
export const COUNT_HEADER = "Logwisp-Count";
/** `dev:ino:prefixLength:prefixHash` of the file the entries were read from. */
export const FILE_HEADER = "Logwisp-File";
/** `start-end`: the byte offsets of the file the entries' lines span (end exclusive, after a newline). */
export const RANGE_HEADER = "Logwisp-Range";

/** What tells one file from another (see tail/fingerprint.ts): device, inode, and a hash of its first bytes. */
export interface BatchFile {
  readonly dev: number;
  readonly ino: number;
  readonly prefixLength: number;
  readonly prefixHash: number;
}

/** Exactly the bytes a message carries: from `start` to `end` of `file` on `host`. */
export interface BatchOrigin {
  readonly host: string;
  readonly file: BatchFile;
  readonly start: number;
  readonly end: number;
}

function fileText(file: BatchFile): string {
  return `${file.dev}:${file.ino}:${file.prefixLength}:${(file.prefixHash >>> 0).toString(16)}`;
}

/**
 * The dedupe id: host + file identity + start **and** end offset. An id naming only where a batch starts
 * would let a larger batch, read again after a restart, pass for a smaller one that was stored, and the
 * dedupe would drop its extra lines.
 */
export function batchMsgId(origin: BatchOrigin): string {
  return `${origin.host}:${fileText(origin.file)}:${origin.start}-${origin.end}`;
}

/** The headers besides Nats-Msg-Id (which publish sets from batchMsgId). */
export function batchHeaders(origin: BatchOrigin, count: number): Map<string, string> {
  return new Map([
    [COUNT_HEADER, String(count)],
    [FILE_HEADER, fileText(origin.file)],
    [RANGE_HEADER, `${origin.start}-${origin.end}`],
  ]);
}

/** File and range of a stored message; undefined when its headers are not ones batchHeaders makes. */
export function parseBatchOrigin(
  headers: ReadonlyMap<string, string>,
): { file: BatchFile; start: number; end: number } | undefined {
  const file = /^(\d+):(\d+):(\d+):([0-9a-f]{1,8})$/.exec(headers.get(FILE_HEADER) ?? "");
  const range = /^(\d+)-(\d+)$/.exec(headers.get(RANGE_HEADER) ?? "");
  if (file === null || range === null) return undefined;
  const [, dev = "", ino = "", prefixLength = "", prefixHash = ""] = file;
  const [, start = "", end = ""] = range;
  return {
    file: {
      dev: Number(dev),
      ino: Number(ino),
      prefixLength: Number(prefixLength),
      prefixHash: Number.parseInt(prefixHash, 16),
    },
    start: Number(start),
    end: Number(end),
  };
}

/** The entries' JSON texts, one per line. */
export function encodeBatch(jsonTexts: readonly string[]): Uint8Array {
  return encoder.encode(jsonTexts.join("\n"));
}

/** The JSON texts of a message's entries, in order. */
export function decodeBatch(data: Uint8Array): string[] {
  if (data.length === 0) return [];
  return decoder.decode(data).split("\n");
}
