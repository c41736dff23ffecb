// One measured run: a fresh temp dir, one server (logwisp, floor or socat) on one runtime, the writer and
// client processes the scenario calls for; everything started here is stopped here, by pid.
import { type ChildProcess, fork } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientMessage, ClientSpec, ConnectionReport } from "./client.ts";
import { Histogram } from "./histogram.ts";
import { measureNats } from "./nats.ts";
import { sampleGroup, sampleProcess } from "./proc-stats.ts";
import { regexFilter, regexWarmupLine, type Scenario } from "./scenarios.ts";
import { type RunningServer, type RuntimeName, repoRoot, type SystemName, startServer } from "./servers.ts";
import type { WriterReport, WriterSpec } from "./writer.ts";

export interface RunResult {
  readonly scenario: string;
  /** The scenario's variant (steady: rate and write mode); the scenario's name for the others. */
  readonly label: string;
  readonly runtime: RuntimeName;
  readonly system: SystemName;
  readonly rep: number;
  readonly connections: number;
  readonly failedConnections: number;
  readonly expected: number;
  readonly linesPerSec: number;
  readonly perClientLinesPerSec: { min: number; median: number; max: number };
  readonly loss: number;
  readonly duplicates: number;
  readonly orderViolations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpuSeconds: number;
  readonly cpuPercent: number;
  /** The server's wake-ups (voluntary context switches, all threads) per line written. */
  readonly wakeupsPerLine: number;
  /** CPU of the client processes over the same window, to tell a server limit from a client one. */
  readonly clientCpuSeconds: number;
  readonly peakRssMiB: number;
  readonly perClientKB: number;
  readonly serverDropped: number | undefined;
  readonly error?: string;
}

const TSX = ["--import", "tsx"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClientProcess {
  readonly child: ChildProcess;
  last: Extract<ClientMessage, { type: "progress" }> | undefined;
}

export function startClients(scenario: Scenario, server: RunningServer, system: SystemName): ClientProcess[] {
  const processes: ClientProcess[] = [];
  const n = scenario.clientProcesses;
  const floor = system === "floor" || system === "socat";
  // the floor speaks TCP only: it gets as many TCP clients as logwisp gets clients of both kinds; socat
  // serves one connection
  const tcp =
    system === "socat" ? 1 : floor ? scenario.tcpClients + scenario.sseClients : scenario.tcpClients;
  const sse = floor ? 0 : scenario.sseClients;
  let sseBefore = 0;
  for (let i = 0; i < n; i++) {
    const sseHere = share(sse, n, i);
    const spec: ClientSpec = {
      host: "127.0.0.1",
      tcpPort: server.tcpPort,
      httpPort: server.httpPort ?? 0,
      tcp: share(tcp, n, i),
      sse: sseHere,
      totalLines: Math.max(1, scenario.lines),
      sseQueries: scenario.regexFilters
        ? Array.from({ length: sseHere }, (_, k) => `q=${encodeURIComponent(regexFilter(sseBefore + k))}`)
        : undefined,
    };
    sseBefore += sseHere;
    const child = fork(`${repoRoot}/bench/client.ts`, [JSON.stringify(spec)], {
      // e.g. BENCH_CLIENT_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see what the clients spend their CPU on
      execArgv: [...TSX, ...(process.env.BENCH_CLIENT_FLAGS ?? "").split(" ").filter(Boolean)],
      stdio: "inherit",
    });
    const entry: ClientProcess = { child, last: undefined };
    child.on("message", (message: ClientMessage) => {
      if (message.type === "progress") entry.last = message;
    });
    processes.push(entry);
  }
  return processes;
}

export function clientCpu(clients: ClientProcess[]): number {
  return clients.reduce((acc, { child }) => acc + (sampleProcess(child.pid ?? 0)?.cpuSeconds ?? 0), 0);
}

function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

export function sum(clients: ClientProcess[], key: "ready" | "distinct" | "failed"): number {
  return clients.reduce((acc, c) => acc + (c.last?.[key] ?? 0), 0);
}

/** An unmeasured line that every client's filter lets through. */
function warmupLine(scenario: Scenario, n: number, padding?: string): string {
  const line = scenario.regexFilters ? regexWarmupLine(n) : `warmup ${n}`;
  return padding === undefined ? line : `${line} ${padding}`;
}

/** Appends warm-up lines until every connection has seen one: then every subscriber exists. */
export async function warmUp(
  scenario: Scenario,
  file: string,
  clients: ClientProcess[],
  connections: number,
): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (let i = 0; sum(clients, "ready") < connections; i++) {
    if (Date.now() > deadline)
      throw new Error(`only ${sum(clients, "ready")} of ${connections} clients connected`);
    appendFileSync(file, `${warmupLine(scenario, i)}\n`);
    await sleep(250);
  }
}

/**
 * Appends `seconds` of unmeasured lines at `rate` (no `seq=`, so the clients count none of them), then
 * waits a second for them to be delivered.
 */
async function steadyWarmUp(scenario: Scenario, file: string): Promise<void> {
  const { rate, lineBytes, warmupSeconds: seconds } = scenario;
  const padding = "w".repeat(Math.max(0, lineBytes - (scenario.regexFilters ? 100 : 20)));
  const start = Date.now();
  let written = 0;
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) * rate) / 1000);
    let text = "";
    for (; written < due; written++) text += `${warmupLine(scenario, written, padding)}\n`;
    if (text) appendFileSync(file, text);
    await sleep(2);
  }
  await sleep(1000);
}

export async function runWriter(spec: WriterSpec): Promise<WriterReport> {
  const child = fork(`${repoRoot}/bench/writer.ts`, [JSON.stringify(spec)], {
    execArgv: TSX,
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`writer exited with ${code}`);
  return JSON.parse(out) as WriterReport;
}

/** Waits until every client has every line, progress stalls for stallMs, or the deadline passes. */
export async function awaitDelivery(
  clients: ClientProcess[],
  lines: number,
  stallMs: number,
  maxMs: number,
): Promise<void> {
  const deadline = Date.now() + maxMs;
  let lastTotal = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    if (clients.every((c) => c.last && c.last.minDistinct >= lines)) return;
    const total = sum(clients, "distinct");
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) return;
    await sleep(100);
  }
}

export async function collect(clients: ClientProcess[]) {
  const reports = await Promise.all(
    clients.map(
      ({ child }) =>
        new Promise<Extract<ClientMessage, { type: "report" }>>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("client report timed out")), 20_000);
          child.on("message", (message: ClientMessage) => {
            if (message.type !== "report") return;
            clearTimeout(timer);
            resolve(message);
          });
          child.send({ type: "report" });
        }),
    ),
  );
  const latency = new Histogram();
  const connections: ConnectionReport[] = [];
  for (const report of reports) {
    latency.merge(report.latency, report.latencyMax);
    connections.push(...report.connections);
  }
  return { latency, connections };
}

export async function stopClients(clients: ClientProcess[]): Promise<void> {
  await Promise.all(
    clients.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (child.connected) child.send({ type: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function serverDrops(server: RunningServer): Promise<number | undefined> {
  if (server.httpPort === undefined) return undefined;
  try {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/status`, {
      signal: AbortSignal.timeout(5000),
    });
    const status = (await response.json()) as { totals?: { dropped?: number } };
    return status.totals?.dropped;
  } catch {
    return undefined;
  }
}

export async function measure(
  scenario: Scenario,
  runtime: RuntimeName,
  system: SystemName,
  rep: number,
): Promise<RunResult> {
  if (scenario.kind === "nats")
    return measureNats(scenario, runtime, emptyResult(scenario, runtime, system, rep));
  const dir = mkdtempSync(join(tmpdir(), "logwisp-bench-"));
  const file = join(dir, "app.log");
  const files: string[] = [];
  if (scenario.kind === "idle") {
    for (let i = 0; i < scenario.files; i++) {
      const path = join(dir, `idle-${String(i).padStart(4, "0")}.log`);
      writeFileSync(path, `INFO idle file ${i} started\n`);
      files.push(path);
    }
  } else {
    writeFileSync(file, "");
    files.push(file);
  }
  const targets = scenario.kind === "idle" ? [`${dir}:*.log`] : [file];
  const empty = emptyResult(scenario, runtime, system, rep);
  let server: RunningServer | undefined;
  let clients: ClientProcess[] = [];
  try {
    server = await startServer(system, {
      runtime,
      cwd: dir,
      targets,
      files,
      checkIntervalMs: scenario.checkIntervalMs,
    });
    const pid = server.pid;
    if (scenario.kind === "idle") {
      // let the quiet files back off to their long interval first, as they would after a while in service
      await sleep(Math.min(8000, scenario.seconds * 1000));
      const before = sampleProcess(pid);
      await sleep(scenario.seconds * 1000);
      const after = sampleProcess(pid);
      const cpuSeconds = (after?.cpuSeconds ?? Number.NaN) - (before?.cpuSeconds ?? Number.NaN);
      return {
        ...empty,
        cpuSeconds,
        cpuPercent: (cpuSeconds / scenario.seconds) * 100,
        peakRssMiB: (after?.peakRssKiB ?? Number.NaN) / 1024,
      };
    }
    const connections = scenario.tcpClients + scenario.sseClients;
    if (scenario.kind === "memory") {
      await sleep(2000);
      const before = sampleProcess(pid);
      clients = startClients(scenario, server, system);
      await warmUp(scenario, file, clients, connections);
      await sleep(3000);
      const after = sampleProcess(pid);
      const deltaKiB = (after?.rssKiB ?? Number.NaN) - (before?.rssKiB ?? Number.NaN);
      return {
        ...empty,
        connections,
        failedConnections: sum(clients, "failed"),
        peakRssMiB: (after?.peakRssKiB ?? Number.NaN) / 1024,
        perClientKB: (deltaKiB * 1.024) / connections,
      };
    }
    clients = startClients(scenario, server, system);
    await warmUp(scenario, file, clients, system === "socat" ? 1 : connections);
    if (scenario.warmupSeconds > 0) await steadyWarmUp(scenario, file);
    const groupBefore = sampleGroup(pid);
    const clientsBefore = clientCpu(clients);
    const writer = await runWriter({
      path: file,
      lines: scenario.lines,
      rate: scenario.rate,
      rotateEvery: scenario.rotateEvery,
      lineBytes: scenario.lineBytes,
      writePerLine: scenario.writePerLine,
    });
    await awaitDelivery(clients, scenario.lines, 3000, 30_000);
    const after = sampleProcess(pid);
    const groupAfter = sampleGroup(pid);
    const cpuSeconds = groupAfter.cpuSeconds - groupBefore.cpuSeconds;
    const clientCpuSeconds = clientCpu(clients) - clientsBefore;
    const { latency, connections: reports } = await collect(clients);
    const dropped = system === "logwisp" || system === "base" ? await serverDrops(server) : undefined;
    return {
      ...summarise(empty, reports, latency, writer, cpuSeconds, after, dropped),
      wakeupsPerLine: (groupAfter.wakeups - groupBefore.wakeups) / writer.written,
      clientCpuSeconds,
    };
  } catch (error) {
    return { ...empty, error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  } finally {
    await stopClients(clients);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarise(
  empty: RunResult,
  reports: ConnectionReport[],
  latency: Histogram,
  writer: WriterReport,
  cpuSeconds: number,
  after: ReturnType<typeof sampleProcess>,
  dropped: number | undefined,
): RunResult {
  const rates = reports
    .map((r) => (r.distinct > 0 ? r.distinct / ((r.lastAtUs - writer.startUs) / 1e6) : 0))
    .sort((a, b) => a - b);
  const delivered = reports.reduce((acc, r) => acc + r.distinct, 0);
  const lastAtUs = Math.max(...reports.map((r) => r.lastAtUs));
  return {
    ...empty,
    connections: reports.length,
    failedConnections: reports.filter((r) => r.failed).length,
    expected: writer.written * reports.length,
    linesPerSec: delivered / ((lastAtUs - writer.startUs) / 1e6),
    perClientLinesPerSec: {
      min: rates[0] ?? 0,
      median: rates[Math.floor(rates.length / 2)] ?? 0,
      max: rates[rates.length - 1] ?? 0,
    },
    loss: writer.written * reports.length - delivered,
    duplicates: reports.reduce((acc, r) => acc + r.duplicates, 0),
    orderViolations: reports.reduce((acc, r) => acc + r.orderViolations, 0),
    p50Ms: latency.quantile(0.5) / 1000,
    p99Ms: latency.quantile(0.99) / 1000,
    maxMs: latency.max / 1000,
    cpuSeconds,
    cpuPercent: (cpuSeconds / ((lastAtUs - writer.startUs) / 1e6)) * 100,
    peakRssMiB: (after?.peakRssKiB ?? Number.NaN) / 1024,
    serverDropped: dropped,
  };
}

function emptyResult(scenario: Scenario, runtime: RuntimeName, system: SystemName, rep: number): RunResult {
  return {
    scenario: scenario.name,
    label: scenario.label,
    runtime,
    system,
    rep,
    connections: 0,
    failedConnections: 0,
    expected: 0,
    linesPerSec: Number.NaN,
    perClientLinesPerSec: { min: Number.NaN, median: Number.NaN, max: Number.NaN },
    loss: 0,
    duplicates: 0,
    orderViolations: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    cpuSeconds: Number.NaN,
    cpuPercent: Number.NaN,
    wakeupsPerLine: Number.NaN,
    clientCpuSeconds: Number.NaN,
    peakRssMiB: Number.NaN,
    perClientKB: Number.NaN,
    serverDropped: undefined,
  };
}
