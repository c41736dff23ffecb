import assert from "node:assert/strict";
import { test } from "node:test";
import { FLAGS, flagUsage } from "./flags.ts";
import { renderHelp } from "./help.ts";
import { CONFIG_KEYS, keySpec } from "./keys.ts";

const help = renderHelp();
const lines = help.split("\n");

function lineFor(usage: string): string {
  const line = lines.find((each) => each.trimStart().startsWith(`${usage} `));
  assert.ok(line, `no help line for ${usage}`);
  return line;
}

const defaults: Array<[string, string]> = [
  ["--check-interval MS", "(default: 100)"],
  ["--rotate-wait MS", "(default: 5000)"],
  ["--max-line-bytes N", "(default: 1048576)"],
  ["--follow-symlinks[=BOOL]", "(default: false)"],
  ["--format FORMAT", "(default: auto)"],
  ["--host ADDR", "(default: 0.0.0.0)"],
  ["--enable-tcp[=BOOL]", "(default: false)"],
  ["--tcp-port PORT", "(default: 9090)"],
  ["--tcp-buffer-size SIZE", "(default: 1000)"],
  ["--enable-http[=BOOL]", "(default: true)"],
  ["--http-port PORT", "(default: 8080)"],
  ["--http-buffer-size SIZE", "(default: 1000)"],
];

for (const [usage, text] of defaults) {
  test(`help shows ${usage} with its default`, () => {
    assert.ok(lineFor(usage).endsWith(text), lineFor(usage));
  });
}

test("help lists every flag", () => {
  for (const flag of FLAGS) lineFor(flagUsage(flag));
  assert.match(lineFor("-h, --help"), /help/);
  assert.match(lineFor("-v, --version"), /version/);
  assert.match(lineFor("--disable-http[=BOOL]"), /Disable HTTP server$/);
  assert.match(lineFor("--config FILE"), /~\/\.config\/logwisp\.toml/);
});

test("help shows the TARGET syntax and default targets", () => {
  assert.match(help, /Usage: logwisp \[OPTIONS\] \[TARGET\.\.\.\]/);
  assert.match(lineFor("path[:pattern[:isfile]]"), /Path to monitor/);
  assert.match(lineFor("pattern"), /default: \*\.log/);
  assert.match(lineFor("isfile"), /auto-detected/);
  assert.match(lineFor("default"), /\.\/:\*\.log$/);
});

test("help lists every env variable next to its key", () => {
  for (const spec of CONFIG_KEYS) assert.ok(lineFor(spec.env).endsWith(spec.key));
  lineFor("LOGWISP_CONFIG_FILE");
  lineFor("LOGWISP_CONFIG_DIR");
});

test("a boolean flag is exactly one whose key is boolean", () => {
  for (const flag of FLAGS) {
    if (flag.action.kind !== "set") continue;
    const isBoolean = keySpec(flag.action.keys[0]).kind === "boolean";
    assert.equal(flag.valueName === undefined, isBoolean, flag.name);
  }
});
