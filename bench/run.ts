// `npm run bench`: every scenario of issue 6 on every runtime, logwisp against the floor in the same run,
// alternating A B A B. Options pick scenarios, runtimes, repetitions, and a --quick smoke-test size.
//
//   npm run bench -- [--scenario burst,latency] [--runtime node,bun] [--reps 2] [--quick] [--no-build]
//                    [--base DIR] [--no-floor] [--only TEXT]
// --base DIR runs logwisp from another checkout too (system "base"), alternated with this one: an A/B of a
// change in one sitting (DIR needs a node_modules; a symlink to this checkout's will do).
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { measure, type RunResult } from "./measure.ts";
import { crossRuntime, figures, judge, renderTable, type Summary } from "./report.ts";
import { presets, SCENARIOS } from "./scenarios.ts";
import {
  buildForNode,
  killAllStarted,
  type RuntimeName,
  type SystemName,
  setBaseRoot,
  socatInstalled,
} from "./servers.ts";

const RUNTIMES: readonly RuntimeName[] = ["node", "bun", "deno"];
/** Descriptors the largest scenario needs in one process (1,100 clients), with room to spare. */
const NEEDED_FILE_DESCRIPTORS = 4096;

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: SCENARIOS.join(",") },
    runtime: { type: "string", default: RUNTIMES.join(",") },
    reps: { type: "string", default: "2" },
    quick: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    base: { type: "string" },
    "no-floor": { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  process.stdout.write(
    `npm run bench -- [--scenario ${SCENARIOS.join(",")}] [--runtime ${RUNTIMES.join(",")}] [--reps N] [--quick] [--no-build] [--base DIR] [--no-floor]\n` +
      "  --base DIR  also run logwisp from the checkout DIR (system base), alternated with this one\n" +
      "  --no-floor  skip the floor and socat runs (an A/B against --base needs neither)\n" +
      '  --only TEXT run only the variants whose label contains TEXT (e.g. --only "1k/s write/ms")\n',
  );
  process.exit(0);
}

const scenarios = pick(values.scenario, SCENARIOS, "scenario");
const runtimes = pick(values.runtime, RUNTIMES, "runtime");
const reps = Math.max(1, Number(values.reps) || 1);
if (values.base) setBaseRoot(values.base);

function pick<T extends string>(list: string, allowed: readonly T[], what: string): T[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!allowed.includes(name as T)) {
      process.stderr.write(`unknown ${what} ${name}; one of ${allowed.join(", ")}\n`);
      process.exit(2);
    }
  }
  return names as T[];
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function openFileLimit(): number {
  try {
    return Number(execFileSync("/bin/sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  } catch {
    return Number.NaN;
  }
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killAllStarted();
    process.exit(130);
  });
}
process.on("exit", killAllStarted);

async function main(): Promise<void> {
  const limit = openFileLimit();
  if (limit < NEEDED_FILE_DESCRIPTORS)
    log(
      `ulimit -n is ${limit}: fanout and memory need ${NEEDED_FILE_DESCRIPTORS}; run through npm run bench, which raises it`,
    );
  const socat = socatInstalled();
  log(
    socat
      ? "socat found: tail -F | socat is a second floor in single-TCP-client scenarios"
      : "socat is not installed: the tail -F | socat floor is skipped",
  );
  if (runtimes.includes("node") && !values["no-build"]) {
    log("building src/ and bench/floor.ts for node (compiled JavaScript, as npx logwisp runs)");
    await buildForNode();
  }
  const startedAt = new Date();
  const results: RunResult[] = [];
  const summaries: Summary[] = [];
  for (const runtime of runtimes) {
    const chosen = scenarios
      .flatMap((name) => presets(name, values.quick))
      .filter((preset) => values.only === undefined || preset.label.includes(values.only));
    for (const preset of chosen) {
      const { name, label } = preset;
      const systems: SystemName[] = values.base ? ["logwisp", "base"] : ["logwisp"];
      const floors = !values["no-floor"] && preset.floor;
      // memory: the reference is the runtime's own idle SSE server, not the TCP floor
      const floorName: SystemName = name === "memory" ? "bare" : "floor";
      if (floors) systems.push(floorName);
      // tail -F | socat serves one connection: a floor for the scenarios with one client (steady: its TCP one)
      if (
        floors &&
        socat &&
        runtime === runtimes[0] &&
        (preset.tcpClients + preset.sseClients === 1 || name === "steady") &&
        preset.kind === "stream"
      )
        systems.push("socat");
      for (let rep = 1; rep <= reps; rep++) {
        // A B A B: the same conditions for both, as far as a shared machine allows
        for (const system of systems) {
          const result = await measure(preset, runtime, system, rep);
          results.push(result);
          log(`${label} ${runtime} ${system} #${rep}: ${oneLine(result)}`);
        }
      }
      const of = (system: SystemName) =>
        figures(
          results.filter(
            (r) => r.label === label && (r.runtime === runtime || system === "socat") && r.system === system,
          ),
        );
      const logwisp = of("logwisp");
      if (!logwisp) continue;
      const floor = of(floorName);
      const socatFigures = of("socat");
      const verdict = judge(preset, logwisp, floor, socatFigures);
      summaries.push({
        scenario: name,
        label,
        runtime,
        logwisp,
        base: of("base"),
        floor,
        socat: socatFigures,
        target: preset.target,
        ...verdict,
      });
    }
  }
  process.stdout.write(`\n${renderTable(summaries)}\n\n`);
  const spread = crossRuntime(summaries);
  for (const s of spread) {
    process.stdout.write(
      `${s.scenario}: slowest runtime ${s.slowest} is ${s.factor.toFixed(2)}x the fastest (${s.fastest})${s.factor > 2 ? "  MISSED: within 2x" : ""}\n`,
    );
  }
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
  const json = {
    date: startedAt.toISOString(),
    machine,
    options: { scenarios, runtimes, reps, quick: values.quick, base: values.base },
    socat: socat ? "installed" : "not installed",
    summaries,
    crossRuntime: spread,
    runs: results,
  };
  process.stdout.write(`\nBENCH_JSON ${JSON.stringify(json)}\n`);
}

function oneLine(r: RunResult): string {
  if (r.error) return `error: ${r.error}`;
  const parts = [
    `${Math.round(r.linesPerSec)} lines/s`,
    `loss ${r.loss}`,
    `dup ${r.duplicates}`,
    `p50 ${r.p50Ms.toFixed(2)} ms`,
    `p99 ${r.p99Ms.toFixed(2)} ms`,
    `cpu ${r.cpuSeconds.toFixed(2)} s (${r.cpuPercent.toFixed(2)}%)`,
    `${r.wakeupsPerLine.toFixed(2)} wake-ups/line`,
    `clients cpu ${r.clientCpuSeconds.toFixed(2)} s`,
    `peak ${r.peakRssMiB.toFixed(1)} MiB`,
  ];
  if (!Number.isNaN(r.perClientKB)) parts.push(`${r.perClientKB.toFixed(1)} KB/client`);
  if (r.serverDropped) parts.push(`server dropped ${r.serverDropped}`);
  return parts.join(", ");
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  killAllStarted();
  process.exit(1);
});
