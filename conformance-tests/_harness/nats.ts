// A real nats-server with JetStream for the NATS cases: a free port on loopback (read from its ports file), a
// store in the case's temp dir, stopped by pid when the case ends. `restart()` starts it again on the same
// store and port, as an operator restarting it would (clients reconnect to the same URL and find the stream).
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { onCleanup } from "./cleanup.ts";
import { makeTempDir } from "./process.ts";
import { pollUntil } from "./wait.ts";

/** Debian's package; `.ci/run` installs it when missing. */
export const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";

export interface NatsServerOptions {
  /** Require this user and password of every client. */
  readonly user?: string;
  readonly password?: string;
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** SIGTERM, and resolves once it exited (its store flushed). */
  stop(): Promise<void>;
  /** Starts it again on the same store and port; resolves once it answers. */
  restart(): Promise<void>;
  /** Its stderr so far (the server logs there). */
  log(): string;
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function launch(args: readonly string[], onOutput: (text: string) => void): Running {
  const child = spawn(NATS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.setEncoding("utf8").on("data", onOutput);
  child.stderr?.setEncoding("utf8").on("data", onOutput);
  const exited = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", (error) => {
      onOutput(`could not start ${NATS_SERVER}: ${error.message}\n`);
      resolve();
    });
  });
  return { child, exited };
}

async function portFromFile(dir: string, pid: number): Promise<number | undefined> {
  const name = (await readdir(dir)).find((file) => file === `nats-server_${pid}.ports`);
  if (name === undefined) return undefined;
  const ports = JSON.parse(await readFile(join(dir, name), "utf8")) as { nats?: string[] };
  const match = /:(\d+)$/.exec(ports.nats?.[0] ?? "");
  return match === null ? undefined : Number(match[1]);
}

/** Starts nats-server -js on a free loopback port; stopped when the case ends. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = await makeTempDir("logwisp-nats-");
  const storeDir = join(dir, "store");
  let output = "";
  const collect = (text: string): void => {
    output += text;
  };
  const auth = options.user === undefined ? [] : ["--user", options.user, "--pass", options.password ?? ""];
  const base = ["-js", "-sd", storeDir, "-a", "127.0.0.1", ...auth];
  let running = launch([...base, "-p", "-1", "--ports_file_dir", dir], collect);
  onCleanup(async () => {
    running.child.kill("SIGKILL");
    await running.exited;
  });
  const pid = running.child.pid ?? -1;
  const port = await pollUntil(
    () => portFromFile(dir, pid),
    `nats-server's ports file\n${output}`,
    10_000,
    20,
  );
  const waitReady = (): Promise<true> =>
    pollUntil(
      async () => (/Server is ready/.test(output) ? true : undefined),
      `nats-server ready\n${output}`,
      10_000,
      20,
    );
  await waitReady();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async stop() {
      running.child.kill("SIGTERM");
      await running.exited;
    },
    async restart() {
      output = "";
      running = launch([...base, "-p", String(port)], collect);
      await waitReady();
    },
    log: () => output,
  };
}

/** One entry as the stream holds it: the message's sequence and subject, and the entry itself. */
export interface StreamedEntry {
  readonly seq: number;
  readonly subject: string;
  readonly entry: { host?: string; source: string; message: string };
}

/**
 * Reads a stream as a NATS client would, with the official client in the test process: every message by
 * sequence, each split into its entries (the payload is their JSON texts joined by newlines).
 */
export class StreamReader {
  readonly entries: StreamedEntry[] = [];
  /** Each message's Logwisp-Count header, by sequence. */
  readonly counts = new Map<number, number>();
  private nextSeq = 1;

  private constructor(
    private readonly close: () => Promise<void>,
    private readonly getMessage: (
      seq: number,
    ) => Promise<{ seq: number; subject: string; data: Uint8Array; count: number } | undefined>,
    private readonly lastSeq: () => Promise<number>,
  ) {}

  static async open(url: string, stream = "LOGWISP"): Promise<StreamReader> {
    const { connect } = await import("@nats-io/transport-node");
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    onCleanup(() => nc.close());
    const jsm = await jetstreamManager(nc);
    return new StreamReader(
      () => nc.close(),
      async (seq) => {
        const msg = await jsm.streams.getMessage(stream, { seq });
        if (msg === null) return undefined;
        return {
          seq: msg.seq,
          subject: msg.subject,
          data: msg.data,
          count: Number(msg.header.get("Logwisp-Count")),
        };
      },
      async () => (await jsm.streams.info(stream)).state.last_seq,
    );
  }

  /** Reads the messages stored since the last call. */
  async poll(): Promise<void> {
    const last = await this.lastSeq();
    for (; this.nextSeq <= last; this.nextSeq++) {
      const msg = await this.getMessage(this.nextSeq);
      if (msg === undefined) continue;
      this.counts.set(msg.seq, msg.count);
      for (const json of new TextDecoder().decode(msg.data).split("\n")) {
        this.entries.push({ seq: msg.seq, subject: msg.subject, entry: JSON.parse(json) });
      }
    }
  }

  /** Polls until `entries` holds at least `count` entries. */
  async waitForEntries(count: number, ms = 30_000): Promise<void> {
    await pollUntil(
      async () => {
        await this.poll();
        return this.entries.length >= count ? true : undefined;
      },
      `${count} entries in the stream (have ${this.entries.length})`,
      ms,
      100,
    );
  }

  async dispose(): Promise<void> {
    await this.close();
  }
}
