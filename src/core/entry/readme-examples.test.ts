// The README's "Log entries" examples are what parseLine does: each ```text block (one line) followed by a
// ```json block (the entry) is checked, byte for byte once serialised, so the manual cannot drift.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseLine, serializeEntry } from "./entry.ts";

/** The read time the README's examples state. */
const READ_TIME = "2025-12-06T17:30:01.250000Z";

function examples(): { line: string; entry: { source: string } }[] {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("\n## Log entries\n");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/```(text|json)\n([\s\S]*?)\n```/g)].map(([, kind, body]) => ({
    kind,
    body,
  }));
  const pairs: { line: string; entry: { source: string } }[] = [];
  blocks.forEach((block, index) => {
    const next = blocks[index + 1];
    if (block.kind === "text" && next?.kind === "json") {
      pairs.push({ line: block.body ?? "", entry: JSON.parse(next.body ?? "") as { source: string } });
    }
  });
  return pairs;
}

const pairs = examples();

test("the README shows an example of each format", () => {
  assert.equal(pairs.length, 5, "JSON, logfmt, access log, klog, text");
});

for (const { line, entry } of pairs) {
  test(`README: ${line.slice(0, 60)}`, () => {
    const parsed = parseLine(line, entry.source, Date.parse(READ_TIME) * 1000);
    assert.equal(serializeEntry(parsed), JSON.stringify(entry));
  });
}
