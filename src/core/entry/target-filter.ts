// `include` / `exclude` of a `[[monitor.targets]]` table: regular expressions (RE2) on the raw line, applied
// before a line is parsed or published, for every client alike. A line from a path that several targets
// name is kept when any of those targets keeps it. Excluded lines are counted per file for /status.

import type { TargetConfig } from "../config/schema.ts";
import type { Runtime } from "../runtime.ts";
import { globToRegExp } from "../util/glob.ts";
import { compileLinearRegex, type LinearRegex } from "../util/linear-regex.ts";

interface TargetRules {
  /** The target's path, resolved as discovery resolves it. */
  readonly path: string;
  readonly isFile: boolean | undefined;
  readonly pattern: RegExp;
  readonly include: readonly LinearRegex[] | undefined;
  readonly exclude: readonly LinearRegex[] | undefined;
}

type PathRuntime = Pick<Runtime, "resolvePath" | "dirname" | "basename">;

/** Paths remembered with the targets that name them; past this the memo starts over (paths churn slowly). */
const MAX_REMEMBERED_PATHS = 10_000;

export class TargetFilter {
  private readonly byPath = new Map<string, readonly TargetRules[]>();
  /** Lines excluded, per file path. */
  private readonly excluded = new Map<string, number>();

  private constructor(
    private readonly runtime: PathRuntime,
    private readonly targets: readonly TargetRules[],
  ) {}

  /** Undefined when no target sets include or exclude: then every line passes, at no cost. */
  static from(runtime: PathRuntime, targets: readonly TargetConfig[]): TargetFilter | undefined {
    if (!targets.some((target) => target.include !== undefined || target.exclude !== undefined)) {
      return undefined;
    }
    const rules = targets.map((target) => ({
      path: runtime.resolvePath(target.path),
      isFile: target.is_file,
      pattern: globToRegExp(target.pattern),
      // the schema checked every expression, so these compile (on RE2, as a client's /regex/ does)
      include: target.include?.map((source) => compileLinearRegex(source)),
      exclude: target.exclude?.map((source) => compileLinearRegex(source)),
    }));
    return new TargetFilter(runtime, rules);
  }

  /** Whether a line read from `path` is published; a line that is not is counted for the file. */
  passes(path: string, line: string): boolean {
    const rules = this.rulesFor(path);
    if (rules.length === 0 || rules.some((target) => keeps(target, line))) return true;
    this.excluded.set(path, (this.excluded.get(path) ?? 0) + 1);
    return false;
  }

  excludedLines(path: string): number {
    return this.excluded.get(path) ?? 0;
  }

  private rulesFor(path: string): readonly TargetRules[] {
    let rules = this.byPath.get(path);
    if (rules === undefined) {
      if (this.byPath.size >= MAX_REMEMBERED_PATHS) this.byPath.clear();
      rules = this.targets.filter((target) => this.names(target, path));
      this.byPath.set(path, rules);
    }
    return rules;
  }

  /** A file target names its own path; a directory target the entries whose names match its pattern. */
  private names(target: TargetRules, path: string): boolean {
    if (target.isFile !== false && path === target.path) return true;
    return (
      target.isFile !== true &&
      this.runtime.dirname(path) === target.path &&
      target.pattern.test(this.runtime.basename(path))
    );
  }
}

function keeps(target: TargetRules, line: string): boolean {
  if (target.include && !target.include.some((regex) => regex.test(line))) return false;
  return !target.exclude?.some((regex) => regex.test(line));
}
