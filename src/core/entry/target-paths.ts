// Which `[[monitor.targets]]` name a file, as discovery decides it: a file target its own path, a directory
// target the entries whose names match its pattern. Asked once per path (remembered), not once per line.

import type { TargetConfig } from "../config/schema.ts";
import type { Runtime } from "../runtime.ts";
import { globToRegExp } from "../util/glob.ts";

export type PathRuntime = Pick<Runtime, "resolvePath" | "dirname" | "basename">;

interface TargetPath<TRules> {
  /** The target's path, resolved as discovery resolves it. */
  readonly path: string;
  readonly isFile: boolean | undefined;
  readonly pattern: RegExp;
  readonly rules: TRules;
}

/** Paths remembered with the targets that name them; past this the memo starts over (paths churn slowly). */
const MAX_REMEMBERED_PATHS = 10_000;

/** The targets' rules (include/exclude, a format …), found for a file path in the targets' order. */
export class TargetsByPath<TRules> {
  private readonly byPath = new Map<string, readonly TRules[]>();
  private readonly targets: readonly TargetPath<TRules>[];

  constructor(
    private readonly runtime: PathRuntime,
    targets: readonly TargetConfig[],
    rulesOf: (target: TargetConfig) => TRules,
  ) {
    this.targets = targets.map((target) => ({
      path: runtime.resolvePath(target.path),
      isFile: target.is_file,
      pattern: globToRegExp(target.pattern),
      rules: rulesOf(target),
    }));
  }

  /** The rules of every target that names `path`, in the targets' order. */
  rulesFor(path: string): readonly TRules[] {
    let rules = this.byPath.get(path);
    if (rules === undefined) {
      if (this.byPath.size >= MAX_REMEMBERED_PATHS) this.byPath.clear();
      rules = this.targets.filter((target) => this.names(target, path)).map((target) => target.rules);
      this.byPath.set(path, rules);
    }
    return rules;
  }

  private names(target: TargetPath<TRules>, path: string): boolean {
    if (target.isFile !== false && path === target.path) return true;
    return (
      target.isFile !== true &&
      this.runtime.dirname(path) === target.path &&
      target.pattern.test(this.runtime.basename(path))
    );
  }
}
