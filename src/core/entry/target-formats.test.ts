import assert from "node:assert/strict";
import { basename, dirname, resolve } from "node:path";
import { test } from "node:test";
import * as v from "valibot";
import { TargetSchema } from "../config/schema.ts";
import { targetFormats } from "./target-formats.ts";

const runtime = { resolvePath: (path: string) => resolve("/logs", path), dirname, basename };

function formatsOf(monitorFormat: "auto" | "json" | "logfmt" | "text", targets: unknown[]) {
  return targetFormats(
    runtime,
    monitorFormat,
    targets.map((target) => v.parse(TargetSchema, target)),
  );
}

test("a target's format applies to the files it names; the others take [monitor]'s", () => {
  const formatOf = formatsOf("auto", [
    { path: "/var/log/nginx", pattern: "access*.log", format: "text" },
    { path: "/var/log/app.log", is_file: true, format: "logfmt" },
    { path: "/var/log/nginx", pattern: "*.log" },
  ]);
  assert.equal(formatOf("/var/log/nginx/access.log"), "text");
  assert.equal(formatOf("/var/log/nginx/error.log"), "auto");
  assert.equal(formatOf("/var/log/app.log"), "logfmt");
  assert.equal(formatOf("/elsewhere/x.log"), "auto");
  // asked again: the remembered answer
  assert.equal(formatOf("/var/log/nginx/access.log"), "text");
});

test("a path two targets name takes the first one's format", () => {
  const formatOf = formatsOf("text", [
    { path: "/var/log", pattern: "*.log" },
    { path: "/var/log", pattern: "app*.log", format: "json" },
  ]);
  assert.equal(formatOf("/var/log/app.log"), "text");
  assert.equal(
    formatsOf("text", [
      { path: "/var/log", pattern: "app*.log", format: "json" },
      { path: "/var/log", pattern: "*.log" },
    ])("/var/log/app.log"),
    "json",
  );
});

test("relative target paths resolve as discovery resolves them", () => {
  const formatOf = formatsOf("auto", [{ path: "nginx", pattern: "*.log", format: "text" }]);
  assert.equal(formatOf("/logs/nginx/a.log"), "text");
});

test("[monitor] format alone: every path, no lookup", () => {
  const formatOf = formatsOf("logfmt", [{ path: "/a" }, { path: "/b", format: "logfmt" }]);
  assert.equal(formatOf("/anything/at/all.log"), "logfmt");
});
