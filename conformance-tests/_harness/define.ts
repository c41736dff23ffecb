// A conformance case: written once, run against every runtime's real process.
import type { RuntimeUnderTest } from "./runtimes.ts";

export interface ConformanceCase {
  /** `area: behaviour`, e.g. `tailing: rename rotation`; the test is named `<runtime> › <name>`. */
  readonly name: string;
  readonly run: (rt: RuntimeUnderTest) => Promise<void>;
  /** Per-case time limit; most cases need far less. */
  readonly timeoutMs: number;
  /**
   * Runs alone, after the concurrent cases: for cases that load the machine (bursts) or measure latency,
   * which would disturb or be disturbed by their neighbours.
   */
  readonly exclusive: boolean;
}

/**
 * Thrown by a case when the machine cannot exercise it (e.g. no IPv6 loopback), never for a runtime:
 * the test is then reported as skipped with the reason.
 */
export class CaseSkipped extends Error {}

export function defineCase(
  name: string,
  run: (rt: RuntimeUnderTest) => Promise<void>,
  options: { timeoutMs?: number; exclusive?: boolean } = {},
): ConformanceCase {
  return { name, run, timeoutMs: options.timeoutMs ?? 30_000, exclusive: options.exclusive ?? false };
}
