// What a /regex/ filter costs in-process (issue 18): the worst patterns we could build against a 1 MiB line
// (max_line_bytes' default), each line fresh so no DFA state is reused, and the cost per test on ordinary
// lines, RegExp (before issue 18) against RE2 (re2js, now). Runs on node, bun and deno:
//
//   node --import tsx bench/regex-cost.ts      bun bench/regex-cost.ts      deno run bench/regex-cost.ts

import { mulberry32 } from "../src/_testing/seeded-random.ts";
import { compileFilter, FilterError, type StreamFilter } from "../src/core/fanout/stream-filter.ts";
import { compileLinearRegex } from "../src/core/util/linear-regex.ts";
import type { PublishedEntry } from "../src/core/wire/published-entry.ts";

const MIB = 1 << 20;
const LINES_PER_CASE = 6;

function randomText(alphabet: string, length: number, seed: number): string {
  const next = mulberry32(seed);
  const parts: string[] = [];
  for (let at = 0; at < length; at += 4096) {
    let part = "";
    for (let i = at; i < Math.min(length, at + 4096); i++)
      part += alphabet[Math.floor(next() * alphabet.length)];
    parts.push(part);
  }
  return parts.join("");
}

/** A pattern and a 1 MiB line for it; the required literal comes first, so RE2's prefilter lets it through. */
const WORST: ReadonlyArray<readonly [q: string, line: (seed: number) => string]> = [
  ["/(a|aa)+b/", () => `b${"a".repeat(MIB - 2)}c`],
  ["/(a|a)*b/", () => `b${"a".repeat(MIB - 2)}c`],
  ["/(x+x+)+y/", () => `y${"x".repeat(MIB - 2)}c`],
  ["/[a-q][^u-z]{13}x/", (seed) => randomText("abcdefghijklmnopqrstx", MIB, seed)],
  ["/[a-q][^u-z]{50}x/", (seed) => `x${randomText("abcdefghijklmnopqrst", MIB - 1, seed)}`],
  ["/[a-q][^u-z]{200}x/i", (seed) => `x${randomText("abcdefghijklmnopqrst", MIB - 1, seed)}`],
  ["/\\pL{997}x/i", (seed) => `x${randomText("abcdefgh", MIB - 1, seed)}`],
  ["/[ab]*a[ab]{990}c/i", (seed) => `c${randomText("ab", MIB - 1, seed)}`],
  ["/(?m:^|a)\\pL{990}x/i", (seed) => `x${randomText("abcdefgh", MIB - 1, seed)}`],
  ["/[\\pL\\pN\\p{Greek}]{995}x/i", (seed) => `x${randomText("abcdefgh", MIB - 1, seed)}`],
  ["/ERROR|warn/i", (seed) => randomText("abcdefghijklmnopqrstuvwxyz ", MIB, seed)],
  ["/(a{1,100}){1,100}b/", () => ""],
  ["/\\pL{0,1000}x/i", () => ""],
];

const ENTRY: PublishedEntry = { seq: 1, json: "", source: "app.log", level: -1 };

function worstCases(): void {
  console.log(`worst cases, ${LINES_PER_CASE} fresh 1 MiB lines each (ms per line: first, median, max)`);
  for (const [q, line] of WORST) {
    let filter: StreamFilter | undefined;
    try {
      filter = compileFilter({ q }, (part) => part);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      console.log(`  ${q.padEnd(30)} refused: ${error.detail.split("; expected")[0]}`);
      continue;
    }
    const [, pattern = "", flags = ""] = /^\/(.*)\/([a-z]*)$/s.exec(q) ?? [];
    const scanned = compileLinearRegex(pattern, flags).scanLimit;
    const times: number[] = [];
    for (let seed = 1; seed <= LINES_PER_CASE; seed++) {
      const message = line(seed);
      const start = performance.now();
      filter?.matches(ENTRY, { time: "", source: "app.log", message });
      times.push(performance.now() - start);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    console.log(
      `  ${q.padEnd(30)} searches ${String(scanned).padStart(7)} chars: ${ms(times[0])} ${ms(median)} ${ms(sorted.at(-1))}`,
    );
  }
}

const ms = (value: number | undefined) => `${(value ?? Number.NaN).toFixed(1).padStart(6)}`;

/** Ordinary lines, as a web service writes them (about 180 characters). */
function ordinaryLines(): string[] {
  const levels = ["INFO", "WARN", "ERROR", "DEBUG"];
  return Array.from(
    { length: 1000 },
    (_, i) =>
      `2024-05-01T12:00:${String(i % 60).padStart(2, "0")}Z ${levels[i % 4]} [req-${i}] GET /api/orders/${i * 7} user=user${i % 13} status=${[200, 404, 503][i % 3]} duration_ms=${i % 97} ua="Mozilla/5.0 (X11; Linux x86_64)"`,
  );
}

const ORDINARY: ReadonlyArray<readonly [pattern: string, flags: string]> = [
  ["ERROR|warn", "i"],
  ["timeout", "i"],
  ["req-42\\b", ""],
  ["^\\d{4}-\\d{2}-\\d{2}T", ""],
  ["status=5\\d\\d", ""],
  ["user=(alice|bob|user7)\\b", ""],
  ["[0-9a-f]{8}-[0-9a-f]{4}", ""],
  ["(?:GET|POST) /api/\\w+/\\d+", ""],
];

function nsPerTest(test: (line: string) => boolean, lines: readonly string[]): number {
  let matched = 0;
  for (let round = 0; round < 20; round++) for (const line of lines) if (test(line)) matched++;
  const rounds = 200;
  const start = performance.now();
  for (let round = 0; round < rounds; round++) for (const line of lines) if (test(line)) matched++;
  const elapsed = performance.now() - start;
  // use the count so no engine can skip the work
  if (matched < 0) console.log(matched);
  return (elapsed * 1e6) / (rounds * lines.length);
}

function ordinaryCost(): void {
  const lines = ordinaryLines();
  console.log("ordinary ~180-character lines, ns per test: RegExp (before) / RE2 (now)");
  for (const [pattern, flags] of ORDINARY) {
    const regexp = new RegExp(pattern, flags);
    const re2 = compileLinearRegex(pattern, flags);
    const before = nsPerTest((line) => regexp.test(line), lines);
    const now = nsPerTest((line) => re2.test(line), lines);
    console.log(
      `  ${`/${pattern}/${flags}`.padEnd(30)} ${before.toFixed(0).padStart(6)} / ${now.toFixed(0).padStart(6)}`,
    );
  }
}

worstCases();
ordinaryCost();
