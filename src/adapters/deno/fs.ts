// https://docs.deno.com/api/deno/~/Deno.statSync · https://docs.deno.com/api/deno/~/Deno.FsFile · https://docs.deno.com/api/deno/~/Deno.open · https://docs.deno.com/api/deno/~/Deno.readDir
import type { FileHandle, FileKind, FileStat, FileSystem } from "../../core/runtime.ts";
import { Deno, type DenoFileInfo } from "./_deno-types.ts";
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

/**
 * stat and read use Deno's sync calls. Each async file op runs on Deno's blocking thread pool: two thread
 * wake-ups (there and back), and a poll (stat, seek, read) is three such round trips in a row. On a busy
 * machine every wake-up waits for a CPU: in the fanout bench (1,100 clients on 2 cores) 5-10% of these ops
 * took over 5 ms and the slowest of each second 25-70 ms (330 ms while the clients connected), delay added
 * to every line of that poll. A stat, or a read of a regular file from the page cache, takes microseconds on
 * the loop itself (the bench's floor does the same with node:fs's sync calls). Only regular files are read
 * (the core checks the kind first); open, readDir and readText stay async (once per file, or at start).
 */
export const denoFileSystem: FileSystem = {
  async stat(path) {
    try {
      return toFileStat(Deno.statSync(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw fromDenoError(error, "--allow-read", path);
    }
  },
  async open(path): Promise<FileHandle> {
    const file = await readable(path, () => Deno.open(path, { read: true }));
    return {
      // Deno.FsFile has no positional read: seek, then read, in one synchronous step (no other read of
      // this handle can come between the two).
      async read(buffer, position) {
        file.seekSync(position, SEEK_START);
        return file.readSync(buffer) ?? 0;
      },
      stat: async () => toFileStat(file.statSync()),
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
};
