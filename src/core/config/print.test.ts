import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTOML } from "confbox";
import * as v from "valibot";
import { load, run, type Setup } from "../../_testing/fake-runtime.ts";
import { ConfigError } from "./errors.ts";
import { CONFIG_KEYS, catalogueOf } from "./keys.ts";
import type { Setting } from "./merge.ts";
import { describeOrigin, REDACTED, renderConfigToml } from "./print.ts";
import { defaultConfig, secret } from "./schema.ts";

/** The tables in the order the output opens them. */
function headers(toml: string): string[] {
  return toml
    .split("\n")
    .filter((line) => line.startsWith("["))
    .map((line) => line.replace(/\s+#.*$/, ""));
}

function withoutComments(toml: string): string {
  return toml.replace(/^#.*\n/gm, "").replace(/ +#.*$/gm, "");
}

/** A config as it would be after reading it back: no undefined values (TOML has none). */
function withoutUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

test("the defaults print in the seed's order and parse back to the default config", async () => {
  const loaded = await run({});
  const toml = renderConfigToml(loaded);
  assert.deepEqual(headers(toml), [
    "[monitor]",
    "[[monitor.targets]]",
    "[tcpserver]",
    "[tcpserver.heartbeat]",
    "[httpserver]",
    "[httpserver.heartbeat]",
    "[auth]",
    "[nats]",
  ]);
  assert.deepEqual(parseTOML(toml), withoutUndefined(defaultConfig()));
  assert.match(toml, /^# config file: none$/m);
  for (const line of toml.split("\n").filter((text) => / = /.test(text) && !text.startsWith("#"))) {
    if (!/^(path|pattern|is_file) = /.test(line)) assert.match(line, /\S {2,}# default$/, line);
  }
});

const mixed: Setup = {
  files: {
    "conf/logwisp.toml": '[monitor]\nrotate_wait_ms = 250\n[httpserver.heartbeat]\nformat = "json"\n',
  },
  env: {
    LOGWISP_TCPSERVER_PORT: "9091",
    LOGWISP_TCPSERVER_ENABLED: "yes",
    LOGWISP_HTTPSERVER_CORS_ORIGINS: "https://dash.example.com,http://127.0.0.2:8000",
  },
  argv: [
    "--config",
    "conf/logwisp.toml",
    "--http-port=0",
    "--host",
    "::1",
    "--follow-symlinks",
    "--http-allowed-hosts",
    "logs.lan",
    "logs:*.txt",
    "app.log::true",
  ],
};

test("each value names its source: default, file, env, flag, argument", async () => {
  const loaded = await run(mixed);
  const toml = renderConfigToml(loaded);
  const file = `${loaded.dir}/conf/logwisp.toml`;
  assert.match(toml, new RegExp(`^# config file: ${file}$`, "m"));
  const expectLine = (pattern: RegExp) => assert.match(toml, pattern, toml);
  expectLine(/^check_interval_ms = 100 +# default$/m);
  expectLine(new RegExp(`^rotate_wait_ms = 250 +# file ${file}$`, "m"));
  expectLine(/^format = "json" +# file .*logwisp\.toml$/m);
  expectLine(/^port = 9091 +# env LOGWISP_TCPSERVER_PORT$/m);
  expectLine(/^enabled = true +# env LOGWISP_TCPSERVER_ENABLED$/m);
  expectLine(/^port = 0 +# flag --http-port$/m);
  expectLine(/^host = "::1" +# flag --host$/m);
  expectLine(/^follow_symlinks = true +# flag --follow-symlinks$/m);
  expectLine(
    /^cors_origins = \["https:\/\/dash\.example\.com", "http:\/\/127\.0\.0\.2:8000"\] +# env LOGWISP_HTTPSERVER_CORS_ORIGINS$/m,
  );
  expectLine(/^allowed_hosts = \["logs\.lan"\] +# flag --http-allowed-hosts$/m);
  expectLine(
    /^\[\[monitor\.targets\]\] {2}# argument "logs:\*\.txt"\npath = "logs"\npattern = "\*\.txt"\n\n/m,
  );
  expectLine(
    /^\[\[monitor\.targets\]\] {2}# argument "app\.log::true"\npath = "app\.log"\npattern = "\*\.log"\nis_file = true$/m,
  );
});

test("the printed config, read back as the config file, is the same config", async () => {
  const first = await run(mixed);
  const printed = renderConfigToml(first);
  const second = await run({ files: { "printed.toml": printed }, argv: ["--config", "printed.toml"] });
  assert.deepEqual(second.config, first.config);
  // and printing that again changes only the sources
  assert.equal(withoutComments(renderConfigToml(second)), withoutComments(printed));
});

test("env targets name the variable; a target list from the file names the file", async () => {
  const fromEnv = renderConfigToml(await run({ env: { LOGWISP_MONITOR_TARGETS: "a:*.log,b.log" } }));
  assert.equal(fromEnv.match(/^\[\[monitor\.targets\]\] {2}# env LOGWISP_MONITOR_TARGETS$/gm)?.length, 2);
  const fromFile = renderConfigToml(
    await run({
      files: { "x.toml": '[[monitor.targets]]\npath = "/srv"\n' },
      argv: ["--config", "x.toml"],
    }),
  );
  assert.match(fromFile, /^\[\[monitor\.targets\]\] {2}# file \S+x\.toml\npath = "\/srv"$/m);
});

test("a target's own follow_symlinks prints in its table and reads back", async () => {
  const first = await run({
    files: { "x.toml": '[[monitor.targets]]\npath = "/var/log/containers"\nfollow_symlinks = true\n' },
    argv: ["--config", "x.toml"],
  });
  const printed = renderConfigToml(first);
  assert.match(
    printed,
    /^\[\[monitor\.targets\]\] .*\npath = "\/var\/log\/containers"\npattern = "\*\.log"\nfollow_symlinks = true$/m,
  );
  assert.match(printed, /^follow_symlinks = false +# default$/m, "[monitor]'s own stays the default");
  const second = await run({ files: { "printed.toml": printed }, argv: ["--config", "printed.toml"] });
  assert.deepEqual(second.config, first.config);
});

test("[monitor] format from a flag and a target's own format print with their sources and read back", async () => {
  const first = await run({
    files: { "x.toml": '[[monitor.targets]]\npath = "/var/log/nginx"\nformat = "text"\n' },
    argv: ["--config", "x.toml", "--format", "logfmt"],
  });
  const printed = renderConfigToml(first);
  assert.match(printed, /^format = "logfmt" +# flag --format$/m);
  assert.match(
    printed,
    /^\[\[monitor\.targets\]\] .*\npath = "\/var\/log\/nginx"\npattern = "\*\.log"\nformat = "text"$/m,
  );
  const second = await run({ files: { "printed.toml": printed }, argv: ["--config", "printed.toml"] });
  assert.deepEqual(second.config, first.config);
});

test("a key marked secret() prints redacted, whatever its source", () => {
  const schema = v.strictObject({
    auth: v.optional(
      v.strictObject({
        user: v.optional(v.string(), "admin"),
        token: v.optional(v.pipe(v.string(), secret<string>(), v.description("API token")), ""),
      }),
      {},
    ),
  });
  const catalogue = catalogueOf(schema, v.parse(schema, {}));
  assert.deepEqual(
    catalogue.keys.map((spec) => [spec.key, spec.secret]),
    [
      ["auth.user", false],
      ["auth.token", true],
    ],
  );
  const setting = { key: "auth.token", value: "s3cr3t", source: "env", origin: "LOGWISP_AUTH_TOKEN" };
  const toml = renderConfigToml(
    {
      config: { auth: { user: "admin", token: "s3cr3t" } },
      provenance: { ["auth.token" as "monitor.targets"]: setting as Setting },
    },
    catalogue,
  );
  assert.doesNotMatch(toml, /s3cr3t/);
  assert.match(toml, new RegExp(`^token = "${REDACTED}" +# env LOGWISP_AUTH_TOKEN$`, "m"));
  assert.match(toml, /^user = "admin" +# default$/m);
});

test("the tokens and the NATS password are the real schema's secret keys (so only they print redacted)", () => {
  assert.deepEqual(
    CONFIG_KEYS.filter((spec) => spec.secret).map((spec) => spec.key),
    ["auth.token", "nats.token", "nats.password"],
  );
});

test("describeOrigin: a flag is named as typed, a TARGET argument as itself", () => {
  assert.equal(describeOrigin(undefined), "default");
  const flag: Setting = { key: "tcpserver.port", value: 1, source: "flag", origin: "-tcp-port" };
  assert.equal(describeOrigin(flag), "flag -tcp-port");
  const targets: Setting = {
    key: "monitor.targets",
    value: [],
    source: "flag",
    origin: "TARGET arguments",
    itemOrigins: ['argument "a"', 'argument "b"'],
  };
  assert.equal(describeOrigin(targets, 1), 'argument "b"');
});

test("--print-config and --check-config return their request after every check", async () => {
  const { result: checked } = await load({ ...mixed, argv: [...(mixed.argv ?? []), "--check-config"] });
  assert.ok(!(checked instanceof ConfigError) && checked.kind === "check-config");
  assert.match(checked.configFile ?? "", /conf\/logwisp\.toml$/);
  const { result: printed } = await load({ argv: ["-print-config", "--check-config"] });
  assert.ok(!(printed instanceof ConfigError) && printed.kind === "print-config");
  const { result: broken } = await load({
    env: { LOGWISP_HTTPSERVER_PORT: "abc" },
    argv: ["--check-config"],
  });
  assert.ok(broken instanceof ConfigError);
  assert.match(broken.format(), /LOGWISP_HTTPSERVER_PORT/);
  const { result: help } = await load({ argv: ["--print-config", "--help"] });
  assert.ok(!(help instanceof ConfigError) && help.kind === "help");
});
