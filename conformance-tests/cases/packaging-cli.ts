// --print-config and --check-config through the real CLI: they report on the merged config and exit, and
// neither ever listens.
import assert from "node:assert/strict";
import { isListening } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { freePort } from "../_harness/ports.ts";
import { type RunResult, runLogwisp } from "../_harness/process.ts";
import { prepareDir, writeConfig } from "../_harness/serve.ts";

function show(result: RunResult): string {
  return `exit ${JSON.stringify({ code: result.code, signal: result.signal })}\n--- stderr ---\n${result.stderr}--- stdout ---\n${result.stdout}`;
}

/** The TOML without comments: what the values are, not where they came from. */
function values(toml: string): string {
  return toml.replace(/^#.*\n/gm, "").replace(/ +#.*$/gm, "");
}

const FILE_TOML = '[monitor]\nrotate_wait_ms = 250\n\n[httpserver.heartbeat]\nformat = "json"\n';

export const packagingCliCases = [
  defineCase(
    "cli: --check-config prints one 'config OK' line naming the file, and never listens",
    async (rt) => {
      const logs = await prepareDir();
      const config = await writeConfig(logs, FILE_TOML);
      const [httpPort, tcpPort] = [await freePort(), await freePort()];
      const result = await runLogwisp(rt, {
        cwd: logs.path,
        args: ["--check-config", "--config", config, "--host", "127.0.0.1", "--http-port", String(httpPort)],
        env: { LOGWISP_TCPSERVER_ENABLED: "true", LOGWISP_TCPSERVER_PORT: String(tcpPort) },
      });
      assert.equal(result.code, 0, show(result));
      assert.equal(result.stdout, `config OK (file ${config})\n`, show(result));
      assert.doesNotMatch(result.stderr, /listening|ready/, show(result));
      assert.equal(await isListening(httpPort), false, `http port ${httpPort} must stay closed`);
      assert.equal(await isListening(tcpPort), false, `tcp port ${tcpPort} must stay closed`);
    },
  ),

  defineCase("cli: --check-config without a config file says so", async (rt) => {
    const result = await runLogwisp(rt, { args: ["--check-config"] });
    assert.equal(result.code, 0, show(result));
    assert.equal(result.stdout, "config OK (no config file)\n", show(result));
  }),

  defineCase("cli: --check-config exits 2 with every problem, from file, env and flags", async (rt) => {
    const logs = await prepareDir();
    const config = await writeConfig(logs, "[httpserver]\nport = -1\n");
    const result = await runLogwisp(rt, {
      cwd: logs.path,
      args: ["--check-config", "--config", config, "--tcp-buffer-size", "lots"],
      env: { LOGWISP_MONITOR_CHECK_INTERVAL_MS: "1" },
    });
    assert.equal(result.code, 2, show(result));
    assert.doesNotMatch(result.stdout, /config OK/, show(result));
    const lines = result.stderr.split("\n").filter((line) => line !== "");
    assert.equal(lines.length, 3, show(result));
    for (const line of lines) assert.match(line, /^logwisp: invalid .* expected /, show(result));
    assert.match(result.stderr, new RegExp(`httpserver\\.port from file ${config}`), show(result));
    assert.match(result.stderr, /monitor\.check_interval_ms from env LOGWISP_MONITOR_CHECK_INTERVAL_MS/);
    assert.match(result.stderr, /tcpserver\.buffer_size from flag --tcp-buffer-size/, show(result));
  }),

  defineCase(
    "cli: --print-config shows each value and its source, and reads back as a config file",
    async (rt) => {
      const logs = await prepareDir();
      const config = await writeConfig(logs, FILE_TOML);
      const httpPort = await freePort();
      const result = await runLogwisp(rt, {
        cwd: logs.path,
        args: [
          "--config",
          config,
          "--print-config",
          "--http-port",
          String(httpPort),
          "--host=127.0.0.1",
          "app.log::true",
        ],
        env: { LOGWISP_TCPSERVER_PORT: "9191" },
      });
      assert.equal(result.code, 0, show(result));
      assert.equal(result.stderr, "", show(result));
      assert.equal(await isListening(httpPort, "127.0.0.1"), false, `port ${httpPort} must stay closed`);
      const printed = result.stdout;
      for (const line of [
        `# config file: ${config}`,
        "check_interval_ms = 100",
        "port = 9191",
        `port = ${httpPort}`,
        '[[monitor.targets]]  # argument "app.log::true"',
        'format = "json"',
      ]) {
        assert.ok(printed.includes(line), `expected ${JSON.stringify(line)} in\n${printed}`);
      }
      assert.ok(printed.includes(`# file ${config}\n`), printed);
      assert.match(printed, /^rotate_wait_ms = 250 +# file \S+logwisp\.toml$/m, printed);
      assert.match(printed, /^port = 9191 +# env LOGWISP_TCPSERVER_PORT$/m, printed);
      assert.match(printed, new RegExp(`^port = ${httpPort} +# flag --http-port$`, "m"), printed);
      assert.match(printed, /^host = "127\.0\.0\.1" +# flag --host$/m, printed);
      assert.match(printed, /^check_interval_ms = 100 +# default$/m, printed);

      // The output as the only source: the same values, now all from that file.
      const saved = await writeConfig(logs, printed, "printed.toml");
      const again = await runLogwisp(rt, { cwd: logs.path, args: ["--config", saved, "--print-config"] });
      assert.equal(again.code, 0, show(again));
      assert.equal(values(again.stdout), values(printed));
      for (const line of again.stdout.split("\n").filter((text) => / = .*#/.test(text))) {
        assert.ok(line.endsWith(`# file ${saved}`), `every set value now comes from ${saved}: ${line}`);
      }
    },
  ),
];
