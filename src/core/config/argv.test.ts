import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgv } from "./argv.ts";
import type { ConfigIssue } from "./errors.ts";

/** key → value of the settings a command line produces, in order. */
function settingsOf(argv: string[]): Array<[string, unknown, string]> {
  const reading = parseArgv(argv);
  assert.deepEqual(reading.issues, [], `unexpected issues for ${argv.join(" ")}`);
  return reading.settings.map((setting) => [setting.key, setting.value, setting.origin]);
}

const flagCases: Array<[string[], Array<[string, unknown, string]>]> = [
  [["--check-interval", "50"], [["monitor.check_interval_ms", 50, "--check-interval"]]],
  [["--rotate-wait", "0"], [["monitor.rotate_wait_ms", 0, "--rotate-wait"]]],
  [["--max-line-bytes", "2048"], [["monitor.max_line_bytes", 2048, "--max-line-bytes"]]],
  [["--follow-symlinks"], [["monitor.follow_symlinks", true, "--follow-symlinks"]]],
  [["--follow-symlinks=false"], [["monitor.follow_symlinks", false, "--follow-symlinks"]]],
  [["--format", "text"], [["monitor.format", "text", "--format"]]],
  [["--format=json"], [["monitor.format", "json", "--format"]]],
  [["--enable-tcp"], [["tcpserver.enabled", true, "--enable-tcp"]]],
  [["--tcp-port", "9999"], [["tcpserver.port", 9999, "--tcp-port"]]],
  [["--tcp-buffer-size", "5000"], [["tcpserver.buffer_size", 5000, "--tcp-buffer-size"]]],
  [["--enable-http"], [["httpserver.enabled", true, "--enable-http"]]],
  [["--disable-http"], [["httpserver.enabled", false, "--disable-http"]]],
  [["--http-port", "8081"], [["httpserver.port", 8081, "--http-port"]]],
  [["--http-buffer-size", "7"], [["httpserver.buffer_size", 7, "--http-buffer-size"]]],
  [
    ["--http-cors-origins", "https://a.example,http://127.0.0.2:81"],
    [["httpserver.cors_origins", ["https://a.example", "http://127.0.0.2:81"], "--http-cors-origins"]],
  ],
  [["--http-allowed-hosts=myhost"], [["httpserver.allowed_hosts", ["myhost"], "--http-allowed-hosts"]]],
  [
    ["--host", "127.0.0.1"],
    [
      ["tcpserver.host", "127.0.0.1", "--host"],
      ["httpserver.host", "127.0.0.1", "--host"],
    ],
  ],
  // = forms and single dash, like Go's flag package
  [["--tcp-port=9091"], [["tcpserver.port", 9091, "--tcp-port"]]],
  [["-tcp-port", "9092"], [["tcpserver.port", 9092, "-tcp-port"]]],
  [["-tcp-port=9093"], [["tcpserver.port", 9093, "-tcp-port"]]],
  [
    ["--host=::1"],
    [
      ["tcpserver.host", "::1", "--host"],
      ["httpserver.host", "::1", "--host"],
    ],
  ],
  // a value that starts with a dash is still the value (Go does the same); the schema rejects it later
  [["--check-interval", "-5"], [["monitor.check_interval_ms", -5, "--check-interval"]]],
  // boolean forms
  [["--enable-http=false"], [["httpserver.enabled", false, "--enable-http"]]],
  [["--enable-tcp=TRUE"], [["tcpserver.enabled", true, "--enable-tcp"]]],
  [["-enable-tcp=off"], [["tcpserver.enabled", false, "-enable-tcp"]]],
  [["--enable-tcp=1"], [["tcpserver.enabled", true, "--enable-tcp"]]],
  [["--disable-http=false"], [["httpserver.enabled", true, "--disable-http"]]],
  [
    ["--enable-tcp", "--tcp-port", "1"],
    [
      ["tcpserver.enabled", true, "--enable-tcp"],
      ["tcpserver.port", 1, "--tcp-port"],
    ],
  ],
  // last one wins is the merge's job: both are kept in order
  [
    ["--enable-http", "--disable-http"],
    [
      ["httpserver.enabled", true, "--enable-http"],
      ["httpserver.enabled", false, "--disable-http"],
    ],
  ],
];

for (const [argv, expected] of flagCases) {
  test(`flags: ${argv.join(" ")}`, () => {
    assert.deepEqual(settingsOf(argv), expected);
  });
}

test("a bare boolean flag does not take the next argument", () => {
  const reading = parseArgv(["--enable-tcp", "false"]);
  assert.deepEqual(reading.issues, []);
  assert.deepEqual(reading.settings[0]?.value, true);
  assert.deepEqual(reading.settings[1]?.key, "monitor.targets");
  assert.deepEqual(reading.settings[1]?.value, [{ path: "false" }]);
});

test("--config takes a path in both forms", () => {
  assert.equal(parseArgv(["--config", "a.toml"]).configFile, "a.toml");
  assert.equal(parseArgv(["--config=/etc/b.toml"]).configFile, "/etc/b.toml");
  assert.equal(parseArgv(["-config", "c.toml"]).configFile, "c.toml");
  assert.equal(parseArgv([]).configFile, undefined);
});

const helpCases: Array<[string[], boolean, boolean]> = [
  [["--help"], true, false],
  [["-h"], true, false],
  [["-help"], true, false],
  [["--version"], false, true],
  [["-v"], false, true],
  [["--bogus", "--help"], true, false],
  [["--tcp-port", "x", "-v"], false, true],
  [["--", "--help"], false, false],
  [[], false, false],
];

for (const [argv, help, version] of helpCases) {
  test(`help/version: ${argv.join(" ") || "(none)"}`, () => {
    const reading = parseArgv(argv);
    assert.equal(reading.help, help);
    assert.equal(reading.version, version);
  });
}

function issuesOf(argv: string[]): ConfigIssue[] {
  return parseArgv(argv).issues;
}

test("an unknown flag is an error with the closest flag and a pointer to --help", () => {
  assert.deepEqual(issuesOf(["--tcp-prot", "9090"]), [
    {
      key: "--tcp-prot",
      source: "flag",
      origin: "--tcp-prot",
      problem: "unknown",
      expected: "a known flag; did you mean --tcp-port? (see --help)",
    },
  ]);
  assert.deepEqual(
    issuesOf(["-enable-tpc"])[0]?.expected,
    "a known flag; did you mean --enable-tcp? (see --help)",
  );
  assert.deepEqual(issuesOf(["--verbose"])[0]?.expected, "a known flag (see --help)");
  assert.deepEqual(issuesOf(["---tcp-port", "1"])[0]?.problem, "unknown");
});

const missingCases: Array<[string[], string, string]> = [
  [["--tcp-port"], "tcpserver.port", "a value after --tcp-port: an integer from 0 to 65535"],
  [["--check-interval"], "monitor.check_interval_ms", "a value after --check-interval: an integer >= 10"],
  [["-host"], "tcpserver.host", "a value after -host: a non-empty string"],
  [["--config"], "config file", "a file path"],
  [["--config="], "config file", "a file path"],
];

for (const [argv, key, expected] of missingCases) {
  test(`missing value: ${argv.join(" ")}`, () => {
    const [issue, ...rest] = issuesOf(argv);
    assert.equal(rest.length, 0);
    assert.equal(issue?.key, key);
    assert.equal(issue?.source, "flag");
    assert.equal(issue?.expected, expected);
  });
}

const badValueCases: Array<[string[], Partial<ConfigIssue>]> = [
  [["--tcp-port", "abc"], { key: "tcpserver.port", origin: "--tcp-port", value: "abc" }],
  [["--http-port=1.5"], { key: "httpserver.port", origin: "--http-port", value: "1.5" }],
  [["--tcp-buffer-size="], { key: "tcpserver.buffer_size", origin: "--tcp-buffer-size", value: "" }],
  [["--enable-tcp=maybe"], { key: "tcpserver.enabled", origin: "--enable-tcp", value: "maybe" }],
  [["-disable-http=2"], { key: "httpserver.enabled", origin: "-disable-http", value: "2" }],
];

for (const [argv, expected] of badValueCases) {
  test(`bad value: ${argv.join(" ")}`, () => {
    const issues = issuesOf(argv);
    assert.equal(issues.length, 1);
    assert.deepEqual({ key: issues[0]?.key, origin: issues[0]?.origin, value: issues[0]?.value }, expected);
    assert.equal(parseArgv(argv).settings.length, 0);
  });
}

test("every problem on the line is reported, not just the first", () => {
  const issues = issuesOf(["--tcp-prot", "--tcp-port", "x", "--enable-tcp=maybe", "/a::nope", "--http-port"]);
  assert.deepEqual(
    issues.map((issue) => issue.key),
    ["--tcp-prot", "tcpserver.port", "tcpserver.enabled", "httpserver.port", "monitor.targets[0].is_file"],
  );
});

test("positional targets become one setting with one origin per argument", () => {
  const reading = parseArgv(["/var/log:*.log", "--enable-tcp", "/app/logs:error*.log", "./app.log::true"]);
  assert.deepEqual(reading.issues, []);
  const targets = reading.settings.find((setting) => setting.key === "monitor.targets");
  assert.deepEqual(targets, {
    key: "monitor.targets",
    value: [
      { path: "/var/log", pattern: "*.log" },
      { path: "/app/logs", pattern: "error*.log" },
      { path: "./app.log", is_file: true },
    ],
    source: "flag",
    origin: "TARGET arguments",
    itemOrigins: [
      'argument "/var/log:*.log"',
      'argument "/app/logs:error*.log"',
      'argument "./app.log::true"',
    ],
  });
});

test("-- ends flags: what follows is a target even if it looks like a flag", () => {
  const reading = parseArgv(["--enable-tcp", "--", "--weird-dir", "-"]);
  assert.deepEqual(reading.issues, []);
  assert.deepEqual(reading.settings[1]?.value, [{ path: "--weird-dir" }, { path: "-" }]);
});

test("bad targets are reported with the argument they came from", () => {
  assert.deepEqual(issuesOf(["/ok", "./a.log::maybe", "a:b:c:d"]), [
    {
      key: "monitor.targets[1].is_file",
      source: "flag",
      origin: 'argument "./a.log::maybe"',
      value: "maybe",
      expected: "true or false (also 1/0, yes/no, on/off)",
    },
    {
      key: "monitor.targets[2]",
      source: "flag",
      origin: 'argument "a:b:c:d"',
      value: "a:b:c:d",
      expected: "path[:pattern[:isfile]] with at most two ':'",
    },
  ]);
});

test("no positional targets means no targets setting", () => {
  assert.equal(
    parseArgv(["--enable-tcp"]).settings.some((setting) => setting.key === "monitor.targets"),
    false,
  );
});
