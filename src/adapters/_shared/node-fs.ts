// https://nodejs.org/api/fs.html#promises-api — the file system side of the port for Node, and for Bun, which
// implements node:fs/promises natively (https://bun.sh/docs/runtime/nodejs-apis#node-fs).

import type { Stats } from "node:fs";
import { open, readdir, readFile, realpath, stat } from "node:fs/promises";
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
};
