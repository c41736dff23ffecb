import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fakeRuntime, tempTree } from "../../_testing/fake-runtime.ts";
import type { ConfigIssue } from "./errors.ts";
import { type ConfigFileChoice, chooseConfigFile, flattenTable, readConfigFile } from "./file.ts";
import type { Setting } from "./merge.ts";

const runtime = fakeRuntime({ cwd: "/work", homeDir: "/home/u" });

const choices: Array<[string, Parameters<typeof chooseConfigFile>[1], ConfigFileChoice | undefined]> = [
  [
    "--config relative to cwd",
    { flag: "a.toml" },
    { path: "/work/a.toml", namedBy: "flag", origin: "--config", required: true },
  ],
  [
    "--config wins over env",
    { flag: "/etc/a.toml", envFile: "b.toml", envDir: "/d" },
    { path: "/etc/a.toml", namedBy: "flag", origin: "--config", required: true },
  ],
  [
    "LOGWISP_CONFIG_FILE relative to cwd",
    { envFile: "conf/b.toml" },
    { path: "/work/conf/b.toml", namedBy: "env", origin: "LOGWISP_CONFIG_FILE", required: true },
  ],
  [
    "LOGWISP_CONFIG_FILE relative to LOGWISP_CONFIG_DIR",
    { envFile: "b.toml", envDir: "/etc/logwisp" },
    { path: "/etc/logwisp/b.toml", namedBy: "env", origin: "LOGWISP_CONFIG_FILE", required: true },
  ],
  [
    "relative LOGWISP_CONFIG_DIR is relative to cwd",
    { envFile: "b.toml", envDir: "etc" },
    { path: "/work/etc/b.toml", namedBy: "env", origin: "LOGWISP_CONFIG_FILE", required: true },
  ],
  [
    "absolute LOGWISP_CONFIG_FILE ignores LOGWISP_CONFIG_DIR",
    { envFile: "/x/b.toml", envDir: "/etc/logwisp" },
    { path: "/x/b.toml", namedBy: "env", origin: "LOGWISP_CONFIG_FILE", required: true },
  ],
  [
    "LOGWISP_CONFIG_DIR alone names logwisp.toml in it",
    { envDir: "/etc/logwisp" },
    { path: "/etc/logwisp/logwisp.toml", namedBy: "env", origin: "LOGWISP_CONFIG_DIR", required: true },
  ],
  [
    "nothing named: ~/.config/logwisp.toml, optional",
    {},
    {
      path: "/home/u/.config/logwisp.toml",
      namedBy: "default",
      origin: "/home/u/.config/logwisp.toml",
      required: false,
    },
  ],
];

for (const [name, request, expected] of choices) {
  test(`chooseConfigFile: ${name}`, () => {
    assert.deepEqual(chooseConfigFile(runtime, request), expected);
  });
}

test("chooseConfigFile: no home directory and nothing named means no file", () => {
  assert.equal(chooseConfigFile(fakeRuntime({ cwd: "/work" }), {}), undefined);
});

async function readFrom(files: Record<string, string>, name: string, required = true) {
  const tree = await tempTree(files);
  const path = join(tree.dir, name);
  const choice: ConfigFileChoice = { path, namedBy: "flag", origin: "--config", required };
  try {
    return { path, reading: await readConfigFile(fakeRuntime({ cwd: tree.dir }), choice) };
  } finally {
    await tree.cleanup();
  }
}

test("a TOML file becomes one setting per key, with the file as origin", async () => {
  const toml = [
    "[monitor]",
    "check_interval_ms = 50",
    "[[monitor.targets]]",
    'path = "./logs"',
    'pattern = "*.txt"',
    "is_file = false",
    "[httpserver]",
    "port = 8081",
    "[httpserver.heartbeat]",
    'format = "json"',
  ].join("\n");
  const { path, reading } = await readFrom({ "a.toml": toml }, "a.toml");
  assert.deepEqual(reading.issues, []);
  assert.equal(reading.loadedPath, path);
  assert.deepEqual(
    reading.settings.map((setting) => [setting.key, setting.value, setting.source, setting.origin]),
    [
      ["monitor.check_interval_ms", 50, "file", path],
      ["monitor.targets", [{ path: "./logs", pattern: "*.txt", is_file: false }], "file", path],
      ["httpserver.port", 8081, "file", path],
      ["httpserver.heartbeat.format", "json", "file", path],
    ],
  );
});

test("an explicitly named file that is missing is an error naming it", async () => {
  const { path, reading } = await readFrom({}, "missing.toml");
  assert.deepEqual(reading.issues, [
    { key: "config file", source: "flag", origin: "--config", value: path, expected: "an existing file" },
  ]);
  assert.equal(reading.loadedPath, undefined);
});

test("a missing optional file (the home default) is no error and no settings", async () => {
  const { reading } = await readFrom({}, "logwisp.toml", false);
  assert.deepEqual(reading, { settings: [], issues: [] });
});

test("a malformed TOML file is an error naming the file and the parser's position", async () => {
  const { path, reading } = await readFrom({ "bad.toml": "[httpserver]\nport = = 1\n" }, "bad.toml");
  assert.equal(reading.issues.length, 1);
  const [issue] = reading.issues;
  assert.equal(issue?.source, "file");
  assert.equal(issue?.origin, path);
  assert.match(issue?.expected ?? "", /^valid TOML \(line 2, column \d+: .+\)$/);
  assert.deepEqual(reading.settings, []);
});

test("a directory or a non-.toml file is refused", async () => {
  const dir = await readFrom({ "d.toml/x": "" }, "d.toml");
  assert.equal(dir.reading.issues[0]?.expected, "a regular file, not a directory");
  const js = await readFrom({ "evil.js": "globalThis.pwned = true; export default {}" }, "evil.js");
  assert.equal(js.reading.issues[0]?.expected, "a TOML file named *.toml");
  assert.equal((globalThis as { pwned?: boolean }).pwned, undefined);
});

test("a file the runtime cannot stat is an error carrying the runtime's reason", async () => {
  const base = fakeRuntime({ cwd: "/work" });
  const denied = { code: "EACCES", message: "EACCES: permission denied, stat '/locked/a.toml'" };
  const locked = { ...base, fs: { ...base.fs, stat: () => Promise.reject(denied) } };
  const choice: ConfigFileChoice = {
    path: "/locked/a.toml",
    namedBy: "env",
    origin: "LOGWISP_CONFIG_FILE",
    required: true,
  };
  assert.deepEqual((await readConfigFile(locked, choice)).issues, [
    {
      key: "config file",
      source: "env",
      origin: "LOGWISP_CONFIG_FILE",
      value: "/locked/a.toml",
      expected: "a readable file (EACCES: permission denied, stat '/locked/a.toml')",
    },
  ]);
});

test("unknown keys in the file are errors naming the key path, with a hint", async () => {
  const toml =
    '[httpserver]\nprot = 8080\n[monitr]\nx = 1\n[tcpserver.heartbeat]\nformat = "json"\ninterval = 5\n';
  const { path, reading } = await readFrom({ "a.toml": toml }, "a.toml");
  assert.deepEqual(
    reading.issues.map((issue) => [issue.key, issue.problem, issue.expected, issue.origin]),
    [
      ["httpserver.prot", "unknown", "a known key; did you mean httpserver.port?", path],
      ["monitr", "unknown", "a known key; did you mean monitor?", path],
      ["tcpserver.heartbeat.interval", "unknown", "a known key", path],
    ],
  );
  assert.deepEqual(
    reading.settings.map((setting) => setting.key),
    ["tcpserver.heartbeat.format"],
  );
});

test("a section that is not a table is an error", () => {
  const out: { settings: Setting[]; issues: ConfigIssue[] } = { settings: [], issues: [] };
  flattenTable({ monitor: 5, httpserver: { heartbeat: "on" } }, "", "/a.toml", out);
  assert.deepEqual(out.issues, [
    { key: "monitor", source: "file", origin: "/a.toml", value: 5, expected: "a table" },
    { key: "httpserver.heartbeat", source: "file", origin: "/a.toml", value: "on", expected: "a table" },
  ]);
});

test("c12 reads only the named file: no rc file, .env or package.json next to it", async () => {
  const tree = await tempTree({
    "a.toml": "[httpserver]\nport = 8081\n",
    ".configrc": "tcpserver.port=1",
    ".env": "LOGWISP_INJECTED=1",
    "package.json": JSON.stringify({ config: { tcpserver: { port: 2 } } }),
  });
  await mkdir(join(tree.dir, ".config"));
  try {
    const choice: ConfigFileChoice = {
      path: join(tree.dir, "a.toml"),
      namedBy: "flag",
      origin: "--config",
      required: true,
    };
    const reading = await readConfigFile(fakeRuntime({ cwd: tree.dir }), choice);
    assert.deepEqual(
      reading.settings.map((setting) => [setting.key, setting.value]),
      [["httpserver.port", 8081]],
    );
    assert.equal(process.env.LOGWISP_INJECTED, undefined);
  } finally {
    await tree.cleanup();
  }
});
