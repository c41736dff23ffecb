// The named presets of issue 6, full size and --quick (shorter, smaller: a smoke test of the bench itself).

export type ScenarioName =
  | "burst"
  | "latency"
  | "steady"
  | "fanout"
  | "regex"
  | "rotate"
  | "idle"
  | "memory"
  | "nats";
export const SCENARIOS: readonly ScenarioName[] = [
  "burst",
  "latency",
  "steady",
  "fanout",
  "regex",
  "rotate",
  "idle",
  "memory",
  "nats",
];

export interface Scenario {
  readonly name: ScenarioName;
  /** The name in the table: the scenario's, plus the variant for one with several (steady). */
  readonly label: string;
  /**
   * "stream": a writer and clients; "idle": files and no clients; "memory": idle clients and no writes;
   * "nats": a writer, a nats-server and logwisp publishing to it (see nats.ts).
   */
  readonly kind: "stream" | "idle" | "memory" | "nats";
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
  /** The writer makes one write(2) per line instead of one per millisecond's lines. */
  readonly writePerLine: boolean;
  /**
   * Seconds of unmeasured lines at `rate` after every client is connected and before the measured writer:
   * the clients' receive buffers grow to the stream's rate first (the kernel's autotuning), as they would in
   * any long-lived connection. 0: none.
   */
  readonly warmupSeconds: number;
  readonly checkIntervalMs: number;
  /** Each SSE client asks for its own /regex/ (regexFilter): as many distinct filters as clients. */
  readonly regexFilters: boolean;
  /** Whether the floor runs too: it has no filters, so it is no reference for a filtered scenario. */
  readonly floor: boolean;
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
  writePerLine: false,
  warmupSeconds: 0,
  checkIntervalMs: 100,
  regexFilters: false,
  floor: true,
} as const;

/**
 * Client i's filter in the regex scenario: eight shapes (literals, classes, anchors, word boundaries, the i
 * flag), each made distinct by i, and each matching every bench line (writer.ts), so that every client
 * still receives every line and loss stays measurable (and every warm-up line: regexWarmupLine). Valid for
 * RegExp and RE2 alike, so the same run measures logwisp before and after issue 18.
 */
export function regexFilter(i: number): string {
  const shapes = [
    `/INFO bench|user-${i}\\b/`,
    `/bench \\w+=\\d+ t=\\d+ (?:lorem|req-${i})/`,
    `/^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z (?:INFO|DEBUG-${i})/`,
    `/(?:error|warn|info) bench|span-${i}/i`,
    `/(?:dolor|x${i}) sit amet/`,
    `/consectetur adipiscing|host-${i}\\b/`,
    `/\\bamet\\b.*\\badipiscing\\b|pid=${i}\\b/`,
    `/t=\\d{6,} lorem ipsum|tenant=${i}$/`,
  ];
  return shapes[i % shapes.length] as string;
}

/**
 * The runs a scenario stands for: one, or for `steady` four (1,000 and 10,000 lines/s, a write(2) per
 * millisecond or per line), each measured and judged on its own.
 */
export function presets(name: ScenarioName, quick: boolean): Scenario[] {
  if (name !== "steady") return [scenario(name, quick)];
  const variants: Scenario[] = [];
  for (const rate of [1000, 10_000])
    for (const writePerLine of [false, true])
      variants.push({
        ...base,
        name,
        label: `steady ${rate / 1000}k/s ${writePerLine ? "write/line" : "write/ms"}`,
        kind: "stream",
        tcpClients: 1,
        sseClients: 1,
        rate,
        // a fixed number of seconds: the CPU figure is a share of a core over the writer's run
        lines: rate * (quick ? 2 : 8),
        writePerLine,
        // the server's code warm (JIT) before the measured seconds, as in a long-running service: a
        // steady stream's per-read code is called a few hundred times a second, and V8 had not optimised
        // it after 2 s (node, 1,000 lines/s: 16% of a core measured after 2 s, 11-12% after 30 s)
        warmupSeconds: quick ? 1 : 20,
        target:
          rate === 1000
            ? "cpu <= 5% of a core, p50 < 5 ms, p99 < 25 ms"
            : "cpu <= 10% (node, bun) / 15% (deno), p50 < 5 ms, p99 < 25 ms",
      });
  return variants;
}

export function scenario(name: ScenarioName, quick: boolean): Scenario {
  switch (name) {
    case "steady":
      return presets(name, quick)[0] as Scenario;
    case "burst":
      return {
        ...base,
        name,
        label: name,
        kind: "stream",
        tcpClients: 1,
        lines: quick ? 20_000 : 200_000,
        target: ">= 70% of floor lines/s, zero loss",
      };
    case "latency":
      return {
        ...base,
        name,
        label: name,
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
        label: name,
        kind: "stream",
        sseClients: quick ? 100 : 1000,
        tcpClients: quick ? 10 : 100,
        clientProcesses: quick ? 2 : 4,
        rate: 2000,
        lines: quick ? 4000 : 20_000,
        warmupSeconds: 3,
        target: "zero drops, p99 < 150 ms",
      };
    case "regex":
      return {
        ...base,
        name,
        label: name,
        kind: "stream",
        sseClients: 100,
        clientProcesses: 2,
        rate: 2000,
        lines: quick ? 4000 : 20_000,
        warmupSeconds: 3,
        regexFilters: true,
        floor: false,
        target: "zero loss and drops, p99 < 150 ms",
      };
    case "rotate":
      return {
        ...base,
        name,
        label: name,
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
        label: name,
        kind: "idle",
        files: quick ? 50 : 500,
        seconds: quick ? 5 : 30,
        target: "< 1% of a core",
      };
    case "nats":
      return {
        ...base,
        name,
        label: name,
        kind: "nats",
        lines: quick ? 20_000 : 200_000,
        floor: false,
        target: ">= 200,000 lines/s published and acked (node), zero loss",
      };
    case "memory":
      return {
        ...base,
        name,
        label: name,
        kind: "memory",
        sseClients: quick ? 100 : 1000,
        clientProcesses: quick ? 1 : 4,
        target: "< 40 KB per idle SSE client, or <= 1.2x the runtime's bare SSE server",
      };
  }
}

/** A warm-up line (no `seq=`, so uncounted) that passes every regexFilter. */
export function regexWarmupLine(n: number): string {
  return `2025-01-01T00:00:00.000Z INFO bench warmup=${n} t=100000 lorem ipsum dolor sit amet consectetur adipiscing elit`;
}
