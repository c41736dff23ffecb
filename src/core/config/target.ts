// The TARGET syntax shared by positional arguments and LOGWISP_MONITOR_TARGETS: `path[:pattern[:isfile]]`.
import { BOOLEAN_EXPECTED, parseBoolean } from "./scalar.ts";

export const TARGET_SYNTAX = "path[:pattern[:isfile]]";

/** A target as the schema's input: pattern and is_file left out mean "default" and "auto-detect". */
export interface TargetInput {
  path: string;
  pattern?: string;
  is_file?: boolean;
}

export type TargetReading =
  | { readonly ok: true; readonly target: TargetInput }
  | {
      readonly ok: false;
      readonly field: "is_file" | "target";
      readonly value: string;
      readonly expected: string;
    };

/**
 * `/var/log:*.log`, `/app/logs:error*.log`, `./app.log::true`. An empty pattern or isfile is the same as
 * leaving it out; an empty path is kept so the schema reports it. Paths containing ':' cannot be written
 * in this form (as in the Go original); use a config file for those.
 */
export function parseTarget(text: string): TargetReading {
  const parts = text.split(":");
  if (parts.length > 3) {
    return { ok: false, field: "target", value: text, expected: `${TARGET_SYNTAX} with at most two ':'` };
  }
  const [path = "", pattern = "", isFileText = ""] = parts;
  const target: TargetInput = { path };
  if (pattern !== "") target.pattern = pattern;
  if (isFileText !== "") {
    const isFile = parseBoolean(isFileText);
    if (isFile === undefined)
      return { ok: false, field: "is_file", value: isFileText, expected: BOOLEAN_EXPECTED };
    target.is_file = isFile;
  }
  return { ok: true, target };
}

/** Comma-separated targets (`LOGWISP_MONITOR_TARGETS`); blank items (a trailing comma) are skipped. */
export function parseTargetList(text: string): TargetReading[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map(parseTarget);
}
