import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { issues, load, run, type Setup } from "../../_testing/fake-runtime.ts";
import { ConfigError } from "./errors.ts";
import { defaultConfig } from "./schema.ts";

test("no file, env or flags: the defaults", async () => {
  const result = await run({});
  assert.deepEqual(result.config, defaultConfig());
  assert.equal(result.configFile, undefined);
  assert.ok(Object.values(result.sources).every((source) => source === "default"));
});

test("keys not set anywhere keep their defaults next to keys that are set", async () => {
  const result = await run({ env: { LOGWISP_HTTPSERVER_PORT: "9000" } });
  assert.equal(result.config.httpserver.port, 9000);
  assert.equal(result.config.tcpserver.port, 9090);
  assert.equal(result.sources["tcpserver.port"], "default");
});

test("--help and --version short-circuit before anything is checked", async () => {
  const broken: Setup = {
    env: { LOGWISP_HTTPSERVER_PORT: "abc" },
    argv: ["--config", "/nope.toml", "--bogus"],
  };
  const help = await load({ ...broken, argv: [...(broken.argv ?? []), "--help"] });
  assert.ok(!(help.result instanceof ConfigError) && help.result.kind === "help");
  assert.match(help.result.text, /--tcp-port PORT/);
  const version = await load({ ...broken, argv: ["-v", ...(broken.argv ?? [])] });
  assert.deepEqual(version.result, { kind: "version" });
});

test("~/.config/logwisp.toml is read when present", async () => {
  const result = await run({
    home: "home",
    files: { "home/.config/logwisp.toml": "[tcpserver]\nport = 1234\n" },
  });
  assert.equal(result.config.tcpserver.port, 1234);
  assert.equal(result.sources["tcpserver.port"], "file");
  assert.equal(result.configFile, join(result.dir, "home/.config/logwisp.toml"));
});

test("~/.config/logwisp.toml is skipped without error when absent", async () => {
  const result = await run({
    home: "home",
    files: { "home/.config/other.toml": "[tcpserver]\nport = 1234\n" },
  });
  assert.equal(result.config.tcpserver.port, 9090);
  assert.equal(result.configFile, undefined);
});

test("--config replaces the home file instead of adding to it", async () => {
  const result = await run({
    home: "home",
    files: {
      "home/.config/logwisp.toml": "[tcpserver]\nport = 1234\n",
      "mine.toml": "[httpserver]\nport = 1\n",
    },
    argv: ["--config", "mine.toml"],
  });
  assert.equal(result.config.tcpserver.port, 9090);
  assert.equal(result.config.httpserver.port, 1);
});

test("LOGWISP_CONFIG_FILE is read relative to LOGWISP_CONFIG_DIR", async () => {
  const result = await run({
    files: { "etc/lw.toml": "[httpserver]\nport = 4321\n" },
    env: { LOGWISP_CONFIG_FILE: "lw.toml", LOGWISP_CONFIG_DIR: "$DIR/etc" },
  });
  assert.equal(result.config.httpserver.port, 4321);
  assert.equal(result.configFile, join(result.dir, "etc/lw.toml"));
});

test("LOGWISP_CONFIG_FILE alone is relative to cwd; a missing one is an error", async () => {
  const ok = await run({
    files: { "lw.toml": "[httpserver]\nport = 4321\n" },
    env: { LOGWISP_CONFIG_FILE: "lw.toml" },
  });
  assert.equal(ok.config.httpserver.port, 4321);
  const [issue] = await issues({ env: { LOGWISP_CONFIG_FILE: "gone.toml" } });
  assert.equal(issue?.origin, "LOGWISP_CONFIG_FILE");
  assert.equal(issue?.expected, "an existing file");
});

test("an explicit --config that is missing is an error naming the path", async () => {
  const found = await issues({ argv: ["--config", "$DIR/missing.toml"] });
  assert.equal(found.length, 1);
  assert.equal(found[0]?.source, "flag");
  assert.equal(found[0]?.origin, "--config");
  assert.match(String(found[0]?.value), /missing\.toml$/);
});

test("malformed TOML is an error naming the file", async () => {
  const { result, dir } = await load({
    files: { "bad.toml": "[httpserver\n" },
    argv: ["--config", "bad.toml"],
  });
  assert.ok(result instanceof ConfigError);
  assert.match(
    result.format(),
    new RegExp(`^invalid config file from file ${join(dir, "bad.toml")}: expected valid TOML \\(line 1`),
  );
});

test("an unknown key in the file is an error naming the key path", async () => {
  const { result } = await load({
    files: { "c.toml": "[httpserver]\nprot = 8080\n" },
    argv: ["--config", "c.toml"],
  });
  assert.ok(result instanceof ConfigError);
  assert.match(
    result.format(),
    /^unknown httpserver\.prot from file \S+c\.toml: got 8080, expected a known key; did you mean httpserver\.port\?$/,
  );
});

test("relative target paths in the file stay as written (relative to the process cwd)", async () => {
  const result = await run({
    files: { "conf/c.toml": '[[monitor.targets]]\npath = "logs"\n' },
    argv: ["--config", "conf/c.toml"],
  });
  assert.deepEqual(result.config.monitor.targets, [{ path: "logs", pattern: "*.log" }]);
});

test("problems from every source are reported together, each with its source", async () => {
  const found = await issues({
    files: { "c.toml": "[httpserver]\nport = 70000\nbuffer_size = 0\n[monitor]\ntypo = 1\n" },
    env: {
      LOGWISP_MONITOR_CHECK_INTERVAL_MS: "abc",
      LOGWISP_TCPSERVER_HEARTBEAT_FORMAT: "comment",
      LOGWISP_NOPE: "1",
    },
    argv: ["--config", "c.toml", "--tcp-prot", "--rotate-wait", "-5", "./a::maybe"],
  });
  assert.deepEqual(
    found.map((issue) => [issue.key, issue.source, issue.origin.replace(/^\/.*\//, "")]),
    [
      ["monitor.typo", "file", "c.toml"],
      ["monitor.check_interval_ms", "env", "LOGWISP_MONITOR_CHECK_INTERVAL_MS"],
      ["LOGWISP_NOPE", "env", "LOGWISP_NOPE"],
      ["--tcp-prot", "flag", "--tcp-prot"],
      ["monitor.targets[0].is_file", "flag", 'argument "./a::maybe"'],
      ["monitor.rotate_wait_ms", "flag", "--rotate-wait"],
      ["tcpserver.heartbeat.format", "env", "LOGWISP_TCPSERVER_HEARTBEAT_FORMAT"],
      ["httpserver.port", "file", "c.toml"],
      ["httpserver.buffer_size", "file", "c.toml"],
    ],
  );
});

test("the error text is one line per issue in the documented shape", async () => {
  const { result } = await load({ env: { LOGWISP_HTTPSERVER_PORT: "abc" } });
  assert.ok(result instanceof ConfigError);
  assert.equal(
    result.format(),
    'invalid httpserver.port from env LOGWISP_HTTPSERVER_PORT: got "abc", expected an integer from 0 to 65535',
  );
});

test("an include pattern RE2 cannot run is an error naming the key, its file and the construct", async () => {
  const { result } = await load({
    files: { "c.toml": '[[monitor.targets]]\npath = "logs"\ninclude = ["ERROR", "(?<=user=)bob"]\n' },
    argv: ["--config", "c.toml"],
  });
  assert.ok(result instanceof ConfigError);
  assert.match(
    result.format(),
    /^invalid monitor\.targets\[0\]\.include\[1\] from file \S+c\.toml: got "\(\?<=user=\)bob", expected a regular expression that RE2 runs \(lookbehind \(\?<=…\) is not supported; RE2 syntax: .*\)$/,
  );
});

const invalidValues: Array<[string, Setup, string]> = [
  ["negative interval", { argv: ["--check-interval", "-1"] }, "monitor.check_interval_ms"],
  ["port 70000", { env: { LOGWISP_TCPSERVER_PORT: "70000" } }, "tcpserver.port"],
  ["format xml", { env: { LOGWISP_HTTPSERVER_HEARTBEAT_FORMAT: "xml" } }, "httpserver.heartbeat.format"],
  ["buffer_size 0", { argv: ["--http-buffer-size", "0"] }, "httpserver.buffer_size"],
  ["empty target path", { argv: [":*.log"] }, "monitor.targets[0].path"],
  ["empty target list", { env: { LOGWISP_MONITOR_TARGETS: "," } }, "monitor.targets"],
];

for (const [name, setup, key] of invalidValues) {
  test(`${name} is an error`, async () => {
    assert.deepEqual(
      (await issues(setup)).map((issue) => issue.key),
      [key],
    );
  });
}

test("cors_origins and allowed_hosts: a TOML array in the file, comma-separated in env and flags", async () => {
  const file = {
    "c.toml":
      '[httpserver]\ncors_origins = ["https://dash.example.com", "http://127.0.0.2:8000"]\nallowed_hosts = ["logs.lan"]\n',
  };
  const fromFile = await run({ files: file, argv: ["--config", "c.toml"] });
  assert.deepEqual(fromFile.config.httpserver.cors_origins, [
    "https://dash.example.com",
    "http://127.0.0.2:8000",
  ]);
  assert.deepEqual(fromFile.config.httpserver.allowed_hosts, ["logs.lan"]);
  // a later source replaces the list whole
  const overridden = await run({
    files: file,
    env: { LOGWISP_HTTPSERVER_ALLOWED_HOSTS: "myhost, logs.example.com" },
    argv: ["--config", "c.toml", "--http-cors-origins", "https://other.example"],
  });
  assert.deepEqual(overridden.config.httpserver.cors_origins, ["https://other.example"]);
  assert.equal(overridden.sources["httpserver.cors_origins"], "flag");
  assert.deepEqual(overridden.config.httpserver.allowed_hosts, ["myhost", "logs.example.com"]);
  assert.equal(overridden.sources["httpserver.allowed_hosts"], "env");
  const defaults = await run({});
  assert.deepEqual(defaults.config.httpserver.cors_origins, []);
  assert.deepEqual(defaults.config.httpserver.allowed_hosts, []);
});

test("a bad origin or host name names the item, its source and the expected form", async () => {
  // the flag's list replaces the file's (whose bad item is then not reported): one line per list
  const { result } = await load({
    files: { "c.toml": '[httpserver]\ncors_origins = ["https://dash.example.com/"]\n' },
    env: { LOGWISP_HTTPSERVER_ALLOWED_HOSTS: "logs.lan:8080" },
    argv: ["--config", "c.toml", "--http-cors-origins=https://ok.example,*"],
  });
  assert.ok(result instanceof ConfigError);
  assert.equal(
    result.format(),
    [
      'invalid httpserver.cors_origins[1] from flag --http-cors-origins: got "*", expected an origin scheme://host[:port] as a browser sends it, such as "https://dash.example.com"; "*" is refused, as it would let every web page read the logs: list each page\'s origin',
      'invalid httpserver.allowed_hosts[0] from env LOGWISP_HTTPSERVER_ALLOWED_HOSTS: got "logs.lan:8080", expected a host name such as "logs.example.com" (no scheme, no port; IP addresses, localhost and *.localhost are always allowed)',
    ].join("\n"),
  );
  const fileOnly = await load({
    files: { "c.toml": '[httpserver]\ncors_origins = ["https://dash.example.com/"]\n' },
    argv: ["--config", "c.toml"],
  });
  assert.ok(fileOnly.result instanceof ConfigError);
  assert.equal(
    fileOnly.result.format(),
    `invalid httpserver.cors_origins[0] from file ${join(fileOnly.dir, "c.toml")}: got "https://dash.example.com/", expected an origin scheme://host[:port] as a browser sends it, such as "https://dash.example.com" (did you mean "https://dash.example.com"?)`,
  );
});

test("a list key given something other than a list says so", async () => {
  const found = await issues({
    files: { "c.toml": '[httpserver]\ncors_origins = "https://dash.example.com"\n' },
    argv: ["--config", "c.toml"],
  });
  assert.deepEqual(
    found.map((issue) => [issue.key, issue.expected]),
    [["httpserver.cors_origins", "a list of strings"]],
  );
});
