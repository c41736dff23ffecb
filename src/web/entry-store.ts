// What the page holds: the newest `capacity` rows in arrival order, and the ones the filter lets through.
// Both are arrays read from a moving head, so dropping the oldest row costs nothing per row (the dead
// front is cut off now and then, not shifted per row).

import type { Filter } from "./filter.ts";
import type { Row } from "./log-entry.ts";

export interface AppendResult {
  /** Rows that joined the filtered view. */
  readonly shown: number;
  /** Rows that left the front of the filtered view because the oldest were dropped. */
  readonly unshown: number;
}

/** A head-indexed array: push at the back, drop at the front, index from the front. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  at(index: number): T | undefined {
    return index < 0 ? undefined : this.items[this.head + index];
  }
  first(): T | undefined {
    return this.items[this.head];
  }
  push(item: T): void {
    this.items.push(item);
  }
  dropFirst(): void {
    this.head++;
    // cut the dead front once it is as long as the live part: each row is copied at most a few times
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  replace(items: T[]): void {
    this.items = items;
    this.head = 0;
  }
  indexOf(item: T): number {
    const at = this.items.lastIndexOf(item);
    return at < this.head ? -1 : at - this.head;
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let index = this.head; index < this.items.length; index++) yield this.items[index] as T;
  }
}

export class EntryStore {
  private readonly rows = new Queue<Row>();
  private readonly view = new Queue<Row>();
  /** Rows dropped, oldest first, to stay within capacity. */
  evicted = 0;

  constructor(
    readonly capacity: number,
    private filter: Filter,
  ) {}

  /** Rows held (shown or not). */
  get size(): number {
    return this.rows.length;
  }

  /** Rows that pass the filter. */
  get viewLength(): number {
    return this.view.length;
  }

  viewAt(index: number): Row | undefined {
    return this.view.at(index);
  }

  viewIndexOf(row: Row): number {
    return this.view.indexOf(row);
  }

  append(rows: readonly Row[]): AppendResult {
    const before = this.view.length;
    let removed = 0;
    for (const row of rows) {
      this.rows.push(row);
      if (this.filter.matches(row)) this.view.push(row);
      if (this.rows.length > this.capacity) {
        const oldest = this.rows.first();
        this.rows.dropFirst();
        this.evicted++;
        if (oldest !== undefined && this.view.first() === oldest) {
          this.view.dropFirst();
          removed++;
        }
      }
    }
    // a batch longer than the capacity drops some of its own rows too: only earlier ones were "unshown"
    const unshown = Math.min(removed, before);
    return { shown: this.view.length - (before - unshown), unshown };
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    const view: Row[] = [];
    for (const row of this.rows) if (filter.matches(row)) view.push(row);
    this.view.replace(view);
  }

  clear(): void {
    this.rows.replace([]);
    this.view.replace([]);
  }
}
