// The writer process: appends `lines` log lines to `path` at `rate` lines/s (0: as fast as it can), each
// carrying its sequence number and the monotonic time it was written, and renames the file away every
// `rotateEvery` lines (logrotate's `create` mode). Paced, it wakes every millisecond and writes the lines
// due. Prints one JSON line with what it did.
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { monotonicMicros } from "./histogram.ts";

export interface WriterSpec {
  readonly path: string;
  readonly lines: number;
  readonly rate: number;
  readonly rotateEvery: number;
  readonly lineBytes: number;
  /** One write(2) per line, as an application that logs line by line does; else one per batch. */
  readonly writePerLine?: boolean;
}

export interface WriterReport {
  readonly written: number;
  readonly rotations: number;
  readonly startUs: number;
  readonly endUs: number;
}

/** Most lines in one write(2): a burst goes out in 100-odd KiB appends, a paced run in small ones. */
const MAX_LINES_PER_WRITE = 1000;
const PADDING = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(8);

const spec = JSON.parse(process.argv[2] ?? "{}") as WriterSpec;

function line(seq: number, nowUs: number): string {
  const head = `2025-01-01T00:00:00.000Z INFO bench seq=${seq} t=${nowUs} `;
  return `${head}${PADDING.slice(0, Math.max(0, spec.lineBytes - head.length - 1))}\n`;
}

async function main(): Promise<void> {
  let fd = openSync(spec.path, "a");
  let written = 0;
  let rotations = 0;
  let sinceRotation = 0;
  const startUs = monotonicMicros();
  while (written < spec.lines) {
    const nowUs = monotonicMicros();
    const due = spec.rate > 0 ? Math.floor(((nowUs - startUs) * spec.rate) / 1e6) + 1 : spec.lines;
    let count = Math.min(due, spec.lines) - written;
    if (count <= 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    count = Math.min(count, MAX_LINES_PER_WRITE);
    if (spec.rotateEvery > 0) count = Math.min(count, spec.rotateEvery - sinceRotation);
    if (spec.writePerLine) for (let i = 0; i < count; i++) writeSync(fd, line(written + i, nowUs));
    else {
      let text = "";
      for (let i = 0; i < count; i++) text += line(written + i, nowUs);
      writeSync(fd, text);
    }
    written += count;
    sinceRotation += count;
    if (spec.rotateEvery > 0 && sinceRotation >= spec.rotateEvery && written < spec.lines) {
      renameSync(spec.path, `${spec.path}.1`);
      closeSync(fd);
      fd = openSync(spec.path, "a");
      rotations++;
      sinceRotation = 0;
    }
  }
  closeSync(fd);
  const report: WriterReport = { written, rotations, startUs, endUs: monotonicMicros() };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

void main();
