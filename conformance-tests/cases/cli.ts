// The command line: help, version, flag errors, config errors and the exit codes a script relies on.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { byMessage, httpGet, isListening, openTcp } from "../_harness/clients.ts";
import { CaseSkipped, defineCase } from "../_harness/define.ts";
import { canListenOn, freePort, occupyPort } from "../_harness/ports.ts";
import { type RunResult, runLogwisp, serveArgs, startLogwisp } from "../_harness/process.ts";
import { type RuntimeUnderTest, repoRoot } from "../_harness/runtimes.ts";
import { prepareDir, primeStream, writeConfig } from "../_harness/serve.ts";

const EVERY_FLAG = [
  "--config",
  "--check-interval",
  "--enable-tcp",
  "--tcp-port",
  "--tcp-buffer-size",
  "--enable-http",
  "--disable-http",
  "--http-port",
  "--http-buffer-size",
  "--host",
  "--rotate-wait",
  "--max-line-bytes",
  "--help",
  "--version",
];

function show(result: RunResult): string {
  return `exit ${JSON.stringify({ code: result.code, signal: result.signal })}\n--- stderr ---\n${result.stderr}--- stdout ---\n${result.stdout}`;
}

/** Exit 2, no listener line, and `port` (which the run would have bound) still refuses connections. */
async function assertRejectedConfig(result: RunResult, unboundPort: number): Promise<void> {
  assert.equal(result.code, 2, `expected exit code 2\n${show(result)}`);
  assert.doesNotMatch(
    result.stderr,
    /listening on/,
    `nothing may listen after a config error\n${show(result)}`,
  );
  assert.doesNotMatch(result.stderr, /ready, following/, show(result));
  assert.equal(await isListening(unboundPort), false, `port ${unboundPort} must stay closed`);
  for (const line of result.stderr.split("\n").filter((text) => text.trim() !== "")) {
    assert.match(line, /^logwisp: /, `every stderr line starts with "logwisp: "\n${show(result)}`);
  }
  assert.doesNotMatch(
    result.stderr,
    /\n\s+at .+:\d+:\d+\)?\n/,
    `no stack trace for a config error\n${show(result)}`,
  );
}

/** Runs with a bad HTTP port from one source while TCP would bind `tcpPort` if start-up went ahead. */
async function runWithTcpOn(
  rt: RuntimeUnderTest,
  tcpPort: number,
  extra: { args?: string[]; env?: Record<string, string>; cwd?: string },
): Promise<RunResult> {
  return runLogwisp(rt, {
    args: ["--host", "127.0.0.1", "--enable-tcp", "--tcp-port", String(tcpPort), ...(extra.args ?? [])],
    ...(extra.env ? { env: extra.env } : {}),
    ...(extra.cwd ? { cwd: extra.cwd } : {}),
  });
}

const EXPECTED_FORM = /expect|must|valid/i;

export const cliCases = [
  defineCase("cli: --help lists every flag and exits 0", async (rt) => {
    const result = await runLogwisp(rt, { args: ["--help"] });
    assert.equal(result.code, 0, show(result));
    for (const flag of EVERY_FLAG) {
      assert.ok(result.stdout.includes(flag), `--help does not mention ${flag}\n${show(result)}`);
    }
    assert.match(result.stdout, /TARGET/, `--help explains TARGET\n${show(result)}`);
    assert.match(result.stdout, /path\[:pattern\[:isfile\]\]/, show(result));
  }),

  defineCase("cli: --version names logwisp, its version and the runtime", async (rt) => {
    const result = await runLogwisp(rt, { args: ["--version"] });
    assert.equal(result.code, 0, show(result));
    const pkg = JSON.parse(await readFile(`${repoRoot}/package.json`, "utf8")) as { version: string };
    const match = result.stdout.trim().match(/^logwisp (\S+) \((\w+) v?(\d+\.\d+\.\d+\S*)\)$/);
    assert.ok(match, `expected "logwisp <version> (<runtime> <runtime version>)"\n${show(result)}`);
    assert.equal(match[1], pkg.version);
    assert.equal(match[2], rt.name);
  }),

  defineCase("cli: unknown flag exits 2 with a hint", async (rt) => {
    const tcpPort = await freePort();
    const result = await runWithTcpOn(rt, tcpPort, { args: ["--http-prot", "0"] });
    await assertRejectedConfig(result, tcpPort);
    assert.match(result.stderr, /--http-prot/, `names the unknown flag\n${show(result)}`);
    assert.match(result.stderr, /--http-port|--help/, `hints at the right flag or --help\n${show(result)}`);
  }),

  defineCase("cli: bad port from a flag exits 2 naming key and flag", async (rt) => {
    const tcpPort = await freePort();
    const result = await runWithTcpOn(rt, tcpPort, { args: ["--http-port", "70000"] });
    await assertRejectedConfig(result, tcpPort);
    assert.match(result.stderr, /httpserver\.port/, show(result));
    assert.match(result.stderr, /flag|--http-port/, show(result));
    assert.match(result.stderr, /70000/, show(result));
    assert.match(result.stderr, EXPECTED_FORM, show(result));
  }),

  defineCase("cli: bad port from env exits 2 naming key and variable", async (rt) => {
    const tcpPort = await freePort();
    const result = await runWithTcpOn(rt, tcpPort, { env: { LOGWISP_HTTPSERVER_PORT: "eighty" } });
    await assertRejectedConfig(result, tcpPort);
    assert.match(result.stderr, /httpserver\.port/, show(result));
    assert.match(result.stderr, /LOGWISP_HTTPSERVER_PORT/, show(result));
    assert.match(result.stderr, EXPECTED_FORM, show(result));
  }),

  defineCase("cli: bad port from the config file exits 2 naming key and file", async (rt) => {
    const tcpPort = await freePort();
    const logs = await prepareDir();
    const config = await writeConfig(logs, "[httpserver]\nport = -1\n");
    const result = await runWithTcpOn(rt, tcpPort, { args: ["--config", config], cwd: logs.path });
    await assertRejectedConfig(result, tcpPort);
    assert.match(result.stderr, /httpserver\.port/, show(result));
    assert.ok(
      result.stderr.includes(config) || /\bfile\b/.test(result.stderr),
      `names the file\n${show(result)}`,
    );
    assert.match(result.stderr, EXPECTED_FORM, show(result));
  }),

  defineCase("cli: every config problem is listed, not just the first", async (rt) => {
    const tcpPort = await freePort();
    const logs = await prepareDir();
    const config = await writeConfig(
      logs,
      "[httpserver]\nport = 123456\n[monitor]\ncheck_intervall_ms = 5\n",
    );
    const result = await runWithTcpOn(rt, tcpPort, {
      args: ["--config", config, "--http-buffer-size", "lots"],
      env: { LOGWISP_TCPSERVER_HEARTBEAT_FORMAT: "xml" },
      cwd: logs.path,
    });
    await assertRejectedConfig(result, tcpPort);
    for (const key of [
      /httpserver\.port/,
      /check_intervall_ms/,
      /httpserver\.buffer_size|--http-buffer-size/,
    ]) {
      assert.match(result.stderr, key, show(result));
    }
    assert.match(
      result.stderr,
      /LOGWISP_TCPSERVER_HEARTBEAT_FORMAT|tcpserver\.heartbeat\.format/,
      show(result),
    );
  }),

  defineCase("cli: malformed TOML exits 2 naming the file", async (rt) => {
    const tcpPort = await freePort();
    const logs = await prepareDir();
    const config = await writeConfig(logs, "[httpserver\nport = = 8080\n");
    const result = await runWithTcpOn(rt, tcpPort, { args: ["--config", config], cwd: logs.path });
    await assertRejectedConfig(result, tcpPort);
    assert.ok(result.stderr.includes(config), `names ${config}\n${show(result)}`);
  }),

  defineCase("cli: missing --config file exits 2 naming it", async (rt) => {
    const tcpPort = await freePort();
    const logs = await prepareDir();
    const missing = logs.file("nowhere/logwisp.toml");
    const result = await runWithTcpOn(rt, tcpPort, { args: ["--config", missing], cwd: logs.path });
    await assertRejectedConfig(result, tcpPort);
    assert.ok(result.stderr.includes(missing), `names ${missing}\n${show(result)}`);
  }),

  defineCase("cli: a port in use is one clear error and a non-zero exit", async (rt) => {
    const taken = await occupyPort();
    const result = await runLogwisp(rt, { args: ["--host", "127.0.0.1", "--http-port", String(taken)] });
    assert.notEqual(result.code, 0, show(result));
    assert.equal(result.signal, null, show(result));
    assert.match(result.stderr, /already in use/, show(result));
    const errorLines = result.stderr.split("\n").filter((line) => /already in use/.test(line));
    assert.equal(errorLines.length, 1, `one line says it\n${show(result)}`);
    assert.ok(errorLines[0]?.includes(String(taken)), `the line names the port\n${show(result)}`);
    assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `no stack trace\n${show(result)}`);
  }),

  defineCase("cli: --enable-http=false --enable-tcp serves TCP only", async (rt) => {
    const logs = await prepareDir();
    const proc = await startLogwisp(rt, {
      cwd: logs.path,
      args: [...serveArgs({ http: false, tcp: true }), "--enable-http=false"],
    });
    assert.doesNotMatch(proc.stderr(), /http server listening/, proc.stderr());
    const client = await openTcp(proc.tcpPort);
    await primeStream(client, logs, "app.log");
    await logs.appendLines("app.log", ["tcp only"]);
    const entry = await client.nextEntry(byMessage("tcp only"));
    assert.equal(entry.source, "app.log");
  }),

  defineCase("cli: an IPv6 --host is logged in brackets and served", async (rt) => {
    if (!(await canListenOn("::1"))) throw new CaseSkipped("this machine has no IPv6 loopback");
    const proc = await startLogwisp(rt, {
      args: ["--host", "::1", "--http-port", "0", "--enable-tcp", "--tcp-port", "0"],
    });
    const http = proc.stderr().match(/^logwisp: http server listening on \[::1\]:(\d+)$/m);
    const tcp = proc.stderr().match(/^logwisp: tcp server listening on \[::1\]:(\d+)$/m);
    assert.ok(http && tcp, proc.stderr());
    const status = await httpGet(`http://[::1]:${http[1]}/status`);
    assert.equal(status.status, 200);
    assert.equal(await isListening(Number(tcp[1]), "::1"), true);
  }),

  defineCase("cli: --disable-http serves TCP only", async (rt) => {
    const logs = await prepareDir();
    const proc = await startLogwisp(rt, {
      cwd: logs.path,
      args: [...serveArgs({ http: false, tcp: true }), "--disable-http"],
    });
    assert.doesNotMatch(proc.stderr(), /http server listening/, proc.stderr());
    assert.match(proc.stderr(), /tcp server listening on 127\.0\.0\.1:\d+/);
  }),
];
