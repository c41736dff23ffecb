// https://nodejs.org/api/path.html — node:path, which Bun and Deno both provide: the port's path functions,
// written once for the three adapters.
import { basename, dirname, join, resolve } from "node:path";
import type { Runtime } from "../../core/runtime.ts";

export function pathFunctions(
  cwd: string,
): Pick<Runtime, "resolvePath" | "joinPath" | "basename" | "dirname"> {
  return {
    resolvePath: (path, base) => resolve(base ?? cwd, path),
    joinPath: (...parts) => join(...parts),
    basename: (path) => basename(path),
    dirname: (path) => dirname(path),
  };
}
