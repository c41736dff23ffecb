// The six levels as log libraries spell them: names in JSON values, logfmt and plain lines, pino's numbers.

import type { Level } from "../wire/contract.ts";

/** Every way of naming a level that logwisp recognises, in JSON values and plain lines alike. */
const LEVEL_TABLE: readonly (readonly [Level, readonly string[]])[] = [
  ["trace", ["trace", "trc"]],
  ["debug", ["debug", "dbg"]],
  ["info", ["info", "inf", "information", "notice"]],
  ["warn", ["warn", "warning", "wrn"]],
  ["error", ["error", "err"]],
  ["fatal", ["fatal", "ftl", "crit", "critical", "panic", "emerg", "alert"]],
];

// A Map, not an object literal: a lookup of "constructor" or "__proto__" must find nothing.
export const LEVEL_NAMES: ReadonlyMap<string, Level> = new Map<string, Level>(
  LEVEL_TABLE.flatMap(([level, names]) => names.map((name) => [name, level] as const)),
);
const LONGEST_LEVEL_NAME = Math.max(...[...LEVEL_NAMES.keys()].map((name) => name.length));

/** pino and bunyan numeric levels. */
const NUMERIC_LEVELS = new Map<number, Level>([
  [10, "trace"],
  [20, "debug"],
  [30, "info"],
  [40, "warn"],
  [50, "error"],
  [60, "fatal"],
]);

/** A level name as log libraries write it ("WARNING", "err", "Crit", 40) → a Level, or undefined. */
export function normalizeLevel(value: unknown): Level | undefined {
  if (typeof value === "string") {
    return value.length <= LONGEST_LEVEL_NAME ? LEVEL_NAMES.get(value.toLowerCase()) : undefined;
  }
  if (typeof value === "number") return NUMERIC_LEVELS.get(value);
  return undefined;
}
