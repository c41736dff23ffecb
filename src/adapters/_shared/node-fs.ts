// https://nodejs.org/api/fs.html#promises-api — the file system side of the port for Node, and for Bun, which
// implements node:fs/promises natively (https://bun.sh/docs/runtime/nodejs-apis#node-fs).

import { readSync, type Stats } from "node:fs";
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import type { FileHandle, FileKind, FileStat, FileSystem } from "../../core/runtime.ts";

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
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  },
  // https://nodejs.org/api/fs.html#file-system-flags ("a": O_APPEND | O_CREAT) · https://nodejs.org/api/fs.html#filehandledatasync
  async appendAndSync(path, bytes) {
    const handle = await open(path, "a");
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  },
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
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  },
  makeDir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  remove: (path) => rm(path, { force: true }),
};
