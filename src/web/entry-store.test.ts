import assert from "node:assert/strict";
import { test } from "node:test";
import type { Level } from "../core/wire/contract.ts";
import { EntryStore } from "./entry-store.ts";
import { compileFilter, type Filter, type FilterSpec } from "./filter.ts";
import { entryRow, type Row } from "./log-entry.ts";

function filter(spec: Partial<FilterSpec> = {}): Filter {
  const compiled = compileFilter({ level: "", q: "", ...spec });
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.filter;
}

function rows(count: number, start = 0, level: (index: number) => Level = () => "info"): Row[] {
  return Array.from({ length: count }, (_, offset) =>
    entryRow(
      { time: "", source: "a.log", level: level(start + offset), message: `line ${start + offset}` },
      undefined,
    ),
  );
}

function messages(store: EntryStore): string[] {
  const out: string[] = [];
  for (let index = 0; index < store.viewLength; index++) {
    const row = store.viewAt(index);
    if (row?.kind === "entry") out.push(row.entry.message);
  }
  return out;
}

test("holds rows in arrival order and shows those the filter passes", () => {
  const store = new EntryStore(10, filter({ level: "warn" }));
  const result = store.append(rows(6, 0, (index) => (index % 2 === 0 ? "warn" : "info")));
  assert.deepEqual(result, { shown: 3, unshown: 0 });
  assert.equal(store.size, 6);
  assert.deepEqual(messages(store), ["line 0", "line 2", "line 4"]);
});

test("beyond capacity the oldest rows go, are counted, and leave the view from its top", () => {
  const store = new EntryStore(5, filter());
  store.append(rows(4));
  const result = store.append(rows(3, 4));
  assert.deepEqual(result, { shown: 3, unshown: 2 });
  assert.equal(store.size, 5);
  assert.equal(store.evicted, 2);
  assert.deepEqual(messages(store), ["line 2", "line 3", "line 4", "line 5", "line 6"]);
});

test("a batch larger than the capacity keeps its newest rows; only earlier rows count as unshown", () => {
  const store = new EntryStore(3, filter());
  store.append(rows(2));
  const result = store.append(rows(5, 2));
  assert.deepEqual(result, { shown: 3, unshown: 2 });
  assert.deepEqual(messages(store), ["line 4", "line 5", "line 6"]);
  assert.equal(store.evicted, 4);
});

test("an evicted row the filter hid does not move the view", () => {
  const store = new EntryStore(3, filter({ level: "error" }));
  store.append(rows(3, 0, (index) => (index === 2 ? "error" : "info")));
  const result = store.append(rows(1, 3, () => "error"));
  assert.deepEqual(result, { shown: 1, unshown: 0 });
  assert.deepEqual(messages(store), ["line 2", "line 3"]);
});

test("a new filter is applied to everything held; indexOf finds a row in the view", () => {
  const store = new EntryStore(100, filter());
  const held = rows(10, 0, (index) => (index >= 7 ? "error" : "info"));
  store.append(held);
  store.setFilter(filter({ level: "error" }));
  assert.deepEqual(messages(store), ["line 7", "line 8", "line 9"]);
  assert.equal(store.viewIndexOf(held[8] as Row), 1);
  assert.equal(store.viewIndexOf(held[1] as Row), -1);
  store.setFilter(filter());
  assert.equal(store.viewLength, 10);
});

test("100,000 rows and more: the dead front is cut off now and then, not per row", () => {
  const store = new EntryStore(100_000, filter());
  for (let batch = 0; batch < 25; batch++) store.append(rows(10_000, batch * 10_000));
  assert.equal(store.size, 100_000);
  assert.equal(store.evicted, 150_000);
  const first = store.viewAt(0);
  const last = store.viewAt(store.viewLength - 1);
  assert.equal(first?.kind === "entry" && first.entry.message, "line 150000");
  assert.equal(last?.kind === "entry" && last.entry.message, "line 249999");
  assert.equal(store.viewAt(100_000), undefined);
});

test("clear empties the rows and the view", () => {
  const store = new EntryStore(10, filter());
  store.append(rows(4));
  store.clear();
  assert.equal(store.size, 0);
  assert.equal(store.viewLength, 0);
});
