// `format` of a `[[monitor.targets]]` table (else `[monitor] format`): how the lines of the files a target
// names are parsed. A path that several targets name takes the format of the first of them.

import type { LineFormat, TargetConfig } from "../config/schema.ts";
import { type PathRuntime, TargetsByPath } from "./target-paths.ts";

/** The format of each file's lines; when every target has the same one, no path is ever looked up. */
export function targetFormats(
  runtime: PathRuntime,
  monitorFormat: LineFormat,
  targets: readonly TargetConfig[],
): (path: string) => LineFormat {
  const formatOf = (target: TargetConfig): LineFormat => target.format ?? monitorFormat;
  if (targets.every((target) => formatOf(target) === monitorFormat)) return () => monitorFormat;
  const byPath = new TargetsByPath(runtime, targets, formatOf);
  return (path) => byPath.rulesFor(path)[0] ?? monitorFormat;
}
