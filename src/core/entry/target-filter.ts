// `include` / `exclude` of a `[[monitor.targets]]` table: regular expressions (RE2) on the raw line, applied
// before a line is parsed or published, for every client alike. A line from a path that several targets
// name is kept when any of those targets keeps it. Excluded lines are counted per file for /status.

import type { TargetConfig } from "../config/schema.ts";
import { compileLinearRegex, type LinearRegex } from "../util/linear-regex.ts";
import { type PathRuntime, TargetsByPath } from "./target-paths.ts";

interface TargetRules {
  readonly include: readonly LinearRegex[] | undefined;
  readonly exclude: readonly LinearRegex[] | undefined;
}

export class TargetFilter {
  /** Lines excluded, per file path. */
  private readonly excluded = new Map<string, number>();

  private constructor(private readonly targets: TargetsByPath<TargetRules>) {}

  /** Undefined when no target sets include or exclude: then every line passes, at no cost. */
  static from(runtime: PathRuntime, targets: readonly TargetConfig[]): TargetFilter | undefined {
    if (!targets.some((target) => target.include !== undefined || target.exclude !== undefined)) {
      return undefined;
    }
    return new TargetFilter(
      new TargetsByPath(runtime, targets, (target) => ({
        // the schema checked every expression, so these compile (on RE2, as a client's /regex/ does)
        include: target.include?.map((source) => compileLinearRegex(source)),
        exclude: target.exclude?.map((source) => compileLinearRegex(source)),
      })),
    );
  }

  /** Whether a line read from `path` is published; a line that is not is counted for the file. */
  passes(path: string, line: string): boolean {
    const rules = this.targets.rulesFor(path);
    if (rules.length === 0 || rules.some((target) => keeps(target, line))) return true;
    this.excluded.set(path, (this.excluded.get(path) ?? 0) + 1);
    return false;
  }

  excludedLines(path: string): number {
    return this.excluded.get(path) ?? 0;
  }
}

function keeps(target: TargetRules, line: string): boolean {
  if (target.include && !target.include.some((regex) => regex.test(line))) return false;
  return !target.exclude?.some((regex) => regex.test(line));
}
