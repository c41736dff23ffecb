import assert from "node:assert/strict";
import { basename, dirname, resolve } from "node:path";
import { test } from "node:test";
import * as v from "valibot";
import { TargetSchema } from "../config/schema.ts";
import { SUPPORTED_SYNTAX } from "../util/linear-regex.ts";
import { TargetFilter } from "./target-filter.ts";

const runtime = { resolvePath: (path: string) => resolve("/logs", path), dirname, basename };

function filterOf(targets: unknown[]) {
  return TargetFilter.from(
    runtime,
    targets.map((target) => v.parse(TargetSchema, target)),
  );
}

test("no target with include or exclude: no filter at all", () => {
  assert.equal(filterOf([{ path: "/logs" }, { path: "/app/a.log", is_file: true }]), undefined);
});

test("exclude drops matching lines, counted per file", () => {
  const filter = filterOf([{ path: "/logs", exclude: ["healthcheck", "^DEBUG"] }]);
  assert.equal(filter?.passes("/logs/app.log", "GET /healthcheck 200"), false);
  assert.equal(filter?.passes("/logs/app.log", "DEBUG noise"), false);
  assert.equal(filter?.passes("/logs/app.log", "an ERROR with DEBUG later"), true);
  assert.equal(filter?.passes("/logs/b.log", "healthcheck"), false);
  assert.equal(filter?.excludedLines("/logs/app.log"), 2);
  assert.equal(filter?.excludedLines("/logs/b.log"), 1);
  assert.equal(filter?.excludedLines("/logs/c.log"), 0);
});

test("include keeps only matching lines; exclude still applies to them", () => {
  const filter = filterOf([{ path: "/logs", include: ["ERROR", "WARN"], exclude: ["ignored"] }]);
  assert.equal(filter?.passes("/logs/app.log", "ERROR boom"), true);
  assert.equal(filter?.passes("/logs/app.log", "INFO fine"), false);
  assert.equal(filter?.passes("/logs/app.log", "WARN but ignored"), false);
});

test("rules apply only to the paths their target names", () => {
  const filter = filterOf([
    { path: "/logs", pattern: "*.log", exclude: ["x"] },
    { path: "/other/file.txt", is_file: true },
    { path: "/logs", pattern: "*.txt" },
  ]);
  assert.equal(filter?.passes("/logs/a.log", "x"), false);
  assert.equal(filter?.passes("/other/file.txt", "x"), true, "a file target without rules");
  assert.equal(filter?.passes("/logs/a.txt", "x"), true, "the same directory, another target's pattern");
  assert.equal(filter?.passes("/logs/sub/a.log", "x"), true, "not an entry of the directory");
});

test("a path that several targets name is kept when any of them keeps the line", () => {
  const filter = filterOf([
    { path: "/logs", pattern: "*.log", include: ["ERROR"] },
    { path: "/logs/app.log", exclude: ["noise"] },
  ]);
  assert.equal(filter?.passes("/logs/app.log", "INFO fine"), true, "the file target keeps it");
  assert.equal(filter?.passes("/logs/app.log", "INFO noise"), false, "neither keeps it");
  assert.equal(filter?.passes("/logs/other.log", "INFO fine"), false, "only the directory target names it");
});

test("a relative target path is resolved as discovery resolves it", () => {
  const filter = filterOf([{ path: "./", exclude: ["x"] }]);
  assert.equal(filter?.passes("/logs/a.log", "x"), false);
});

test("include and exclude are RE2: inline flags work, a line is searched in linear time", () => {
  const filter = filterOf([{ path: "/logs", include: ["(?i)error"], exclude: ["(a|aa)+b"] }]);
  assert.equal(filter?.passes("/logs/app.log", "an Error"), true);
  assert.equal(filter?.passes("/logs/app.log", `error ${"a".repeat(60)}c`), true);
  assert.equal(filter?.passes("/logs/app.log", "error aab"), false);
});

test("the schema refuses a bad regular expression, with RE2's reason and what is supported", () => {
  const cases: [source: string, reason: string][] = [
    ["(", "missing closing ): `(`"],
    ["(?=x)", "lookahead (?=…) is not supported"],
    ["(a)\\1", "backreference \\1 is not supported"],
  ];
  for (const [source, reason] of cases) {
    const result = v.safeParse(TargetSchema, { path: "/logs", include: ["ok", source] });
    assert.equal(result.success, false, source);
    const issue = result.issues?.[0];
    assert.deepEqual(
      issue?.path?.map((item) => item.key),
      ["include", 1],
    );
    assert.equal(issue?.message, `a regular expression that RE2 runs (${reason}; ${SUPPORTED_SYNTAX})`);
  }
});
