// Latencies in microseconds, as a log-linear histogram (about 1% precision): clients record millions of
// samples without keeping them, and the orchestrator merges the histograms of several client processes.

/** Buckets per power of two. */
const SUB_BUCKETS = 64;

export type SparseHistogram = Array<[index: number, count: number]>;

export class Histogram {
  private readonly counts: number[] = [];
  count = 0;
  max = 0;

  record(micros: number): void {
    const value = Math.max(micros, 0);
    const index = Math.floor(Math.log2(value + 1) * SUB_BUCKETS);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count++;
    if (value > this.max) this.max = value;
  }

  /** The value at quantile q (0..1), in microseconds: the middle of its bucket. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(2 ** ((i + 0.5) / SUB_BUCKETS) - 1, this.max);
    }
    return this.max;
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    this.counts.forEach((count, index) => {
      if (count) out.push([index, count]);
    });
    return out;
  }

  merge(sparse: SparseHistogram, max: number): void {
    for (const [index, count] of sparse) {
      this.counts[index] = (this.counts[index] ?? 0) + count;
      this.count += count;
    }
    if (max > this.max) this.max = max;
  }
}

/** Monotonic microseconds shared by every process on the machine (CLOCK_MONOTONIC). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
