// Figures → the table a person reads and the JSON line a program reads. Each logwisp figure is the median
// over repetitions, next to the floor's on the same runtime and their ratio.
import type { RunResult } from "./measure.ts";
import type { ScenarioName } from "./scenarios.ts";
import type { RuntimeName } from "./servers.ts";

export interface Summary {
  readonly scenario: ScenarioName;
  readonly runtime: RuntimeName;
  readonly logwisp: Figures;
  readonly floor: Figures | undefined;
  readonly socat: Figures | undefined;
  /** logwisp ÷ floor for the scenario's headline figure. */
  readonly ratio: number;
  readonly headline: string;
  readonly target: string;
  readonly met: boolean;
}

export type Figures = Omit<RunResult, "rep" | "perClientLinesPerSec" | "system" | "error"> & {
  readonly perClientLinesPerSecMin: number;
  readonly runs: number;
  readonly errors: string[];
};

const median = (values: number[]): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const worst = (values: number[]): number => Math.max(0, ...values);

export function figures(runs: RunResult[]): Figures | undefined {
  const first = runs[0];
  if (!first) return undefined;
  const pick = (key: keyof RunResult) => median(runs.map((r) => r[key] as number));
  return {
    scenario: first.scenario,
    runtime: first.runtime,
    runs: runs.length,
    errors: runs.flatMap((r) => (r.error ? [r.error] : [])),
    connections: first.connections,
    // loss, duplicates, order and failures: the worst run, never a median that hides one
    failedConnections: worst(runs.map((r) => r.failedConnections)),
    expected: first.expected,
    linesPerSec: pick("linesPerSec"),
    perClientLinesPerSecMin: median(runs.map((r) => r.perClientLinesPerSec.min)),
    loss: worst(runs.map((r) => r.loss)),
    duplicates: worst(runs.map((r) => r.duplicates)),
    orderViolations: worst(runs.map((r) => r.orderViolations)),
    p50Ms: pick("p50Ms"),
    p99Ms: pick("p99Ms"),
    maxMs: worst(runs.map((r) => r.maxMs).filter((v) => !Number.isNaN(v))),
    cpuSeconds: pick("cpuSeconds"),
    cpuPercent: pick("cpuPercent"),
    clientCpuSeconds: pick("clientCpuSeconds"),
    peakRssMiB: pick("peakRssMiB"),
    perClientKB: pick("perClientKB"),
    serverDropped: runs.some((r) => r.serverDropped !== undefined)
      ? worst(runs.map((r) => r.serverDropped ?? 0))
      : undefined,
  };
}

/** The headline figure of each scenario, whether logwisp meets its target, and its ratio to the floor. */
export function judge(scenario: ScenarioName, logwisp: Figures, floor: Figures | undefined) {
  const clean = logwisp.loss === 0 && logwisp.duplicates === 0 && logwisp.errors.length === 0;
  const ratioOf = (key: "linesPerSec" | "p99Ms" | "cpuPercent" | "perClientKB") =>
    floor ? logwisp[key] / floor[key] : Number.NaN;
  switch (scenario) {
    case "burst":
      return {
        headline: "lines/s",
        ratio: ratioOf("linesPerSec"),
        met: clean && ratioOf("linesPerSec") >= 0.7,
      };
    case "latency":
      return {
        headline: "p99 ms",
        ratio: ratioOf("p99Ms"),
        met: clean && logwisp.p50Ms < 5 && logwisp.p99Ms < 25,
      };
    case "fanout":
      return {
        headline: "p99 ms",
        ratio: ratioOf("p99Ms"),
        met: clean && (logwisp.serverDropped ?? 0) === 0 && logwisp.p99Ms < 150,
      };
    case "regex":
      // no floor: it has no filters; the figure to compare is logwisp's CPU before and after a change
      return {
        headline: "cpu %",
        ratio: ratioOf("cpuPercent"),
        met: clean && (logwisp.serverDropped ?? 0) === 0 && logwisp.p99Ms < 150,
      };
    case "rotate":
      return { headline: "lines/s", ratio: ratioOf("linesPerSec"), met: clean };
    case "idle":
      return { headline: "cpu %", ratio: ratioOf("cpuPercent"), met: logwisp.cpuPercent < 1 };
    case "memory":
      return { headline: "KB/client", ratio: ratioOf("perClientKB"), met: logwisp.perClientKB < 40 };
    case "nats":
      // no floor: the figure is lines/s acked by the stream; the same run's burst row is the local figure
      return {
        headline: "lines/s",
        ratio: Number.NaN,
        met: clean && (logwisp.runtime !== "node" || logwisp.linesPerSec >= 200_000),
      };
  }
}

const fmt = (value: number | undefined, digits = 1): string =>
  value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);
const fmtInt = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? "-" : Math.round(value).toLocaleString("en-US");

export function renderTable(summaries: Summary[]): string {
  const header = [
    "scenario",
    "runtime",
    "system",
    "lines/s",
    "min/client",
    "loss",
    "dup",
    "order",
    "p50 ms",
    "p99 ms",
    "max ms",
    "cpu s",
    "cpu %",
    "peak MiB",
    "KB/client",
    "vs floor",
    "target",
  ];
  const rows: string[][] = [header];
  for (const s of summaries) {
    const systems: Array<[string, Figures | undefined]> = [
      ["logwisp", s.logwisp],
      ["floor", s.floor],
      ["socat", s.socat],
    ];
    for (const [name, f] of systems) {
      if (!f) continue;
      const isLogwisp = name === "logwisp";
      rows.push([
        s.scenario,
        s.runtime,
        f.errors.length ? `${name}!` : name,
        fmtInt(f.linesPerSec),
        fmtInt(f.perClientLinesPerSecMin),
        fmtInt(f.loss),
        fmtInt(f.duplicates),
        fmtInt(f.orderViolations),
        fmt(f.p50Ms, 2),
        fmt(f.p99Ms, 2),
        fmt(f.maxMs, 1),
        fmt(f.cpuSeconds, 2),
        fmt(f.cpuPercent, 2),
        fmt(f.peakRssMiB, 1),
        fmt(f.perClientKB, 1),
        isLogwisp ? `${fmt(s.ratio, 2)}x ${s.headline}` : "",
        isLogwisp ? `${s.met ? "MET" : "MISSED"}: ${s.target}` : "",
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i < 3 || i === row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
        )
        .join("  "),
    )
    .join("\n");
}

/** Per scenario: the slowest runtime's headline figure over the fastest's (target: within 2x). */
export function crossRuntime(
  summaries: Summary[],
): Array<{ scenario: string; slowest: string; fastest: string; factor: number }> {
  const out: Array<{ scenario: string; slowest: string; fastest: string; factor: number }> = [];
  const byScenario = new Map<string, Summary[]>();
  for (const s of summaries) byScenario.set(s.scenario, [...(byScenario.get(s.scenario) ?? []), s]);
  for (const [scenario, list] of byScenario) {
    if (list.length < 2) continue;
    const higherIsBetter = scenario === "burst" || scenario === "rotate";
    const key = {
      burst: "linesPerSec",
      rotate: "linesPerSec",
      latency: "p99Ms",
      fanout: "p99Ms",
      regex: "cpuPercent",
      idle: "cpuPercent",
      memory: "perClientKB",
    }[scenario] as "linesPerSec" | "p99Ms" | "cpuPercent" | "perClientKB";
    const ranked = [...list].sort((a, b) =>
      higherIsBetter ? b.logwisp[key] - a.logwisp[key] : a.logwisp[key] - b.logwisp[key],
    );
    const fastest = ranked[0] as Summary;
    const slowest = ranked[ranked.length - 1] as Summary;
    const factor = higherIsBetter
      ? fastest.logwisp[key] / slowest.logwisp[key]
      : slowest.logwisp[key] / fastest.logwisp[key];
    out.push({ scenario, slowest: slowest.runtime, fastest: fastest.runtime, factor });
  }
  return out;
}
