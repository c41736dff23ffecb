// The serving side of issue 14's speed figures, NATS and logwisp together on this machine:
// - latency: a line appended on a publishing host (agent) reaches an SSE client of a serving instance
//   (viewer) — 5,000 lines/s, target p50 < 5 ms, p99 < 50 ms; and the same run's local-only figure (one
//   instance, no NATS) beside it;
// - fan-out: two viewers with 500 SSE clients each at 2,000 lines/s, target: nothing dropped or lost.
// Each line's latency is measured by the bench clients (client.ts) from the monotonic time the writer put in
// it. Everything started here is stopped here, by pid.
//
//   node --import tsx bench/nats-serve.ts [--runtime node,bun,deno] [--quick] [--no-build]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Histogram } from "./histogram.ts";
import {
  awaitDelivery,
  type ClientProcess,
  collect,
  runWriter,
  startClients,
  stopClients,
  warmUp,
} from "./measure.ts";
import { type Scenario, scenario } from "./scenarios.ts";
import {
  buildForNode,
  killAllStarted,
  type RunningServer,
  type RuntimeName,
  startServer,
} from "./servers.ts";

const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface NatsProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** nats-server -js on a free loopback port (read from its ports file), its store in `dir`. */
async function startNats(dir: string): Promise<NatsProcess> {
  const child: ChildProcess = spawn(
    NATS_SERVER,
    ["-js", "-sd", join(dir, "store"), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", dir],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const file = readdirSync(dir).find((name) => name === `nats-server_${child.pid}.ports`);
    const match = file && /:(\d+)"/.exec(readFileSync(join(dir, file), "utf8"));
    if (match) {
      return {
        url: `nats://127.0.0.1:${match[1]}`,
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (Date.now() > deadline) throw new Error("nats-server wrote no ports file");
    await sleep(20);
  }
}

/** A logwisp started by servers.ts with extra arguments (it reads them from BENCH_LOGWISP_ARGS). */
async function startLogwisp(runtime: RuntimeName, cwd: string, targets: string[], args: string[]) {
  const saved = process.env.BENCH_LOGWISP_ARGS;
  process.env.BENCH_LOGWISP_ARGS = [saved ?? "", ...args].join(" ");
  try {
    return await startServer("logwisp", { runtime, cwd, targets, files: targets, checkIntervalMs: 100 });
  } finally {
    if (saved === undefined) delete process.env.BENCH_LOGWISP_ARGS;
    else process.env.BENCH_LOGWISP_ARGS = saved;
  }
}

async function dropped(server: RunningServer): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/status`);
  return ((await response.json()) as { totals: { dropped: number } }).totals.dropped;
}

interface Figures {
  readonly setup: string;
  readonly runtime: RuntimeName;
  readonly clients: number;
  readonly lines: number;
  readonly rate: number;
  readonly loss: number;
  readonly duplicates: number;
  readonly orderViolations: number;
  readonly dropped: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * One measured run: a writer appends to `file` (followed by the first server), the clients read from
 * `viewers` (each gets the preset's clients); loss, duplicates, order and latency from the clients' reports.
 */
async function run(
  setup: string,
  runtime: RuntimeName,
  preset: Scenario,
  file: string,
  viewers: RunningServer[],
): Promise<Figures> {
  let clients: ClientProcess[] = [];
  try {
    for (const viewer of viewers) clients.push(...startClients(preset, viewer, "logwisp"));
    const connections = (preset.sseClients + preset.tcpClients) * viewers.length;
    await warmUp(preset, file, clients, connections);
    await sleep(preset.warmupSeconds * 1000);
    await runWriter({
      path: file,
      lines: preset.lines,
      rate: preset.rate,
      rotateEvery: 0,
      lineBytes: preset.lineBytes,
    });
    await awaitDelivery(clients, preset.lines, 5000, 60_000);
    const { latency, connections: reports } = await collect(clients);
    const expected = preset.lines * reports.length;
    const delivered = reports.reduce((acc, r) => acc + r.distinct, 0);
    let serverDropped = 0;
    for (const viewer of viewers) serverDropped += await dropped(viewer);
    return {
      setup,
      runtime,
      clients: connections,
      lines: preset.lines,
      rate: preset.rate,
      loss: expected - delivered,
      duplicates: reports.reduce((acc, r) => acc + r.duplicates, 0),
      orderViolations: reports.reduce((acc, r) => acc + r.orderViolations, 0),
      dropped: serverDropped,
      ...percentiles(latency),
    };
  } finally {
    await stopClients(clients);
    clients = [];
  }
}

function percentiles(latency: Histogram) {
  return {
    p50Ms: latency.quantile(0.5) / 1000,
    p99Ms: latency.quantile(0.99) / 1000,
    maxMs: latency.max / 1000,
  };
}

/** A fresh NATS, one agent following `app.log`, and `viewerCount` viewers; stopped when `body` ends. */
async function withNats<T>(
  runtime: RuntimeName,
  viewerCount: number,
  body: (file: string, viewers: RunningServer[]) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "logwisp-bench-nats-"));
  const file = join(dir, "app.log");
  writeFileSync(file, "");
  const started: RunningServer[] = [];
  const nats = await startNats(dir);
  try {
    const url = ["--nats-url", nats.url];
    started.push(await startLogwisp(runtime, dir, [file], [...url, "--nats-serve=false", "--hostname", "a"]));
    const viewers: RunningServer[] = [];
    for (let i = 0; i < viewerCount; i++) {
      const cwd = join(dir, `viewer-${i}`);
      mkdirSync(cwd);
      const viewer = await startLogwisp(runtime, cwd, [], [...url, "--nats-publish=false"]);
      started.push(viewer);
      viewers.push(viewer);
    }
    return await body(file, viewers);
  } finally {
    for (const server of started) await server.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function localOnly(runtime: RuntimeName, preset: Scenario): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "logwisp-bench-local-"));
  const file = join(dir, "app.log");
  writeFileSync(file, "");
  const server = await startLogwisp(runtime, dir, [file], []);
  try {
    return await run("local only", runtime, preset, file, [server]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(rows: Figures[]): string {
  const head =
    "| setup | runtime | SSE clients | lines | lines/s | loss | dup | order | dropped | p50 ms | p99 ms | max ms |";
  const rule = `|${head
    .split("|")
    .slice(1, -1)
    .map(() => "---")
    .join("|")}|`;
  const body = rows.map(
    (r) =>
      `| ${r.setup} | ${r.runtime} | ${r.clients} | ${r.lines} | ${r.rate} | ${r.loss} | ${r.duplicates} | ${r.orderViolations} | ${r.dropped} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.maxMs.toFixed(1)} |`,
  );
  return [head, rule, ...body].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtime: { type: "string", default: "node" },
      quick: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
    },
  });
  const runtimes = (values.runtime ?? "node").split(",") as RuntimeName[];
  if (runtimes.includes("node") && !values["no-build"]) await buildForNode();
  const latency: Scenario = {
    ...scenario("latency", values.quick ?? false),
    target: "p50 < 5 ms, p99 < 50 ms",
  };
  const fanoutBase = scenario("fanout", values.quick ?? false);
  // per viewer: 500 SSE clients (50 with --quick) over two client processes
  const fanout: Scenario = {
    ...fanoutBase,
    sseClients: values.quick ? 50 : 500,
    tcpClients: 0,
    clientProcesses: 2,
  };
  const rows: Figures[] = [];
  for (const runtime of runtimes) {
    rows.push(await localOnly(runtime, latency));
    rows.push(
      await withNats(runtime, 1, (file, viewers) =>
        run("agent → NATS → viewer", runtime, latency, file, viewers),
      ),
    );
    rows.push(await localOnly(runtime, { ...fanout, sseClients: fanout.sseClients * 2, clientProcesses: 4 }));
    rows.push(
      await withNats(runtime, 2, (file, viewers) =>
        run("agent → NATS → 2 viewers", runtime, fanout, file, viewers),
      ),
    );
    process.stderr.write(`${render(rows)}\n\n`);
  }
  process.stdout.write(`${render(rows)}\n`);
}

main().catch((error: unknown) => {
  killAllStarted();
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
