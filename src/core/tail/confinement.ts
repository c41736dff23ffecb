// Symlinks out of a target directory. Whoever may write into a log directory could otherwise put a link to
// any file logwisp's user can read (`evil.log -> /etc/shadow`) and have it streamed, whole, to every
// client. A match of a directory target is therefore followed only when its real path (every symlink
// resolved) is inside the real path of the directory, unless `follow_symlinks` allows it. It is checked
// when a path is opened — found, or a new file at it — never on the polls of a file already open.

import type { FileStat, FileSystem } from "../runtime.ts";

/** The key that allows what is refused here, as the refusal names it. */
export const FOLLOW_SYMLINKS_HINT = "set follow_symlinks = true on the target, or in [monitor], to follow it";

export type ConfinementVerdict =
  /** Inside: open it, then `confirm` that the handle is the file at `realPath`. */
  | { readonly kind: "inside"; readonly realPath: string }
  /** Leaves the directory: not opened; `detail` says so and names the key. */
  | { readonly kind: "outside"; readonly detail: string }
  /** Nothing at the path any more (or the directory is gone): try again at the next poll. */
  | { readonly kind: "gone" };

/** One followed path's confinement to its target directory. */
export class Confinement {
  /** The file last refused, by the path's stat (links followed): not resolved again while it is there. */
  private refused: { readonly dev: number; readonly ino: number; readonly detail: string } | undefined;

  constructor(
    /** The target directory, as the target names it (it may itself be reached through a symlink). */
    readonly dir: string,
    private readonly fs: FileSystem,
    private readonly dirname: (path: string) => string,
  ) {}

  /**
   * Where `path` (whose stat is `stat`) really leads, and whether that is inside the directory. Asked only
   * before an open, and a refused file is not resolved again until another file is at the path: the
   * realpath calls happen once per new file, not once per poll.
   */
  async check(path: string, stat: FileStat): Promise<ConfinementVerdict> {
    const { refused } = this;
    if (refused?.dev === stat.dev && refused.ino === stat.ino)
      return { kind: "outside", detail: refused.detail };
    const [realPath, realDir] = await Promise.all([this.fs.realPath(path), this.fs.realPath(this.dir)]);
    if (realPath === undefined || realDir === undefined) return { kind: "gone" };
    if (isInside(realPath, realDir, this.dirname)) {
      this.refused = undefined;
      return { kind: "inside", realPath };
    }
    const detail = `not following ${path}: a symlink to ${realPath}, outside ${this.dir} (${FOLLOW_SYMLINKS_HINT})`;
    this.refused = { dev: stat.dev, ino: stat.ino, detail };
    return { kind: "outside", detail };
  }

  /**
   * After the open: is the handle's file the one at the real path that was checked? A link swapped between
   * the check and the open would otherwise let an outside file in.
   */
  async confirm(realPath: string, opened: FileStat): Promise<boolean> {
    const atRealPath = await this.fs.stat(realPath);
    return atRealPath !== undefined && atRealPath.dev === opened.dev && atRealPath.ino === opened.ino;
  }
}

/**
 * `path` lies somewhere below `dir` (both real, absolute). Walked up with the runtime's dirname, so no
 * separator is assumed; a link to a file in a subdirectory (`a.log -> sub/x.log`) stays inside.
 */
export function isInside(path: string, dir: string, dirname: (path: string) => string): boolean {
  for (let at = path; ; ) {
    const parent = dirname(at);
    if (parent === dir) return true;
    if (parent === at) return false;
    at = parent;
  }
}
