// The layering of src/ as a test: each folder of src/core imports only from the layers below it, the core
// imports no runtime, the page imports only the wire contract, and no adapter imports a sibling adapter.
// Read from the sources themselves, so a new upward import fails `npm test` where it is written.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("./", import.meta.url)).replace(/\/$/, "");

/** Layers of src/core, bottom (0) to top; a module imports from its own folder or from a lower rank. */
export const CORE_LAYERS: Readonly<Record<string, number>> = {
  util: 0,
  "nats-port.ts": 0,
  // above the NATS port only: its loadNats() hands out a NatsConnector
  "runtime.ts": 0.5,
  wire: 1,
  config: 1,
  tail: 1,
  entry: 2,
  fanout: 3,
  serve: 4,
  "service.ts": 5,
};

interface Import {
  readonly from: string;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(src, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(src, file), "utf8");
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g),
  ].map((match) => ({ from: file, specifier: match[1] ?? match[2] ?? "" }));
}

/** The layer folder (or top-level file) of a path under src/core, e.g. `fanout` for core/fanout/hub.ts. */
function layerOf(pathInSrc: string): string {
  const [, first = ""] = pathInSrc.split("/");
  return first;
}

function resolveRelative(file: string, specifier: string): string {
  return join(dirname(file), specifier);
}

test("every module of src/core sits in a known layer", () => {
  const unplaced = sourceFiles("core").filter((file) => CORE_LAYERS[layerOf(file)] === undefined);
  assert.deepEqual(unplaced, [], "put these in a layer folder (see CORE_LAYERS) or add the layer");
});

test("src/core imports only from its own folder or a layer below it", () => {
  const upward: string[] = [];
  for (const file of sourceFiles("core")) {
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(file, specifier);
      const own = layerOf(file);
      const other = layerOf(target);
      if (!target.startsWith("core/") || own === other) continue;
      const ownRank = CORE_LAYERS[own] ?? Number.POSITIVE_INFINITY;
      const otherRank = CORE_LAYERS[other] ?? Number.POSITIVE_INFINITY;
      if (otherRank >= ownRank)
        upward.push(`${file} imports ${target} (${own} ${ownRank} → ${other} ${otherRank})`);
    }
  }
  assert.deepEqual(upward, [], "an import that does not run downward");
});

test("src/core imports no runtime: no node:*, bun or deno module, no Bun or Deno global", () => {
  const found: string[] = [];
  for (const file of sourceFiles("core")) {
    for (const { specifier } of importsOf(file)) {
      if (/^(node:|bun:?|deno$|npm:|jsr:)/.test(specifier)) found.push(`${file} imports ${specifier}`);
    }
    const text = readFileSync(join(src, file), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "");
    if (/\b(Bun|Deno)\s*\./.test(text)) found.push(`${file} uses a Bun or Deno global`);
  }
  assert.deepEqual(found, []);
});

test("the live view (src/web) imports from the core only its wire contract", () => {
  const found: string[] = [];
  for (const file of sourceFiles("web")) {
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(file, specifier);
      if (target.startsWith("core/") && !target.startsWith("core/wire/"))
        found.push(`${file} imports ${target}`);
      if (target.startsWith("adapters/")) found.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(found, []);
});

test("an adapter imports the core and _shared, never a sibling adapter", () => {
  const found: string[] = [];
  for (const file of sourceFiles("adapters")) {
    const own = file.split("/")[1];
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(file, specifier);
      const [top, adapter] = target.split("/");
      if (top === "adapters" && adapter !== own && adapter !== "_shared") {
        found.push(`${file} imports ${target}`);
      }
    }
  }
  assert.deepEqual(found, [], "move what they share to src/adapters/_shared/");
});

test("the import reader sees imports (a check of the check)", () => {
  const here = relative(src, fileURLToPath(import.meta.url));
  assert.ok(importsOf(here).some((entry) => entry.specifier === "node:assert/strict"));
});
