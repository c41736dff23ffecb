// Targets → the paths to follow. A directory target lists its entries each poll and keeps the names that
// match its glob; a file target is its path, whether or not anything is there yet. Each path comes with the
// directory it must stay inside (see confinement.ts): its target's, unless the target follows symlinks.
// A file target is never confined: the operator named that very path, so it is followed wherever it leads.

import type { FileSystem, Runtime } from "../runtime.ts";
import { globToRegExp } from "../util/glob.ts";
import { asFsError } from "./tailer.ts";

export interface MonitorTarget {
  readonly path: string;
  readonly pattern: string;
  /** Absent: decided from what is at the path when it exists. */
  readonly is_file?: boolean | undefined;
  /** Follow a match whose real path leaves the directory; absent: the monitor's `followSymlinks`. */
  readonly follow_symlinks?: boolean | undefined;
}

/** Each path a target names → the directory its real path must stay inside, or undefined: followed anywhere. */
export type DiscoveredPaths = Map<string, string | undefined>;

export type DiscoveryNotice = (kind: "error" | "recovered", path: string, detail: string) => void;

type DiscoveryRuntime = Pick<Runtime, "fs" | "resolvePath" | "joinPath" | "dirname">;

/**
 * A directory is listed again when its mtime changed, when that mtime is recent enough that a coarse
 * clock could hide a second change, or when this long has passed since the last listing.
 */
export const RELIST_AFTER_MS = 2000;

interface Listing {
  readonly mtimeMs: number;
  readonly listedAt: number;
  readonly paths: readonly string[];
}

interface ResolvedTarget {
  readonly path: string;
  readonly matcher: RegExp;
  readonly declaredIsFile: boolean | undefined;
  readonly followSymlinks: boolean;
  /** What the path was at the last scan: decides which directory to watch. */
  isFile: boolean | undefined;
  /** Reported once until it changes, never once per poll. */
  lastError: string | undefined;
  listing: Listing | undefined;
}

export class Discovery {
  private readonly targets: ResolvedTarget[];

  constructor(
    private readonly runtime: DiscoveryRuntime,
    targets: readonly MonitorTarget[],
    private readonly notice: DiscoveryNotice,
    /** `[monitor] follow_symlinks`: the default of targets that do not say. */
    followSymlinks = false,
  ) {
    this.targets = targets.map((target) => ({
      path: runtime.resolvePath(target.path),
      matcher: globToRegExp(target.pattern),
      declaredIsFile: target.is_file,
      followSymlinks: target.follow_symlinks ?? followSymlinks,
      isFile: target.is_file,
      lastError: undefined,
      listing: undefined,
    }));
  }

  /** Every path any target names right now; a path two targets name is confined only if both confine it. */
  async scan(): Promise<DiscoveredPaths> {
    const paths: DiscoveredPaths = new Map();
    for (const target of this.targets) await this.scanTarget(target, paths);
    return paths;
  }

  /**
   * Directories whose changes should wake the monitor: a directory target that exists, or a file target's
   * parent. A directory target that is missing has nothing to watch yet: `complete` is false until it is back.
   */
  watchedDirectories(): { dirs: Set<string>; complete: boolean } {
    const dirs = new Set<string>();
    let complete = true;
    for (const target of this.targets) {
      if (target.isFile === false) dirs.add(target.path);
      else if (target.isFile === true) dirs.add(this.runtime.dirname(target.path));
      else complete = false;
    }
    return { dirs, complete };
  }

  private async scanTarget(target: ResolvedTarget, paths: DiscoveredPaths): Promise<void> {
    const { fs } = this.runtime;
    const add = (path: string, confinedTo: string | undefined) => {
      if (!paths.has(path) || confinedTo === undefined) paths.set(path, confinedTo);
    };
    try {
      if (target.declaredIsFile === true) {
        add(target.path, undefined);
        return;
      }
      const stat = await fs.stat(target.path);
      target.isFile = target.declaredIsFile ?? (stat ? stat.kind !== "directory" : undefined);
      if (target.isFile === false && stat?.kind !== "directory") target.isFile = undefined;
      if (target.isFile === true) add(target.path, undefined);
      else if (stat?.kind === "directory") {
        const listing = await this.listDirectory(fs, target, stat.mtimeMs);
        const confinedTo = target.followSymlinks ? undefined : target.path;
        for (const path of listing.paths) add(path, confinedTo);
      } else target.listing = undefined;
      this.clearError(target);
    } catch (cause) {
      this.reportError(target, asFsError(cause));
    }
  }

  /** Lists a directory target's matching paths, or reuses the last listing while nothing can have changed. */
  private async listDirectory(fs: FileSystem, target: ResolvedTarget, mtimeMs: number): Promise<Listing> {
    const now = Date.now();
    const last = target.listing;
    if (
      last &&
      last.mtimeMs === mtimeMs &&
      now - mtimeMs > RELIST_AFTER_MS &&
      now - last.listedAt < RELIST_AFTER_MS
    ) {
      return last;
    }
    const paths: string[] = [];
    for (const name of await fs.readDir(target.path)) {
      if (target.matcher.test(name)) paths.push(this.runtime.joinPath(target.path, name));
    }
    target.listing = { mtimeMs, listedAt: now, paths };
    return target.listing;
  }

  private reportError(target: ResolvedTarget, error: { code: string; message: string }): void {
    const text =
      error.code === "EACCES" || error.code === "EPERM" ? `permission denied: ${target.path}` : error.message;
    if (target.lastError === text) return;
    target.lastError = text;
    this.notice("error", target.path, `${text} (will retry)`);
  }

  private clearError(target: ResolvedTarget): void {
    if (target.lastError === undefined) return;
    target.lastError = undefined;
    this.notice("recovered", target.path, `${target.path} is readable again`);
  }
}
