// The package as a user gets it: `npm pack` (which builds), the tarball installed into an empty project,
// and every command the README gives for Node, Bun and Deno run from there: each prints its version and
// hands a line appended to a log file to an SSE client. Neither Docker nor systemd runs here, so the
// Dockerfile and the unit are checked against the package and the CLI instead (test/deploy-files.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { runScoped } from "../conformance-tests/_harness/cleanup.ts";
import { byMessage, httpGet, openSse } from "../conformance-tests/_harness/clients.ts";
import { runLogwisp, startLogwisp } from "../conformance-tests/_harness/process.ts";
import { type RuntimeName, type RuntimeUnderTest, repoRoot } from "../conformance-tests/_harness/runtimes.ts";
import { checkDockerfile, checkUnitFile, healthcheckCommand } from "./deploy-files.ts";

const run = promisify(execFile);
const repoBin = join(repoRoot, "node_modules/.bin");

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

interface PackResult {
  readonly filename: string;
  readonly version: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

let work = "";
let project = "";
let packed: PackResult;

/** A command run in the installed project, as the README writes it: `cmd` is looked up on PATH. */
function installed(name: RuntimeName, cmd: string, args: readonly string[]): RuntimeUnderTest {
  // Bun and Deno come from this repo's devDependencies: put them on PATH as a user's install would.
  const onPath = ["bun", "bunx", "deno"].includes(cmd) ? join(repoBin, cmd) : cmd;
  return { name, command: (cliArgs) => ({ cmd: onPath, args: [...args, ...cliArgs] }) };
}

/** The README's commands. The wrappers (npx, bunx) fork the CLI, so only their --version is run. */
const commands: readonly {
  readonly readme: string;
  readonly rt: RuntimeUnderTest;
  readonly serve: boolean;
}[] = [
  { readme: "npx logwisp", rt: installed("node", "npx", ["logwisp"]), serve: false },
  {
    readme: "node_modules/.bin/logwisp",
    rt: installed("node", "node_modules/.bin/logwisp", []),
    serve: true,
  },
  { readme: "bunx --bun logwisp", rt: installed("bun", "bunx", ["--bun", "logwisp"]), serve: false },
  {
    readme: "bun --bun node_modules/.bin/logwisp",
    rt: installed("bun", "bun", ["--bun", "node_modules/.bin/logwisp"]),
    serve: true,
  },
  {
    readme: "deno run -A npm:logwisp",
    rt: installed("deno", "deno", ["run", "-A", "npm:logwisp"]),
    serve: true,
  },
  {
    readme: "deno run --allow-read --allow-write --allow-net --allow-env node_modules/logwisp/dist/cli.js",
    rt: installed("deno", "deno", [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "node_modules/logwisp/dist/cli.js",
    ]),
    serve: true,
  },
];

before(async () => {
  work = await mkdtemp(join(tmpdir(), "logwisp-packaging-"));
  // npm pack runs prepack (a clean build); with --json the scripts' output goes to stderr.
  const pack = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: repoRoot });
  const results = JSON.parse(pack.stdout) as PackResult[];
  packed = results[0] as PackResult;
  project = join(work, "project");
  await mkdir(project);
  await writeFile(join(project, "package.json"), '{ "name": "logwisp-user", "private": true }\n');
  const tarball = join(work, packed.filename);
  await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: project,
    env: { ...process.env, npm_config_loglevel: "error" },
  });
});

after(async () => {
  if (work !== "") await rm(work, { recursive: true, force: true, maxRetries: 3 });
});

describe("the tarball", () => {
  test("holds compiled JS (no declarations: the interface is the command, no test helpers), the live view, README, LICENSE and package.json, and nothing else", () => {
    const paths = packed.files.map((file) => file.path).sort();
    for (const path of paths) {
      assert.match(
        path,
        /^(package\.json|README\.md|LICENSE|dist\/(?!.*\/_testing\/).+(?<!\.test)\.js|dist\/web\/page\.html)$/,
        path,
      );
    }
    for (const path of [
      "LICENSE",
      "README.md",
      "dist/cli.js",
      "dist/adapters/node/index.js",
      "dist/adapters/bun/index.js",
      "dist/adapters/deno/index.js",
      "dist/core/config/print.js",
      "dist/web/page.html",
      "dist/web/app.js",
    ]) {
      assert.ok(paths.includes(path), `${path} is missing from ${paths.join(", ")}`);
    }
    // 211 KB gzipped with NATS, state and reload (README 140 KB of text, the compiled core and the page);
    // a stray file (a log, a build cache, a screenshot) would add far more
    assert.ok(packed.size < 260_000, `packed size ${packed.size} bytes: something large slipped in`);
  });

  test("package.json: bin logwisp is dist/cli.js with a node shebang; the license is BSD-3-Clause", async () => {
    const root = join(project, "node_modules/logwisp");
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(pkg.bin, { logwisp: "dist/cli.js" });
    assert.equal(pkg.license, "BSD-3-Clause");
    assert.match(await readFile(join(root, "LICENSE"), "utf8"), /BSD 3-Clause License/);
    const cli = await readFile(join(root, "dist/cli.js"), "utf8");
    assert.ok(cli.startsWith("#!/usr/bin/env node\n"), cli.slice(0, 80));
  });

  test("compiled code imports no .ts file (static or dynamic)", async () => {
    const root = join(project, "node_modules/logwisp");
    for (const file of packed.files.filter((each) => each.path.endsWith(".js"))) {
      const code = await readFile(join(root, file.path), "utf8");
      assert.doesNotMatch(code, /(from|import\()\s*["'][^"']+\.ts["']/, `${file.path} imports TypeScript`);
    }
  });
});

describe("each README command, from the installed package", () => {
  for (const { readme, rt, serve } of commands) {
    test(`${readme} --version names the package version and ${rt.name}`, async () => {
      await runScoped(
        async () => {
          // HOME stays the user's: npx and bunx keep their caches there.
          const result = await runLogwisp(rt, {
            cwd: project,
            args: ["--version"],
            env: { HOME: homedir() },
          });
          assert.equal(result.code, 0, `${result.stderr}${result.stdout}`);
          const version = `logwisp ${packed.version} (${rt.name} `;
          assert.ok(result.stdout.startsWith(version), `expected "${version}…", got ${result.stdout}`);
        },
        30_000,
        readme,
      );
    });
    if (!serve) continue;
    test(`${readme} follows a log file and streams its new line over SSE`, async () => {
      await runScoped(() => followOneLine(rt, readme), 30_000, readme);
    });
  }
});

/** Starts the CLI in the project, appends one line to a *.log file, and reads it back from GET /stream. */
async function followOneLine(rt: RuntimeUnderTest, readme: string): Promise<void> {
  const logs = await mkdtemp(join(work, "logs-"));
  await writeFile(join(logs, "app.log"), "");
  const proc = await startLogwisp(rt, {
    cwd: project,
    args: ["--host", "127.0.0.1", "--http-port", "0", "--check-interval", "20", `${logs}:*.log`],
    // HOME is the temp dir (no ~/.config/logwisp.toml of the user's); Deno keeps its cache.
    env: { HOME: logs, DENO_DIR: process.env.DENO_DIR ?? join(homedir(), ".cache/deno") },
    readyTimeoutMs: 20_000,
  });
  const client = await openSse(`${proc.httpUrl}/stream`);
  await client.events.next((event) => event.event === "connected", undefined, "the connected event");
  const line = `hello from ${readme}`;
  await writeFile(join(logs, "app.log"), `${line}\n`, { flag: "a" });
  const entry = await client.nextEntry(byMessage(line), 10_000);
  assert.equal(entry.source, "app.log");
  // the live view comes with the package: the page and its script, from dist/web
  const page = await httpGet(`${proc.httpUrl}/`);
  assert.equal(page.status, 200, page.body.slice(0, 300));
  assert.match(page.body, /<script src="app\.js">/);
  assert.equal((await httpGet(`${proc.httpUrl}/app.js`)).status, 200);
  // The Dockerfile's HEALTHCHECK, against a live server and then, once it stopped, a closed port.
  const port = String(proc.httpPort);
  if (rt.name === "node") assert.equal(await healthcheckCommand({ LOGWISP_HTTPSERVER_PORT: port }), 0);
  client.close();
  const exit = await proc.stop();
  if (rt.name === "node") assert.equal(await healthcheckCommand({ LOGWISP_HTTPSERVER_PORT: port }), 1);
  assert.equal(exit.code, 0, `SIGTERM ends it cleanly\n${proc.stderr()}`);
}

describe("deployment files", () => {
  test("the Dockerfile copies what exists and runs what the package ships", async () => {
    const cli = installed("node", "node_modules/.bin/logwisp", []);
    await runScoped(() => checkDockerfile(packed.files, cli, project), 30_000, "Dockerfile");
  });

  test("deploy/logwisp.service names real flags and variables, and its command line checks out", async () => {
    const cli = installed("node", "node_modules/.bin/logwisp", []);
    await runScoped(() => checkUnitFile(cli, project), 30_000, "logwisp.service");
  });
});
