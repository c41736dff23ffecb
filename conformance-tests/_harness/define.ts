// A conformance case: written once, run against every runtime's real process.
import type { RuntimeUnderTest } from "./runtimes.ts";

export interface ConformanceCase {
  /** `area: behaviour`, e.g. `rotation: rename`; the test is named `<runtime> › <name>`. */
  readonly name: string;
  readonly run: (rt: RuntimeUnderTest) => Promise<void>;
  /** Per-case time limit; most cases need far less. */
  readonly timeoutMs: number;
}

export function defineCase(
  name: string,
  run: (rt: RuntimeUnderTest) => Promise<void>,
  options: { timeoutMs?: number } = {},
): ConformanceCase {
  return { name, run, timeoutMs: options.timeoutMs ?? 30_000 };
}
