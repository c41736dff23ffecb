// The `nats` scenario: lines published and acked from one host. A nats-server with JetStream (Debian's, a free
// loopback port, a temp store) and one logwisp agent (`--nats-serve=false`) following one file; the bench
// appends the lines as fast as it can and times them until logwisp's /status says every entry was acked,
// then reads the stream back with a NATS client and counts what it holds (lost, doubled).
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunResult } from "./measure.ts";
import { sampleProcess } from "./proc-stats.ts";
import type { Scenario } from "./scenarios.ts";
import { type RuntimeName, startServer } from "./servers.ts";

const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PADDING = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(8);

interface NatsServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function startNatsServer(dir: string): Promise<NatsServer> {
  const child = spawn(
    NATS_SERVER,
    ["-js", "-sd", join(dir, "store"), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", dir],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const name = readdirSync(dir).find((file) => file === `nats-server_${child.pid}.ports`);
    if (name !== undefined) {
      const ports = JSON.parse(readFileSync(join(dir, name), "utf8")) as { nats: string[] };
      return { url: ports.nats[0] ?? "", child, stop };
    }
    await sleep(20);
  }
  await stop();
  throw new Error(`${NATS_SERVER} wrote no ports file`);
}

function line(seq: number, lineBytes: number): string {
  const head = `2025-01-01T00:00:00.000Z INFO bench seq=${seq} t=0 `;
  return `${head}${PADDING.slice(0, Math.max(0, lineBytes - head.length - 1))}\n`;
}

async function entriesAcked(httpPort: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/status`, {
      signal: AbortSignal.timeout(5000),
    });
    const status = (await response.json()) as { nats?: { publish?: { entries_acked?: number } } };
    return status.nats?.publish?.entries_acked ?? 0;
  } catch {
    return 0;
  }
}

/** Entries the stream holds, by the messages' Logwisp-Count headers. */
async function streamEntries(url: string): Promise<number> {
  const { connect } = await import("@nats-io/transport-node");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info("LOGWISP");
    let total = 0;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
      const msg = await jsm.streams.getMessage("LOGWISP", { seq });
      total += Number(msg?.header.get("Logwisp-Count") ?? 0);
    }
    return total;
  } finally {
    await nc.close();
  }
}

export async function measureNats(
  scenario: Scenario,
  runtime: RuntimeName,
  empty: RunResult,
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "logwisp-bench-nats-"));
  const file = join(dir, "app.log");
  writeFileSync(file, "");
  let nats: NatsServer | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    nats = await startNatsServer(dir);
    server = await startServer("logwisp", {
      runtime,
      cwd: dir,
      targets: [file],
      files: [file],
      checkIntervalMs: scenario.checkIntervalMs,
      extraArgs: ["--nats-url", nats.url, "--hostname", "bench", "--nats-serve=false"],
    });
    const httpPort = server.httpPort ?? 0;
    const before = sampleProcess(server.pid);
    const natsBefore = sampleProcess(nats.child.pid ?? 0);
    const started = performance.now();
    for (let written = 0; written < scenario.lines; ) {
      const count = Math.min(1000, scenario.lines - written);
      let text = "";
      for (let i = 0; i < count; i++) text += line(written + i, scenario.lineBytes);
      appendFileSync(file, text);
      written += count;
      // a writer that keeps writing, but lets the event loop (and so nothing else here) run
      if (written % 20_000 === 0) await sleep(0);
    }
    let acked = 0;
    const deadline = Date.now() + 120_000;
    while (acked < scenario.lines && Date.now() < deadline) {
      acked = await entriesAcked(httpPort);
      if (acked < scenario.lines) await sleep(10);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = sampleProcess(server.pid);
    const natsAfter = sampleProcess(nats.child.pid ?? 0);
    const stored = await streamEntries(nats.url);
    const cpuSeconds = (after?.cpuSeconds ?? Number.NaN) - (before?.cpuSeconds ?? Number.NaN);
    return {
      ...empty,
      connections: 1,
      expected: scenario.lines,
      linesPerSec: acked / seconds,
      loss: Math.max(0, scenario.lines - stored),
      duplicates: Math.max(0, stored - scenario.lines),
      cpuSeconds,
      cpuPercent: (cpuSeconds / seconds) * 100,
      // nats-server's CPU over the same window, in the column the stream scenarios use for their clients
      clientCpuSeconds: (natsAfter?.cpuSeconds ?? Number.NaN) - (natsBefore?.cpuSeconds ?? Number.NaN),
      peakRssMiB: (after?.peakRssKiB ?? Number.NaN) / 1024,
    };
  } catch (error) {
    return { ...empty, error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  } finally {
    await server?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
