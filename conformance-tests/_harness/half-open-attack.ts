// A slow-header attack, run in a process of its own: it needs more sockets than the suite's own descriptor
// limit may allow, so the child raises its soft limit first (`ulimit -n`, up to the hard limit). Each
// connection comes from one of several loopback source addresses (the target stays 127.0.0.1), sends a
// request line and one header line, then another header line every `intervalMs`, and never finishes its
// request. The child reports on stdout, one JSON line per change, what became of the connections.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { onCleanup } from "./cleanup.ts";
import { DEFAULT_TIMEOUT_MS, waitUntil } from "./wait.ts";

export interface AttackReport {
  /** Connections established. */
  readonly opened: number;
  /** Connections the attacker could not even open (refused, reset, or out of descriptors on its side). */
  readonly failed: number;
  /** Established connections the server has closed since. */
  readonly closed: number;
  /** Of those, closed within 1 s of connecting (refused, or closed at once to make room). */
  readonly closedWithin1s: number;
  /** Of those, closed 9 s or more after connecting (by the header deadline, not before it). */
  readonly closedAfter9s: number;
  /** The longest life of a connection closed so far, from connect to close. */
  readonly longestMs: number;
}

export interface HalfOpenAttack {
  latest(): AttackReport;
  /** Resolves with the first report that passes `check`. */
  until(check: (report: AttackReport) => boolean, what: string, ms?: number): Promise<AttackReport>;
  stop(): void;
}

const SELF = fileURLToPath(import.meta.url);
/** Source addresses 127.0.1.1, 127.0.1.2, …: loopback on Linux, as the target 127.0.0.1 is. */
const sourceAddress = (index: number): string => `127.0.1.${1 + index}`;

export function startHalfOpenAttack(
  port: number,
  options: { connections: number; addresses: number; intervalMs: number },
): HalfOpenAttack {
  const args = [
    String(port),
    String(options.connections),
    String(options.addresses),
    String(options.intervalMs),
  ];
  const child = spawn(
    "/bin/sh",
    [
      "-c",
      `ulimit -n ${options.connections + 512} 2>/dev/null; exec "$0" "$@"`,
      process.execPath,
      "--import",
      import.meta.resolve("tsx"),
      SELF,
      ...args,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  onCleanup(() => {
    child.kill("SIGKILL");
  });
  let latest: AttackReport = {
    opened: 0,
    failed: 0,
    closed: 0,
    closedWithin1s: 0,
    closedAfter9s: 0,
    longestMs: 0,
  };
  const listeners = new Set<() => void>();
  let exited = false;
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      latest = JSON.parse(buffered.slice(0, end)) as AttackReport;
      buffered = buffered.slice(end + 1);
    }
    for (const listener of listeners) listener();
  });
  child.once("exit", () => {
    exited = true;
    for (const listener of listeners) listener();
  });
  return {
    latest: () => latest,
    until: (check, what, ms = DEFAULT_TIMEOUT_MS) =>
      waitUntil(
        () => {
          if (check(latest)) return latest;
          if (exited) throw new Error(`the attacker exited before ${what}: ${JSON.stringify(latest)}`);
          return undefined;
        },
        {
          ms,
          describe: () => `timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(latest)}`,
          subscribe: (wake) => {
            listeners.add(wake);
            return () => listeners.delete(wake);
          },
        },
      ),
    stop: () => {
      child.kill("SIGKILL");
    },
  };
}

/** The child: opens the connections, keeps them trickling, reports. */
function attack(port: number, connections: number, addresses: number, intervalMs: number): void {
  const report = { opened: 0, failed: 0, closed: 0, closedWithin1s: 0, closedAfter9s: 0, longestMs: 0 };
  let dirty = true;
  const sockets = new Set<import("node:net").Socket>();
  for (let index = 0; index < connections; index++) {
    const socket = connect({ host: "127.0.0.1", port, localAddress: sourceAddress(index % addresses) });
    let connectedAt = 0;
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      connectedAt = Date.now();
      report.opened++;
      sockets.add(socket);
      socket.write("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      dirty = true;
    });
    socket.on("data", () => undefined);
    socket.once("close", () => {
      sockets.delete(socket);
      dirty = true;
      if (connectedAt === 0) {
        report.failed++;
        return;
      }
      report.closed++;
      const life = Date.now() - connectedAt;
      if (life < 1000) report.closedWithin1s++;
      if (life >= 9000) report.closedAfter9s++;
      report.longestMs = Math.max(report.longestMs, life);
    });
  }
  let line = 0;
  setInterval(() => {
    line++;
    for (const socket of sockets) socket.write(`X-Slow-${line}: ${"a".repeat(16)}\r\n`);
  }, intervalMs);
  setInterval(() => {
    if (!dirty) return;
    dirty = false;
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }, 50);
}

if (process.argv[1] === SELF) {
  const [port, connections, addresses, intervalMs] = process.argv.slice(2).map(Number);
  attack(port ?? 0, connections ?? 0, addresses ?? 1, intervalMs ?? 2000);
}
