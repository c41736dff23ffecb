// The named presets of issue 6, full size and --quick (shorter, smaller: a smoke test of the bench itself).

export type ScenarioName = "burst" | "latency" | "fanout" | "rotate" | "idle" | "memory";
export const SCENARIOS: readonly ScenarioName[] = ["burst", "latency", "fanout", "rotate", "idle", "memory"];

export interface Scenario {
  readonly name: ScenarioName;
  /** "stream": a writer and clients; "idle": files and no clients; "memory": idle clients and no writes. */
  readonly kind: "stream" | "idle" | "memory";
  readonly tcpClients: number;
  readonly sseClients: number;
  /** Client processes the connections are spread over. */
  readonly clientProcesses: number;
  readonly lines: number;
  /** Lines per second; 0 = as fast as the writer can. */
  readonly rate: number;
  readonly rotateEvery: number;
  /** Followed files (idle). */
  readonly files: number;
  /** Measurement window (idle). */
  readonly seconds: number;
  readonly lineBytes: number;
  /**
   * Seconds of unmeasured lines at `rate` after every client is connected and before the measured writer:
   * the clients' receive buffers grow to the stream's rate first (the kernel's autotuning), as they would in
   * any long-lived connection. 0: none.
   */
  readonly warmupSeconds: number;
  readonly checkIntervalMs: number;
  readonly target: string;
}

const base = {
  tcpClients: 0,
  sseClients: 0,
  clientProcesses: 1,
  lines: 0,
  rate: 0,
  rotateEvery: 0,
  files: 1,
  seconds: 0,
  lineBytes: 120,
  warmupSeconds: 0,
  checkIntervalMs: 100,
} as const;

export function scenario(name: ScenarioName, quick: boolean): Scenario {
  switch (name) {
    case "burst":
      return {
        ...base,
        name,
        kind: "stream",
        tcpClients: 1,
        lines: quick ? 20_000 : 200_000,
        target: ">= 70% of floor lines/s, zero loss",
      };
    case "latency":
      return {
        ...base,
        name,
        kind: "stream",
        sseClients: 1,
        rate: 5000,
        lines: quick ? 10_000 : 50_000,
        target: "p50 < 5 ms, p99 < 25 ms",
      };
    case "fanout":
      return {
        ...base,
        name,
        kind: "stream",
        sseClients: quick ? 100 : 1000,
        tcpClients: quick ? 10 : 100,
        clientProcesses: quick ? 2 : 4,
        rate: 2000,
        lines: quick ? 4000 : 20_000,
        warmupSeconds: 3,
        target: "zero drops, p99 < 150 ms",
      };
    case "rotate":
      return {
        ...base,
        name,
        kind: "stream",
        tcpClients: 1,
        rate: 10_000,
        lines: quick ? 20_000 : 100_000,
        rotateEvery: quick ? 5000 : 10_000,
        target: "zero loss",
      };
    case "idle":
      return {
        ...base,
        name,
        kind: "idle",
        files: quick ? 50 : 500,
        seconds: quick ? 5 : 30,
        target: "< 1% of a core",
      };
    case "memory":
      return {
        ...base,
        name,
        kind: "memory",
        sseClients: quick ? 100 : 1000,
        clientProcesses: quick ? 1 : 4,
        target: "< 40 KB per idle SSE client",
      };
  }
}
