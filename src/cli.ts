#!/usr/bin/env node
// Entry point: pick the adapter for the runtime we run on, read the config, run the service.
// Exit codes: 0 after a clean stop, 1 when the service cannot start (port in use), 2 for bad input
// (config, or a certificate and key the runtime refuses).

import { ConfigError } from "./core/config/errors.ts";
import { loadConfig } from "./core/config/load.ts";
import { renderConfigToml } from "./core/config/print.ts";
import { NatsAuthError } from "./core/nats-port.ts";
import { AddressInUseError, type Runtime, TlsSetupError } from "./core/runtime.ts";
import { type LiveViewFiles, liveViewFiles } from "./core/serve/live-view.ts";
import { Service } from "./core/service.ts";
import { VERSION } from "./version.ts";

async function loadRuntime(): Promise<Runtime> {
  const runtimeGlobals = globalThis as { Bun?: unknown; Deno?: unknown };
  if (runtimeGlobals.Bun !== undefined) return (await import("./adapters/bun/index.ts")).createBunRuntime();
  if (runtimeGlobals.Deno !== undefined)
    return (await import("./adapters/deno/index.ts")).createDenoRuntime();
  return (await import("./adapters/node/index.ts")).createNodeRuntime();
}

/**
 * The live view as built by `npm run build:web`: dist/web. In the package this module is dist/cli.js and
 * in a checkout src/cli.ts, so "../dist/web/" names the right folder in both.
 */
function builtLiveView(runtime: Runtime): LiveViewFiles {
  const dir = decodeURIComponent(new URL("../dist/web/", import.meta.url).pathname);
  return liveViewFiles((name) => runtime.fs.readText(runtime.joinPath(dir, name)), dir);
}

async function main(argv: readonly string[]): Promise<void> {
  const runtime: Runtime = await loadRuntime();
  let request: Awaited<ReturnType<typeof loadConfig>>;
  try {
    request = await loadConfig(runtime, argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.format().split("\n")) runtime.log(line);
    runtime.exit(2);
  }
  if (request.kind === "help") {
    runtime.print(request.text);
    runtime.exit(0);
  }
  if (request.kind === "version") {
    runtime.print(`logwisp ${VERSION} (${runtime.name} ${runtime.version})\n`);
    runtime.exit(0);
  }
  // Neither report starts the service: they answer from the checked config and exit.
  if (request.kind === "print-config") {
    runtime.print(renderConfigToml(request));
    runtime.exit(0);
  }
  if (request.kind === "check-config") {
    runtime.print(`config OK (${request.configFile ? `file ${request.configFile}` : "no config file"})\n`);
    runtime.exit(0);
  }
  const service = new Service(runtime, request.config, VERSION, {
    tls: request.tls,
    liveView: builtLiveView(runtime),
  });
  let signals = 0;
  runtime.onSignal((signal) => {
    signals++;
    if (signals > 1) runtime.exit(130);
    runtime.log(`${signal}: shutting down (send it again to exit at once)`);
    void service.stop().then(() => runtime.exit(0));
  });
  if (request.configFile) runtime.log(`config file ${request.configFile}`);
  try {
    await service.start();
  } catch (error) {
    if (error instanceof AddressInUseError) {
      runtime.log(`cannot start: ${error.message} (choose another port or stop what uses it)`);
      runtime.exit(1);
    }
    // bad input like any config error, though only the runtime can tell (after a server was created)
    if (error instanceof TlsSetupError) {
      runtime.log(`cannot start: ${error.message}`);
      runtime.exit(2);
    }
    // credentials do not get better by retrying: say which server refused them, and stop
    if (error instanceof NatsAuthError) {
      runtime.log(`cannot start: ${error.message}`);
      runtime.exit(1);
    }
    throw error;
  }
}

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
main(args).catch((error: unknown) => {
  console.error(`logwisp: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
