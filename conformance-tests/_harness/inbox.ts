// What a client has received so far, with cursor-based waiting that fails by showing what did arrive.
import { DEFAULT_TIMEOUT_MS, observeFor, waitUntil } from "./wait.ts";

export type Predicate<T> = (item: T) => boolean;

export class Inbox<T> {
  readonly items: T[] = [];
  #cursor = 0;
  #endReason: string | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly label: string,
    private readonly describeItem: (item: T) => string,
  ) {}

  get ended(): boolean {
    return this.#endReason !== undefined;
  }

  push(item: T): void {
    this.items.push(item);
    this.#notify();
  }

  end(reason: string): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.#notify();
  }

  /** Resolves with the next item after the cursor that matches, and moves the cursor past it. */
  next(predicate: Predicate<T> = () => true, ms = DEFAULT_TIMEOUT_MS, what = "the next item"): Promise<T> {
    let scanned = this.#cursor;
    return this.until(
      () => {
        for (; scanned < this.items.length; scanned += 1) {
          const item = this.items[scanned] as T;
          if (predicate(item)) {
            this.#cursor = scanned + 1;
            return item;
          }
        }
        return undefined;
      },
      ms,
      what,
    );
  }

  /** Resolves with the first item ever received that matches; does not move the cursor. */
  waitFor(predicate: Predicate<T>, ms = DEFAULT_TIMEOUT_MS, what = "a matching item"): Promise<T> {
    let scanned = 0;
    return this.until(
      () => {
        for (; scanned < this.items.length; scanned += 1) {
          const item = this.items[scanned] as T;
          if (predicate(item)) return item;
        }
        return undefined;
      },
      ms,
      what,
    );
  }

  /** Resolves once the other side closed the stream. */
  waitForEnd(ms = DEFAULT_TIMEOUT_MS): Promise<string> {
    return waitUntil(() => this.#endReason, {
      ms,
      describe: () => this.#describeFailure(`the stream to end`, ms),
      subscribe: (wake) => this.#subscribe(wake),
    });
  }

  /** Observes for `ms` and fails if any item matching arrives (or already had arrived). */
  async expectNone(predicate: Predicate<T>, ms: number, what = "a matching item"): Promise<void> {
    await observeFor(ms);
    const found = this.items.find(predicate);
    if (found !== undefined) {
      throw new Error(
        `${this.label}: expected no ${what}, but received ${this.describeItem(found)}\n${this.dump()}`,
      );
    }
  }

  dump(limit = 30): string {
    const shown = this.items.slice(-limit).map((item) => `  ${truncate(this.describeItem(item), 300)}`);
    const skipped = this.items.length - shown.length;
    return [
      `${this.label} received ${this.items.length} item(s)${this.#endReason ? `, then ended (${this.#endReason})` : ""}:`,
      ...(skipped > 0 ? [`  … ${skipped} earlier item(s)`] : []),
      ...shown,
    ].join("\n");
  }

  /** Re-evaluates `check` on every arrival (and periodically) until it yields a value or the deadline passes. */
  until<R>(check: () => R | undefined, ms: number, what: string): Promise<R> {
    return waitUntil(
      () => {
        const result = check();
        if (result !== undefined) return result;
        if (this.#endReason !== undefined) {
          throw new Error(`${this.label}: stream ended while waiting for ${what}\n${this.dump()}`);
        }
        return undefined;
      },
      { ms, describe: () => this.#describeFailure(what, ms), subscribe: (wake) => this.#subscribe(wake) },
    );
  }

  #describeFailure(what: string, ms: number): string {
    return `${this.label}: timed out after ${ms} ms waiting for ${what}\n${this.dump()}`;
  }

  #subscribe(wake: () => void): () => void {
    this.#listeners.add(wake);
    return () => this.#listeners.delete(wake);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
