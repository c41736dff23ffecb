// What parsing a line costs in-process (issue 16): parseLine + serializeEntry per line, for each kind of
// line, with `format = "auto"` and `"text"`, against the same functions of a base checkout (before the
// formats) when BASE names one. Lines are cut from freshly decoded text as the reader cuts them, and CPU
// time is measured (the lower of two alternated medians is shown). Runs on node, bun and deno:
//
//   BASE=/path/to/base/checkout node --import tsx bench/entry-formats.ts
//   BASE=/path/to/base/checkout bun bench/entry-formats.ts
//   BASE=/path/to/base/checkout deno run -A bench/entry-formats.ts

import type { LineFormat } from "../src/core/config/schema.ts";
import { type LogEntry, parseLine, serializeEntry } from "../src/core/entry/entry.ts";

type Parse = (line: string, source: string, readTimeMicros: number, format?: LineFormat) => LogEntry;
type Serialize = (entry: LogEntry) => string;

const LINES_PER_KIND = 1000;
const ROUNDS = 40;
const REPEATS = 7;

const PADDING = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(8);

/** One kind of line each, 1,000 of them, varied as real ones are (numbers, paths, levels). */
const KINDS: Record<string, (i: number) => string> = {
  // the burst bench's own line (bench/writer.ts, 120 bytes): a plain line with a leading timestamp
  "burst (text + ts)": (i) => {
    const head = `2025-01-01T00:00:00.000Z INFO bench seq=${i} t=${1_000_000 + i * 7} `;
    return head + PADDING.slice(0, Math.max(0, 119 - head.length));
  },
  "text, no ts": (i) =>
    `${["INFO ", "WARN ", "DEBUG"][i % 3]} worker-${i % 4} picked job ${7000 + i} (resize-image)`,
  json: (i) =>
    `{"time":"2025-12-06T17:30:${String(i % 60).padStart(2, "0")}.123Z","level":"${["info", "warn", "error"][i % 3]}","msg":"request done","method":"GET","path":"/api/orders/${i}","status":200,"duration_ms":${i % 97}}`,
  logfmt: (i) =>
    `time=2025-12-06T17:30:${String(i % 60).padStart(2, "0")}.123Z level=${["info", "warn", "error"][i % 3]} msg="request done" method=GET path=/api/orders/${i} status=200 duration_ms=${i % 97}`,
  access: (i) =>
    `10.0.${i % 256}.${i % 7} - - [06/Dec/2025:17:30:${String(i % 60).padStart(2, "0")} +0000] "GET /api/orders/${i} HTTP/1.1" ${[200, 404, 503][i % 3]} ${i * 13} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
  klog: (i) =>
    `${"IWE"[i % 3]}1206 17:30:${String(i % 60).padStart(2, "0")}.123456    ${1000 + i} server.go:${i % 400}] request done path=/api/orders/${i}`,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** CPU time in ms where the runtime tells it (node, bun, deno's process), else wall time: the machine is shared. */
function clockMs(): number {
  const cpu = (
    globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }
  ).process?.cpuUsage?.();
  return cpu === undefined ? performance.now() : (cpu.user + cpu.system) / 1000;
}

/**
 * ns per line, the median of REPEATS timings of ROUNDS passes. Each pass decodes the lines from bytes and
 * cuts them out of the text, as the reader does (tail/lines.ts), so every line is a fresh slice; that cost is
 * measured alone (`parse` undefined) and taken off.
 */
function nsPerLine(bytes: Uint8Array, parse?: Parse, serialize?: Serialize, format?: LineFormat): number {
  let sink = 0;
  const time = (): number => {
    const start = clockMs();
    let lines = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const text = decoder.decode(bytes);
      // one read time per 256 lines, as LocalFiles' batches have
      const readMicros = 1_765_000_000_000_000 + round;
      for (
        let from = 0, end = text.indexOf("\n");
        end !== -1;
        from = end + 1, end = text.indexOf("\n", from)
      ) {
        const line = text.slice(from, end);
        lines++;
        if (parse === undefined || serialize === undefined) sink += line.length;
        else if (format === undefined)
          sink += serialize(parse(line, "app.log", readMicros + (lines >> 8))).length;
        else sink += serialize(parse(line, "app.log", readMicros + (lines >> 8), format)).length;
      }
    }
    return ((clockMs() - start) * 1e6) / lines;
  };
  time();
  const times = Array.from({ length: REPEATS }, time).sort((a, b) => a - b);
  // use the count so no engine can skip the work
  if (sink < 0) console.log(sink);
  return times[Math.floor(REPEATS / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const base = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.BASE;
  const before = base === undefined ? undefined : await import(`${base}/src/core/entry/entry.ts`);
  const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
  console.log(
    `${runtime}: ns per line, parseLine + serializeEntry (CPU time, median of ${REPEATS}, the reader's split taken off)`,
  );
  console.log(
    `  ${"line".padEnd(20)} ${before ? "before".padStart(8) : ""} ${"auto".padStart(8)} ${"text".padStart(8)}`,
  );
  for (const [kind, make] of Object.entries(KINDS)) {
    const bytes = encoder.encode(`${Array.from({ length: LINES_PER_KIND }, (_, i) => make(i)).join("\n")}\n`);
    // alternate before and after twice, so a drift of the machine shows rather than biases
    const figures: number[][] = [[], [], []];
    for (let pass = 0; pass < 2; pass++) {
      const split = nsPerLine(bytes);
      if (before) {
        figures[0]?.push(
          nsPerLine(bytes, before.parseLine as Parse, before.serializeEntry as Serialize) - split,
        );
      }
      figures[1]?.push(nsPerLine(bytes, parseLine, serializeEntry, "auto") - split);
      figures[2]?.push(nsPerLine(bytes, parseLine, serializeEntry, "text") - split);
    }
    const show = (values: number[] | undefined) =>
      values && values.length > 0
        ? Math.min(...values)
            .toFixed(0)
            .padStart(8)
        : "".padStart(8);
    console.log(
      `  ${kind.padEnd(20)} ${before ? show(figures[0]) : ""} ${show(figures[1])} ${show(figures[2])}`,
    );
  }
}

await main();
