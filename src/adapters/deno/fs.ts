// https://docs.deno.com/api/deno/~/Deno.stat · https://docs.deno.com/api/deno/~/Deno.open · https://docs.deno.com/api/deno/~/Deno.readDir
// https://docs.deno.com/api/deno/~/Deno.realPath · https://docs.deno.com/api/deno/~/Deno.rename
// https://docs.deno.com/api/deno/~/Deno.OpenOptions (createNew: O_EXCL) · https://docs.deno.com/api/deno/~/Deno.FsFile.prototype.sync
import type { FileHandle, FileKind, FileStat, FileSystem } from "../../core/runtime.ts";
import { Deno, type DenoFileInfo, type DenoFsFile } from "./_deno-types.ts";
import { fromDenoError } from "./_errors.ts";

const SEEK_START = 0;

function kindOf(info: DenoFileInfo): FileKind {
  if (info.isFile) return "file";
  if (info.isDirectory) return "directory";
  if (info.isFifo) return "fifo";
  if (info.isSocket) return "socket";
  if (info.isCharDevice) return "character-device";
  if (info.isBlockDevice) return "block-device";
  return "other";
}

function toFileStat(info: DenoFileInfo): FileStat {
  const kind = kindOf(info);
  // dev and ino are null only on Windows, which logwisp does not claim to support on Deno
  return {
    dev: info.dev ?? 0,
    ino: info.ino ?? 0,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    kind,
  };
}

async function readable<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDenoError(error, "--allow-read", path);
  }
}

async function writable<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDenoError(error, "--allow-write", path);
  }
}

/**
 * Writes every byte (a write may take only part), then flushes them to the disk (the data only when
 * `dataOnly`: fdatasync), and closes.
 */
async function writeAllAndSync(file: DenoFsFile, bytes: Uint8Array, dataOnly = false): Promise<void> {
  try {
    for (let offset = 0; offset < bytes.length; ) offset += await file.write(bytes.subarray(offset));
    await (dataOnly ? file.syncData() : file.sync());
  } finally {
    file.close();
  }
}

const encoder = new TextEncoder();

/** Files locked by lockFile, referenced so they stay open (and locked) for the life of the process. */
const lockedFiles = new Set<DenoFsFile>();

// https://docs.deno.com/api/deno/~/Deno.FsFile.prototype.lock — flock(2); a request another process blocks
// is left pending (the process is about to say so and exit)
export async function lockFile(path: string, waitMs: number): Promise<boolean> {
  const file = await writable(path, () => Deno.open(path, { read: true, write: true }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const granted = await Promise.race([
    file.lock(true).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    }),
  ]);
  clearTimeout(timer);
  if (granted) lockedFiles.add(file);
  return granted;
}

export const denoFileSystem: FileSystem = {
  async stat(path) {
    try {
      return toFileStat(await Deno.stat(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw fromDenoError(error, "--allow-read", path);
    }
  },
  async open(path): Promise<FileHandle> {
    const file = await readable(path, () => Deno.open(path, { read: true }));
    return {
      // Deno.FsFile has no positional read: seek, then read. The monitor reads one file at a time, so no
      // two reads on one handle overlap.
      async read(buffer, position) {
        await file.seek(position, SEEK_START);
        return (await file.read(buffer)) ?? 0;
      },
      // https://docs.deno.com/api/deno/~/Deno.FsFile.prototype.readSync
      readNow(buffer, position) {
        file.seekSync(position, SEEK_START);
        return file.readSync(buffer) ?? 0;
      },
      stat: async () => toFileStat(await file.stat()),
      close: async () => file.close(),
    };
  },
  readDir: (path) =>
    readable(path, async () => {
      const names: string[] = [];
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
      return names;
    }),
  readText: (path) => readable(path, () => Deno.readTextFile(path)),
  async realPath(path) {
    try {
      return await Deno.realPath(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw fromDenoError(error, "--allow-read", path);
    }
  },
  async writeFileAtomic(path, bytes) {
    const temporary = `${path}.${Deno.pid}.tmp`;
    try {
      await writable(temporary, async () => {
        const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
        await writeAllAndSync(file, bytes);
        await Deno.rename(temporary, path);
      });
    } catch (error) {
      await Deno.remove(temporary).catch(() => undefined);
      throw error;
    }
  },
  // https://docs.deno.com/api/deno/~/Deno.OpenOptions (append: O_APPEND) · https://docs.deno.com/api/deno/~/Deno.FsFile.prototype.syncData
  appendAndSync: (path, bytes) =>
    writable(path, async () => {
      const file = await Deno.open(path, { write: true, append: true, create: true });
      await writeAllAndSync(file, bytes, true);
    }),
  rename: (from, to) => writable(to, () => Deno.rename(from, to)),
  async createExclusive(path, text) {
    let file: DenoFsFile;
    try {
      file = await Deno.open(path, { write: true, createNew: true });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw fromDenoError(error, "--allow-write", path);
    }
    await writable(path, () => writeAllAndSync(file, encoder.encode(text)));
    return true;
  },
  makeDir: (path) => writable(path, () => Deno.mkdir(path, { recursive: true })),
  async remove(path) {
    try {
      await Deno.remove(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw fromDenoError(error, "--allow-write", path);
    }
  },
};
