// Model-based test of the Tailer (issue 3; Vector's model_tests/ make the same trade). fast-check draws a
// random sequence of what writers and logrotate do to one path — appends, partial lines, rename rotation
// with writes to the old file, copytruncate, truncation, delete, recreate, atomic replace — with polls and
// clock jumps in between. The operations run on real files (Node adapter) against the real Tailer, driven
// with a fake clock, and against a model that knows only what the rules say must come out:
// - a complete line that was in a file when a poll looked at that file arrives once, in file order;
// - a line written to a rotated-away file before its grace window ended arrives too;
// - a held partial line arrives when completed, or marked partial when its grace window ends, or is
//   dropped when its file is truncated;
// - a line no poll could see (truncated away or stranded in a deleted file between two polls) may be
//   missing — tracked per line, with the reason — and nothing arrives that no file contained.
import assert from "node:assert/strict";
import {
  closeSync,
  copyFileSync,
  futimesSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { nodeFileSystem } from "../../adapters/_shared/node-fs.ts";
import type { LineFlags } from "./lines.ts";
import { Tailer } from "./tailer.ts";

const SEED = 20_260_311;
const NUM_RUNS = 250;
const ROTATE_WAIT_MS = 100;
const POLL_STEP_MS = 10;
const MAX_LINE_BYTES = 64;

// ─── operations ──────────────────────────────────────────────────────────────────────────────────────────

type Op =
  | { kind: "write"; lines: number; partial: boolean; fragmentBytes: number }
  | { kind: "poll" }
  | { kind: "wait" }
  | { kind: "rename"; keepWriting: boolean; create: boolean }
  | { kind: "copytruncate" }
  | { kind: "truncate" }
  | { kind: "delete" }
  | { kind: "reopen" }
  | { kind: "replace"; lines: number };

function describeOp(op: Op): string {
  switch (op.kind) {
    case "write":
      return `write ${op.lines} line(s)${op.partial ? " + a partial line" : ""} of ${op.fragmentBytes} bytes`;
    case "poll":
      return `poll (clock +${POLL_STEP_MS} ms)`;
    case "wait":
      return `clock +${ROTATE_WAIT_MS} ms (rotate_wait_ms)`;
    case "rename":
      return `rename app.log → app.log.N${op.create ? ", create a new app.log" : ""}${op.keepWriting ? ", writer keeps the old fd" : ", writer reopens app.log"}`;
    case "copytruncate":
      return "copytruncate (copy app.log, truncate it to 0)";
    case "truncate":
      return "truncate app.log to 0";
    case "delete":
      return "delete app.log (writer keeps its fd)";
    case "reopen":
      return "writer reopens app.log (recreating it if missing)";
    case "replace":
      return `atomic replace: write ${op.lines} line(s) to app.log.tmp, rename it over app.log`;
  }
}

/** An op that prints as a readable step in fast-check's counterexample. */
const readable = (op: Op): Op => Object.assign(op, { [fc.toStringMethod]: () => describeOp(op) });

const opArbitrary: fc.Arbitrary<Op> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("write" as const),
        lines: fc.integer({ min: 0, max: 3 }),
        partial: fc.boolean(),
        fragmentBytes: fc.constantFrom(8, 40, 100),
      }),
    },
    { weight: 5, arbitrary: fc.constant({ kind: "poll" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "wait" as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("rename" as const),
        keepWriting: fc.boolean(),
        create: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "copytruncate" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "truncate" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("replace" as const), lines: fc.integer({ min: 1, max: 2 }) }),
    },
  )
  .map((op) => readable(op.kind === "write" && op.lines === 0 ? { ...op, partial: true } : op));

interface Setup {
  /** app.log exists when the tailer starts, with this content (complete lines, maybe a partial one). */
  readonly initial: { lines: number; partial: boolean } | null;
  /** Read budget per poll: a small one makes every file take several polls (the monitor loops on "more"). */
  readonly maxBytesPerPoll: number;
  readonly bufferBytes: number;
}

const setupArbitrary: fc.Arbitrary<Setup> = fc.record({
  initial: fc.option(fc.record({ lines: fc.integer({ min: 0, max: 2 }), partial: fc.boolean() })),
  maxBytesPerPoll: fc.constantFrom(48, 1 << 20),
  bufferBytes: fc.constantFrom(16, 64),
});

// ─── the model ───────────────────────────────────────────────────────────────────────────────────────────

type LineState = "pending" | "before-start" | "must" | "may" | "cut" | "dropped";

interface ModelLine {
  readonly file: ModelFile;
  /** Creation order across the run: lines of one file must arrive in this order. */
  readonly seq: number;
  text: string;
  complete: boolean;
  state: LineState;
  /** Why a line may be missing; shown when a check fails. */
  lostBecause?: string;
}

interface ModelFile {
  readonly id: number;
  /** The file's lines as they are on disk now; only the last one may be unfinished. */
  lines: ModelLine[];
  /** The tailer has read bytes of this file since it last (re)started it at 0. */
  consumed: boolean;
  /** Truncated after the tailer had read some of it, and the tailer has not looked since. */
  truncatedUnderTailer: boolean;
}

/** What the stream may carry for a line: its text, its head when cut, or its partial text. */
const keyOf = (kind: "L" | "T" | "P", text: string): string =>
  `${kind}|${kind === "T" ? text.slice(0, MAX_LINE_BYTES) : text}`;

class Model {
  private nextFileId = 0;
  private nextSeq = 0;
  atPath: ModelFile | undefined;
  writer: ModelFile | undefined;
  private current: ModelFile | undefined;
  private retired: Array<{ file: ModelFile; until: number }> = [];
  readonly must = new Map<string, ModelLine>();
  readonly may = new Map<string, ModelLine>();
  rotations = 0;
  truncations = 0;

  newFile(): ModelFile {
    return { id: this.nextFileId++, lines: [], consumed: false, truncatedUnderTailer: false };
  }

  write(file: ModelFile, text: string): void {
    const parts = text.split("\n");
    for (const [i, part] of parts.entries()) {
      const last = file.lines.at(-1);
      const ends = i < parts.length - 1;
      if (last && !last.complete) last.text += part;
      else if (part !== "")
        file.lines.push({ file, seq: this.nextSeq++, text: part, complete: false, state: "pending" });
      if (ends) (file.lines.at(-1) as ModelLine).complete = true;
    }
    // a file nobody can reach any more: no poll will ever see these lines
    if (!this.reachable(file)) this.strand(file, "written to a file the tailer no longer holds");
  }

  truncate(file: ModelFile): void {
    for (const line of file.lines) {
      if (line.state !== "pending") continue;
      if (line.complete) this.mayBeLost(line, "truncated away before any poll");
      else line.state = "dropped";
    }
    file.lines = [];
    file.truncatedUnderTailer ||= file.consumed;
    file.consumed = false;
  }

  /** The path now names another file (or none): strand the old one's unseen lines if nobody holds it. */
  unlinkPath(): void {
    const old = this.atPath;
    this.atPath = undefined;
    if (old && !this.reachable(old)) this.strand(old, "its file left the path before any poll");
  }

  poll(now: number, first: boolean): void {
    const atPath = this.atPath;
    const current = this.current;
    if (current && current !== atPath) {
      this.noticeTruncation(current);
      this.read(current);
      this.retired.push({ file: current, until: now + ROTATE_WAIT_MS });
      this.current = undefined;
      this.rotations++;
    }
    for (const { file } of this.retired) this.read(file);
    for (const { file, until } of this.retired) if (until <= now) this.finish(file);
    this.retired = this.retired.filter(({ until }) => until > now);
    if (this.current) {
      this.noticeTruncation(this.current);
      this.read(this.current);
    } else if (atPath) {
      this.current = atPath;
      atPath.truncatedUnderTailer = false;
      // present at start: followed from after its last newline
      if (first) for (const line of atPath.lines) if (line.complete) line.state = "before-start";
      this.read(atPath);
    }
  }

  /** Lines nothing can deliver any more; they may legitimately be missing. */
  strandUnreachable(): void {
    for (const file of new Set([this.writer, this.atPath, this.current]))
      if (file && !this.reachable(file)) this.strand(file, "stranded");
  }

  describeLost(): string[] {
    return [...this.may.entries()].map(([key, line]) => `${key} (file ${line.file.id}: ${line.lostBecause})`);
  }

  private reachable(file: ModelFile): boolean {
    return file === this.atPath || file === this.current || this.retired.some((r) => r.file === file);
  }

  private noticeTruncation(file: ModelFile): void {
    if (!file.truncatedUnderTailer) return;
    file.truncatedUnderTailer = false;
    this.truncations++;
  }

  /** A poll reads the file to its end: every complete line is due, and an over-long unfinished one is cut. */
  private read(file: ModelFile): void {
    for (const line of file.lines) {
      if (line.state !== "pending") continue;
      if (line.complete) this.due(line, line.text.length > MAX_LINE_BYTES ? "T" : "L");
      else if (line.text.length > MAX_LINE_BYTES) {
        this.due(line, "T");
        line.state = "cut";
      }
    }
    if (file.lines.length > 0) file.consumed = true;
  }

  /** The grace window ended: read to the end, emit the unfinished line marked partial, let go. */
  private finish(file: ModelFile): void {
    this.read(file);
    const last = file.lines.at(-1);
    if (last && !last.complete && last.state === "pending") this.due(last, "P");
    this.strand(file, "written after the grace window ended");
  }

  private strand(file: ModelFile, reason: string): void {
    for (const line of file.lines)
      if (line.state === "pending" && line.complete) this.mayBeLost(line, reason);
  }

  private due(line: ModelLine, kind: "L" | "T" | "P"): void {
    this.must.set(keyOf(kind, line.text), line);
    line.state = "must";
  }

  private mayBeLost(line: ModelLine, reason: string): void {
    const kind = line.text.length > MAX_LINE_BYTES ? "T" : "L";
    this.may.set(keyOf(kind, line.text), line);
    line.state = "may";
    line.lostBecause = reason;
  }
}

// ─── one run: real files and the real tailer, step by step against the model ────────────────────────────

class Run {
  readonly dir = mkdtempSync(join(tmpdir(), "logwisp-model-"));
  readonly path = join(this.dir, "app.log");
  readonly model = new Model();
  readonly arrived: string[] = [];
  readonly tailer: Tailer;
  private writerFd: number | undefined;
  private clock = 0;
  private nextToken = 0;
  private nextName = 0;
  /** Every change gets its own mtime: see the comment in bumpMtime. */
  private mtimeSeconds = 1_000_000;
  private firstPoll = true;

  constructor(setup: Setup) {
    this.tailer = new Tailer(
      this.path,
      "app.log",
      nodeFileSystem,
      {
        rotateWaitMs: ROTATE_WAIT_MS,
        maxLineBytes: MAX_LINE_BYTES,
        maxBytesPerPoll: setup.maxBytesPerPoll,
        buffer: new Uint8Array(setup.bufferBytes),
        yieldToEventLoop: () => Promise.resolve(),
      },
      { line: (_t, text, flags) => this.arrived.push(arrivalKey(text, flags)), notice: () => {} },
    );
    if (setup.initial) {
      const { lines, partial } = setup.initial;
      this.writeToPath(this.text(lines, partial, 8));
    }
  }

  async apply(op: Op): Promise<void> {
    const { model, path } = this;
    switch (op.kind) {
      case "write": {
        if (this.writerFd === undefined) this.reopenWriter();
        const fd = this.writerFd as number;
        const text = this.text(op.lines, op.partial, op.fragmentBytes);
        writeSync(fd, text);
        this.bumpMtime(fd);
        model.write(model.writer as ModelFile, text);
        return;
      }
      case "poll":
        this.clock += POLL_STEP_MS;
        return this.poll();
      case "wait":
        this.clock += ROTATE_WAIT_MS;
        return;
      case "rename":
        if (!model.atPath) return;
        renameSync(path, `${path}.${++this.nextName}`);
        model.unlinkPath();
        if (op.create) this.writeToPath("");
        if (!op.keepWriting) this.reopenWriter();
        return;
      case "copytruncate":
      case "truncate":
        if (!model.atPath) return;
        if (op.kind === "copytruncate") copyFileSync(path, `${path}.copy${++this.nextName}`);
        truncateSync(path, 0);
        this.bumpMtime(path);
        model.truncate(model.atPath);
        return;
      case "delete":
        if (!model.atPath) return;
        unlinkSync(path);
        model.unlinkPath();
        return;
      case "reopen":
        this.reopenWriter();
        return;
      case "replace": {
        const text = this.text(op.lines, false, 8);
        writeFileSync(`${path}.tmp`, text);
        this.bumpMtime(`${path}.tmp`);
        renameSync(`${path}.tmp`, path);
        model.unlinkPath();
        model.atPath = model.newFile();
        model.write(model.atPath, text);
        return;
      }
    }
  }

  /** The monitor's loop: poll, and poll again at once while a file has more to read than one budget. */
  async poll(): Promise<void> {
    const first = this.firstPoll;
    this.firstPoll = false;
    for (let round = 0; ; round++) {
      const stat = await nodeFileSystem.stat(this.path);
      if ((await this.tailer.poll(stat, first && round === 0, this.clock)) === "eof") break;
      assert.ok(round < 10_000, "the tailer keeps answering 'more'");
    }
    this.model.poll(this.clock, first);
  }

  async close(): Promise<void> {
    await this.tailer.close();
    if (this.writerFd !== undefined) closeSync(this.writerFd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `lines` complete lines, then maybe an unfinished one; every fragment starts with a unique token. */
  private text(lines: number, partial: boolean, fragmentBytes: number): string {
    const fragment = () => {
      const token = `t${this.nextToken++}`;
      return `${token}${"-".repeat(Math.max(1, fragmentBytes - token.length))}`;
    };
    let text = "";
    for (let i = 0; i < lines; i++) text += `${fragment()}\n`;
    return partial ? text + fragment() : text;
  }

  /** Creates app.log with this content (O_TRUNC if it exists: only used when it does not). */
  private writeToPath(text: string): void {
    writeFileSync(this.path, text);
    this.bumpMtime(this.path);
    this.model.atPath = this.model.newFile();
    this.model.write(this.model.atPath, text);
  }

  /** The application reopens its log (O_APPEND | O_CREAT), as after a SIGHUP from logrotate. */
  private reopenWriter(): void {
    if (this.writerFd !== undefined) closeSync(this.writerFd);
    this.writerFd = openSync(this.path, "a");
    this.model.atPath ??= this.model.newFile();
    this.model.writer = this.model.atPath;
  }

  /**
   * The kernel stamps mtime from a coarse clock (one tick, ~4 ms), so a truncate-and-regrow to the same
   * size inside one tick is invisible to stat: the documented limit of "re-check the prefix when size or
   * mtime changed". Each change here gets its own mtime so the model tests the tailer, not the clock.
   */
  private bumpMtime(target: string | number): void {
    const t = ++this.mtimeSeconds;
    if (typeof target === "number") futimesSync(target, t, t);
    else utimesSync(target, t, t);
  }
}

function arrivalKey(text: string, flags: LineFlags | undefined): string {
  return `${flags?.truncated ? "T" : flags?.partial ? "P" : "L"}|${text}`;
}

/** After each poll: every due line arrived once, in its file's order; nothing arrived that was not allowed. */
function check(run: Run): string | undefined {
  const { model, arrived, tailer } = run;
  const seen = new Set<string>();
  const lastSeqOfFile = new Map<number, number>();
  for (const key of arrived) {
    if (seen.has(key)) return `arrived twice: ${key}`;
    seen.add(key);
    const line = model.must.get(key) ?? model.may.get(key);
    if (!line) return `arrived but no poll could have seen it in any file: ${key}`;
    const last = lastSeqOfFile.get(line.file.id) ?? -1;
    if (line.seq < last) return `out of file order in file ${line.file.id}: ${key}`;
    lastSeqOfFile.set(line.file.id, line.seq);
  }
  for (const [key, line] of model.must)
    if (!seen.has(key)) return `missing (file ${line.file.id} had it when a poll looked): ${key}`;
  const status = tailer.status();
  const counters = {
    rotations: status.rotations,
    truncations: status.truncations,
    lines_read: status.lines_read,
    duplicates_risked: status.duplicates_risked,
  };
  const expected = {
    rotations: model.rotations,
    truncations: model.truncations,
    lines_read: arrived.length,
    duplicates_risked: 0,
  };
  if (JSON.stringify(counters) !== JSON.stringify(expected))
    return `status ${JSON.stringify(counters)}, expected ${JSON.stringify(expected)}`;
  return undefined;
}

async function runOps(setup: Setup, ops: readonly Op[]): Promise<void> {
  const run = new Run(setup);
  // the end of every sequence: one poll, the grace window passes, and a poll that lets go of retired files
  const drain: Op[] = [{ kind: "poll" }, { kind: "wait" }, { kind: "poll" }].map((op) => readable(op as Op));
  const steps = [readable({ kind: "poll" }), ...ops, ...drain];
  try {
    for (const [index, op] of steps.entries()) {
      await run.apply(op);
      const problem = op.kind === "poll" ? check(run) : undefined;
      if (!problem) continue;
      run.model.strandUnreachable();
      const script = steps.map((step, i) => `${i === index ? "→" : " "} ${i}. ${describeOp(step)}`);
      assert.fail(
        [
          problem,
          `setup: ${JSON.stringify(setup)}`,
          "steps (step 0 is the tailer's first poll, from the end of an existing file):",
          ...script,
          `arrived: ${JSON.stringify(run.arrived)}`,
          `may be missing: ${JSON.stringify(run.model.describeLost())}`,
        ].join("\n"),
      );
    }
  } finally {
    await run.close();
  }
}

test("the tailer against a model: random appends, partial lines, rotations, truncations, deletes", async () => {
  await fc.assert(
    fc.asyncProperty(
      setupArbitrary,
      fc.array(opArbitrary, { minLength: 1, maxLength: 60, size: "max" }),
      runOps,
    ),
    { seed: SEED, numRuns: NUM_RUNS, includeErrorInReport: true },
  );
});
