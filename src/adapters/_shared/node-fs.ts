// https://nodejs.org/api/fs.html#promises-api — the file system side of the port for Node, and for Bun, which
// implements node:fs/promises natively (https://bun.sh/docs/runtime/nodejs-apis#node-fs).

import { readSync, type Stats } from "node:fs";
import {
  mkdir,
  type FileHandle as NodeFileHandle,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
} from "node:fs/promises";
import type { FileHandle, FileKind, FileStat, FileSystem } from "../../core/runtime.ts";

/** Writes all of `data`, flushes it to the disk (fsync, or fdatasync with `dataOnly`), and closes the file. */
async function writeAllAndSync(
  handle: NodeFileHandle,
  data: Uint8Array | string,
  dataOnly = false,
): Promise<void> {
  try {
    await handle.writeFile(data);
    await (dataOnly ? handle.datasync() : handle.sync());
  } finally {
    await handle.close();
  }
}

function kindOf(stats: Stats): FileKind {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isFIFO()) return "fifo";
  if (stats.isSocket()) return "socket";
  if (stats.isCharacterDevice()) return "character-device";
  if (stats.isBlockDevice()) return "block-device";
  return "other";
}

function toFileStat(stats: Stats): FileStat {
  const kind = kindOf(stats);
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, kind };
}

export const nodeFileSystem: FileSystem = {
  async stat(path) {
    try {
      return toFileStat(await stat(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  },
  async open(path): Promise<FileHandle> {
    const handle = await open(path, "r");
    return {
      async read(buffer, position) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        return bytesRead;
      },
      // https://nodejs.org/api/fs.html#fsreadsyncfd-buffer-offset-length-position
      readNow: (buffer, position) => readSync(handle.fd, buffer, 0, buffer.length, position),
      async stat() {
        return toFileStat(await handle.stat());
      },
      close: () => handle.close(),
    };
  },
  readDir: (path) => readdir(path),
  readText: (path) => readFile(path, "utf8"),
  // https://nodejs.org/api/fs.html#fspromisesrealpathpath-options
  async realPath(path) {
    try {
      return await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  },
  // https://nodejs.org/api/fs.html#filehandlesyncdata · https://nodejs.org/api/fs.html#fspromisesrenameoldpath-newpath
  async writeFileAtomic(path, bytes) {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await writeAllAndSync(await open(temporary, "w"), bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  },
  // https://nodejs.org/api/fs.html#file-system-flags ("a": O_APPEND | O_CREAT) · https://nodejs.org/api/fs.html#filehandledatasync
  appendAndSync: async (path, bytes) => writeAllAndSync(await open(path, "a"), bytes, true),
  // https://nodejs.org/api/fs.html#fspromisesrenameoldpath-newpath
  rename: (from, to) => rename(from, to),
  // https://nodejs.org/api/fs.html#file-system-flags ("wx": fails when the path exists)
  async createExclusive(path, text) {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    await writeAllAndSync(handle, text);
    return true;
  },
  makeDir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  remove: (path) => rm(path, { force: true }),
};
