// Per followed path, where its files have been published up to: the positions a restart resumes from.
// Whoever owns "published" advances them: LocalFiles once the lines before a position reached the hub; a
// publisher to NATS would advance them from its acks instead, through the same PublishedPositions.

import type { FilePosition } from "../tail/tailer.ts";

/** What the owner of "published" tells the checkpoints. */
export interface PublishedPositions {
  /** Every line of this file before `position.offset` was published. */
  advance(path: string, position: FilePosition): void;
  /** A rotated-away file of the path was read to its end and let go. */
  release(path: string, file: { dev: number; ino: number }): void;
  /** The path is followed no more. */
  forget(path: string): void;
}

export class CheckpointStore implements PublishedPositions {
  /** Per path, its files oldest first: rotated-away ones still read, then the one at the path. */
  private readonly files = new Map<string, FilePosition[]>();
  /** Counts changes, so a saver knows whether anything moved since its last save. */
  private changes = 0;

  constructor(initial?: ReadonlyMap<string, readonly FilePosition[]>) {
    for (const [path, positions] of initial ?? []) this.files.set(path, [...positions]);
  }

  get version(): number {
    return this.changes;
  }

  advance(path: string, position: FilePosition): void {
    const positions = this.files.get(path);
    this.changes++;
    if (positions === undefined) {
      this.files.set(path, [position]);
      return;
    }
    const i = positions.findIndex((p) => p.dev === position.dev && p.ino === position.ino);
    if (i === -1) positions.push(position);
    else positions[i] = position;
  }

  release(path: string, file: { dev: number; ino: number }): void {
    const positions = this.files.get(path);
    if (positions === undefined) return;
    const kept = positions.filter((p) => p.dev !== file.dev || p.ino !== file.ino);
    if (kept.length === positions.length) return;
    this.changes++;
    if (kept.length === 0) this.files.delete(path);
    else this.files.set(path, kept);
  }

  forget(path: string): void {
    if (this.files.delete(path)) this.changes++;
  }

  /** A copy as of now (positions are immutable values: the arrays are what is copied). */
  snapshot(): Map<string, FilePosition[]> {
    return new Map([...this.files].map(([path, positions]) => [path, [...positions]]));
  }
}
