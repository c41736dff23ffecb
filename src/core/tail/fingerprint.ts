// A file's identity: device + inode, plus a hash of its first bytes (up to 1 KiB, as far as the file goes).
// The hash catches what dev/ino cannot: a truncate-and-regrow between two polls, or an inode reused by a
// new file. Vector's fingerprinter.rs makes the same trade.

import type { FileHandle } from "../runtime.ts";

export const PREFIX_BYTES = 1024;

export interface Prefix {
  readonly length: number;
  readonly hash: number;
}

export const EMPTY_PREFIX: Prefix = { length: 0, hash: fnv1a(new Uint8Array(0)) };

/** 32-bit FNV-1a: cheap, and collisions only matter for two different first KiBs at one inode. */
export function fnv1a(bytes: Uint8Array, from = 0x811c9dc5): number {
  let hash = from;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i] as number;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Reads the first bytes of an open file (up to PREFIX_BYTES and `size`). */
export async function readPrefix(handle: FileHandle, size: number, scratch: Uint8Array): Promise<Uint8Array> {
  const wanted = Math.min(PREFIX_BYTES, size, scratch.length);
  let got = 0;
  while (got < wanted) {
    const n = await handle.read(scratch.subarray(got, wanted), got);
    if (n === 0) break;
    got += n;
  }
  return scratch.subarray(0, got);
}

/**
 * Compares the file's current first bytes with the remembered prefix. Returns the new prefix (which may be
 * longer, as the file grew) and whether the old prefix still holds.
 */
export function comparePrefix(old: Prefix, current: Uint8Array): { same: boolean; prefix: Prefix } {
  const same = current.length >= old.length && fnv1a(current.subarray(0, old.length)) === old.hash;
  return { same, prefix: { length: current.length, hash: fnv1a(current) } };
}

/**
 * The prefix grown by the bytes that follow it (as read from the file), up to `limit` bytes in all: the same
 * as hashing the longer prefix at once (FNV-1a goes on from where it stopped).
 */
export function extendPrefix(prefix: Prefix, following: Uint8Array, limit: number): Prefix {
  const take = Math.min(following.length, limit - prefix.length);
  if (take <= 0) return prefix;
  return { length: prefix.length + take, hash: fnv1a(following.subarray(0, take), prefix.hash) };
}
