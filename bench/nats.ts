// The `nats` scenario: lines published and acked from one host. A nats-server with JetStream (Debian's, a free
// loopback port, a temp store) and one logwisp agent (`--nats-serve=false`) following one file; the bench
// appends the lines as fast as it can and times them until the stream's newest message of the file ends at
// the file's end (every byte acked), then reads the stream back and counts what it holds (lost, doubled).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicMicros } from "./histogram.ts";
import { type RunResult, runWriter } from "./measure.ts";
import { sampleProcess } from "./proc-stats.ts";
import type { Scenario } from "./scenarios.ts";
import { type RuntimeName, startServer } from "./servers.ts";
import type { WriterReport } from "./writer.ts";

const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

type Jsm = Awaited<ReturnType<typeof import("@nats-io/jetstream").jetstreamManager>>;

/** The end offset of the newest message stored for the file (its Logwisp-Range): how far it is acked. */
async function ackedOffset(jsm: Jsm): Promise<number> {
  try {
    const msg = await jsm.streams.getMessage("LOGWISP", { last_by_subj: "logwisp.bench.app_2Elog" });
    return Number(/-(\d+)$/.exec(msg?.header.get("Logwisp-Range") ?? "")?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Entries the stream holds, by the messages' Logwisp-Count headers. */
async function streamEntries(jsm: Jsm): Promise<number> {
  const info = await jsm.streams.info("LOGWISP");
  let total = 0;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
    const msg = await jsm.streams.getMessage("LOGWISP", { seq });
    total += Number(msg?.header.get("Logwisp-Count") ?? 0);
  }
  return total;
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
  let closeClient: (() => Promise<void>) | undefined;
  try {
    nats = await startNatsServer(dir);
    server = await startServer("logwisp", {
      runtime,
      cwd: dir,
      targets: [file],
      files: [file],
      checkIntervalMs: scenario.checkIntervalMs,
      // an agent as the README runs one: publishes, serves nothing itself
      extraArgs: [
        "--nats-url",
        nats.url,
        "--hostname",
        "bench",
        "--nats-serve=false",
        "--enable-http=false",
        "--enable-tcp=false",
      ],
    });
    const { connect } = await import("@nats-io/transport-node");
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const nc = await connect({ servers: nats.url });
    closeClient = () => nc.close();
    const jsm = await jetstreamManager(nc);
    const before = sampleProcess(server.pid);
    const natsBefore = sampleProcess(nats.child.pid ?? 0);
    let written: WriterReport | undefined;
    const writing = runWriter({
      path: file,
      lines: scenario.lines,
      rate: 0,
      rotateEvery: 0,
      lineBytes: scenario.lineBytes,
    });
    void writing.then((report) => {
      written = report;
    });
    const deadline = Date.now() + 120_000;
    let endUs = 0;
    while (Date.now() < deadline) {
      await sleep(20);
      if (written === undefined) continue;
      if ((await ackedOffset(jsm)) >= statSync(file).size) {
        endUs = monotonicMicros();
        break;
      }
    }
    const report = await writing;
    const seconds = ((endUs || monotonicMicros()) - report.startUs) / 1e6;
    const after = sampleProcess(server.pid);
    const natsAfter = sampleProcess(nats.child.pid ?? 0);
    const stored = await streamEntries(jsm);
    const cpuSeconds = (after?.cpuSeconds ?? Number.NaN) - (before?.cpuSeconds ?? Number.NaN);
    return {
      ...empty,
      connections: 1,
      expected: scenario.lines,
      linesPerSec: endUs === 0 ? Number.NaN : report.written / seconds,
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
    await closeClient?.();
    await server?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
