// Where each file starts when logwisp starts on saved checkpoints: the decisions, apart from the reading.
// A checkpoint names a file by its identity (device, inode, first bytes), not only by its path: the file a
// path named may have been renamed while logwisp was down (rotation), and another file may sit at the path.

import type { FileHandle, FileStat, FileSystem, Runtime } from "../runtime.ts";
import { comparePrefix, readPrefix } from "./fingerprint.ts";
import type { FilePosition } from "./tailer.ts";

/** `[monitor] read_from`. */
export type ReadFrom = "checkpoint" | "end" | "beginning";

/** Per path, the files it named at the last save: rotated-away ones still being read first, its current one last. */
export type Checkpoints = ReadonlyMap<string, readonly FilePosition[]>;

/** Where a path listed at start begins: at a checkpoint (checked against the file when it is opened), its start or its end. */
export type StartAt = FilePosition | "beginning" | "end";

export interface ResumePlan {
  /** For each path listed at start. */
  readonly starts: ReadonlyMap<string, StartAt>;
  /** Files a path named, renamed within their directory while logwisp was down: read on from their checkpoint first. */
  readonly rotated: ReadonlyArray<{ path: string; from: string; position: FilePosition }>;
  /** Files of a checkpoint found nowhere: deleted while logwisp was down (said once, then forgotten). */
  readonly gone: ReadonlyArray<{ path: string; position: FilePosition }>;
}

/** Finds the file of this checkpoint (device, inode and first bytes) in the directory of `path`, under any name. */
export type LocateByIdentity = (path: string, position: FilePosition) => Promise<string | undefined>;

/** Whether the file at `path` is the checkpoint's: same device and inode, and the same first bytes. */
export type IsSameFile = (path: string, position: FilePosition) => Promise<boolean>;

const identityKey = (file: { dev: number; ino: number }): string => `${file.dev}:${file.ino}`;

/**
 * `listed`: the paths the targets name now, each with what is there. `checkpoints` undefined: no state yet
 * (the very first run), so files start at their end as without state.
 */
export async function planResume(
  readFrom: ReadFrom,
  listed: ReadonlyMap<string, FileStat | undefined>,
  checkpoints: Checkpoints | undefined,
  locate: LocateByIdentity,
  isSameFile: IsSameFile,
): Promise<ResumePlan> {
  const starts = new Map<string, StartAt>();
  const rotated: Array<{ path: string; from: string; position: FilePosition }> = [];
  const gone: Array<{ path: string; position: FilePosition }> = [];
  if (readFrom !== "checkpoint" || checkpoints === undefined) {
    const start = readFrom === "beginning" ? "beginning" : "end";
    for (const path of listed.keys()) starts.set(path, start);
    return { starts, rotated, gone };
  }
  // a file at a listed path that a checkpoint knows (under this path or, renamed, under another): resume it
  const listedByIdentity = new Map<string, string>();
  for (const [path, stat] of listed) if (stat?.kind === "file") listedByIdentity.set(identityKey(stat), path);
  const unclaimed: Array<{ path: string; position: FilePosition }> = [];
  for (const [path, positions] of checkpoints) {
    for (const position of positions) {
      const owner = listedByIdentity.get(identityKey(position));
      // under another path only when its first bytes agree too: a deleted file's inode is soon reused
      const claims =
        owner !== undefined && !starts.has(owner) && (owner === path || (await isSameFile(owner, position)));
      if (claims) starts.set(owner, position);
      else unclaimed.push({ path, position });
    }
  }
  for (const { path, position } of unclaimed) {
    const from = await locate(path, position);
    if (from !== undefined && !listed.has(from)) rotated.push({ path, from, position });
    // the path's newest file, not found: what is at the path now replaced it (read from its start, said so)
    else if (listed.get(path) !== undefined && !starts.has(path) && isNewest(checkpoints, path, position))
      starts.set(path, position);
    else gone.push({ path, position });
  }
  // a file no checkpoint knows appeared while logwisp was down: all of it is new
  for (const path of listed.keys()) if (!starts.has(path)) starts.set(path, "beginning");
  return { starts, rotated, gone };
}

function isNewest(checkpoints: Checkpoints, path: string, position: FilePosition): boolean {
  return checkpoints.get(path)?.at(-1) === position;
}

/** The regular file in `path`'s directory that is the checkpoint's file (see isSameFile), under any name. */
export async function locateByIdentity(
  runtime: Pick<Runtime, "fs" | "dirname" | "joinPath">,
  path: string,
  position: FilePosition,
  scratch: Uint8Array,
): Promise<string | undefined> {
  const { fs, dirname, joinPath } = runtime;
  const dir = dirname(path);
  let names: string[];
  try {
    names = await fs.readDir(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const candidate = joinPath(dir, name);
    const stat = await fs.stat(candidate).catch(() => undefined);
    if (stat?.kind === "file" && stat.dev === position.dev && stat.ino === position.ino)
      return (await isSameFile(fs, candidate, position, scratch)) ? candidate : undefined;
  }
  return undefined;
}

/** The file at `path` is the checkpoint's: device, inode, at least `offset` long, and the same first bytes. */
export async function isSameFile(
  fs: FileSystem,
  path: string,
  position: FilePosition,
  scratch: Uint8Array,
): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(path);
    const stat = await handle.stat();
    if (stat.dev !== position.dev || stat.ino !== position.ino || stat.size < position.offset) return false;
    return comparePrefix(position.prefix, await readPrefix(handle, stat.size, scratch)).same;
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
