// Checks of the Dockerfile and deploy/logwisp.service, which cannot run here (no Docker engine, no
// systemd as PID 1): what they copy exists and is shipped, what they run is the packed CLI, and the flags,
// variables and targets they pass are ones logwisp accepts (it is run with them and --check-config).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { runLogwisp } from "../conformance-tests/_harness/process.ts";
import { type RuntimeUnderTest, repoRoot } from "../conformance-tests/_harness/runtimes.ts";
import { CONFIG_DIR_ENV, CONFIG_FILE_ENV } from "../src/core/config/env.ts";
import { findFlag } from "../src/core/config/flags.ts";
import { CONFIG_KEYS, keySpec } from "../src/core/config/keys.ts";

interface Instruction {
  readonly stage: number;
  readonly name: string;
  readonly args: string;
}

/** Dockerfile instructions, continuation lines joined and comments dropped; stage 0 is the first FROM. */
export async function readDockerfile(): Promise<Instruction[]> {
  const text = await readFile(join(repoRoot, "Dockerfile"), "utf8");
  const logical = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replaceAll(/\\\n/g, " ");
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const line of logical.split("\n").map((each) => each.trim())) {
    if (line === "") continue;
    const [name = "", ...rest] = line.split(/\s+/);
    if (name.toUpperCase() === "FROM") stage += 1;
    instructions.push({ stage, name: name.toUpperCase(), args: rest.join(" ") });
  }
  return instructions;
}

function only(instructions: readonly Instruction[], name: string, stage?: number): Instruction[] {
  return instructions.filter((each) => each.name === name && (stage === undefined || each.stage === stage));
}

function jsonArgs(instruction: Instruction | undefined, prefix = ""): string[] {
  assert.ok(instruction, "instruction missing");
  const text = instruction.args.slice(prefix.length).trim();
  assert.ok(text.startsWith("["), `${instruction.name} should use the JSON (exec) form: ${instruction.args}`);
  return JSON.parse(text) as string[];
}

/** Runs the Dockerfile's HEALTHCHECK command with this node and `env`; resolves with its exit code. */
export async function healthcheckCommand(env: Record<string, string>): Promise<number | null> {
  const [check] = only(await readDockerfile(), "HEALTHCHECK");
  const command = jsonArgs(check, check?.args.slice(0, check.args.indexOf("CMD ") + 4));
  assert.equal(command[0], "node", "the healthcheck uses node (the slim image has no curl)");
  const child = spawn(process.execPath, command.slice(1), {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await new Promise<number | null>((resolve) =>
    child.once("exit", (exitCode) => resolve(exitCode)),
  );
  clearTimeout(timer);
  return code;
}

async function dockerignore(): Promise<string[]> {
  const text = await readFile(join(repoRoot, ".dockerignore"), "utf8");
  return text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

/** Runs the packed CLI with --check-config and these arguments and variables: it must say config OK. */
async function assertConfigOk(cli: RuntimeUnderTest, cwd: string, args: string[], env = {}): Promise<void> {
  const result = await runLogwisp(cli, { cwd, args: ["--check-config", ...args], env });
  assert.equal(result.code, 0, `${JSON.stringify(args)} ${JSON.stringify(env)}:\n${result.stderr}`);
  assert.match(result.stdout, /^config OK/);
}

export async function checkDockerfile(
  packed: readonly { readonly path: string }[],
  cli: RuntimeUnderTest,
  project: string,
): Promise<void> {
  const instructions = await readDockerfile();
  const froms = only(instructions, "FROM");
  assert.equal(froms.length, 2, "two stages: build and runtime");
  for (const from of froms) assert.match(from.args, /^node:20[-.\w]*( AS \w+)?$/i, from.args);
  const runtime = froms.length - 1;

  // Build stage: every file it copies exists and is not dockerignored; together they are all `npm pack` needs.
  const ignored = await dockerignore();
  const copied = only(instructions, "COPY", 0).flatMap((copy) => copy.args.split(/\s+/).slice(0, -1));
  for (const path of copied) {
    await stat(join(repoRoot, path));
    assert.ok(!ignored.includes(path), `${path} is copied but .dockerignore leaves it out`);
  }
  const build = JSON.parse(await readFile(join(repoRoot, "tsconfig.build.json"), "utf8")) as {
    extends: string;
  };
  const needed = [
    "package.json",
    "package-lock.json",
    "tsconfig.build.json",
    posix.normalize(build.extends),
    "src",
  ];
  const shippedAsIs = packed.map((file) => file.path).filter((path) => !path.startsWith("dist/"));
  for (const path of [...needed, ...shippedAsIs])
    assert.ok(copied.includes(path), `the build stage needs ${path}`);
  for (const path of ["node_modules", "dist", ".git"])
    assert.ok(ignored.includes(path), `.dockerignore ${path}`);
  assert.ok(
    only(instructions, "RUN", 0).some((run) => /\bnpm pack\b/.test(run.args)),
    "the build stage packs",
  );

  // Runtime stage: the packed tarball installed into WORKDIR, its bin run by node, as a user other than root.
  const workdir = only(instructions, "WORKDIR", runtime).at(-1)?.args;
  assert.ok(
    only(instructions, "RUN", runtime).some((run) => /npm install --omit=dev .*\.tgz/.test(run.args)),
  );
  const entrypoint = jsonArgs(only(instructions, "ENTRYPOINT", runtime)[0]);
  const installedAt = `${workdir}/node_modules/logwisp/`;
  assert.equal(entrypoint[0], "node");
  const entryPath = entrypoint[1] ?? "";
  assert.ok(entryPath.startsWith(installedAt), `${entryPath} is not inside ${installedAt}`);
  const entry = entryPath.slice(installedAt.length);
  assert.ok(
    packed.some((file) => file.path === entry),
    `${entry} is not in the package`,
  );
  const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
    bin: { logwisp: string };
  };
  assert.equal(entry, pkg.bin.logwisp);
  const user = only(instructions, "USER", runtime).at(-1)?.args;
  assert.ok(user !== undefined && !["root", "0"].includes(user), `runs as ${user ?? "root"}`);

  // Ports are logwisp's defaults; the default command follows the read-only volume and is a valid config.
  const exposed = only(instructions, "EXPOSE", runtime).flatMap((each) => each.args.split(/\s+/));
  const defaults = [keySpec("httpserver.port").defaultValue, keySpec("tcpserver.port").defaultValue];
  assert.deepEqual(exposed.map(Number).sort(), defaults.map(Number).sort());
  const cmd = jsonArgs(only(instructions, "CMD", runtime).at(-1));
  const volumes = only(instructions, "VOLUME", runtime).flatMap((each) => JSON.parse(each.args) as string[]);
  const targets = cmd.filter((arg) => !arg.startsWith("-"));
  assert.ok(
    targets.length > 0 && targets.every((target) => volumes.some((dir) => target.startsWith(`${dir}:`))),
  );
  await assertConfigOk(cli, project, cmd);
}

/** `[Service]` directives of the unit, in order, as [name, value]. */
async function readUnit(): Promise<[string, string][]> {
  const text = await readFile(join(repoRoot, "deploy/logwisp.service"), "utf8");
  return text
    .split("\n")
    .filter((line) => /^\w+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
}

export async function checkUnitFile(cli: RuntimeUnderTest, project: string): Promise<void> {
  const directives = await readUnit();
  const value = (name: string): string | undefined => directives.find(([key]) => key === name)?.[1];
  const sandbox: Record<string, string> = {
    DynamicUser: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    NoNewPrivileges: "yes",
    ReadOnlyPaths: "/var/log",
    Restart: "always",
  };
  for (const [name, expected] of Object.entries(sandbox)) assert.equal(value(name), expected, name);

  const known = new Set([...CONFIG_KEYS.map((spec) => spec.env), CONFIG_FILE_ENV, CONFIG_DIR_ENV]);
  const env: Record<string, string> = {};
  for (const [, text] of directives.filter(([name]) => name === "Environment")) {
    const [name = "", setting = ""] = /^"?([^=]+)=(.*?)"?$/.exec(text)?.slice(1) ?? [];
    assert.ok(known.has(name), `Environment=${text}: logwisp has no variable ${name}`);
    env[name] = setting;
  }
  assert.ok(Object.keys(env).length > 0, "the unit sets logwisp's ports through the environment");

  const [env0, bin, ...args] = (value("ExecStart") ?? "").split(/\s+/);
  assert.deepEqual([env0, bin], ["/usr/bin/env", "logwisp"]);
  for (const flag of args.filter((arg) => arg.startsWith("-"))) {
    assert.ok(findFlag(flag.replace(/^--?/, "").split("=")[0] ?? ""), `logwisp has no flag ${flag}`);
  }
  const readOnly = (value("ReadOnlyPaths") ?? "").split(/\s+/);
  for (const target of args.filter((arg) => !arg.startsWith("-"))) {
    const path = target.split(":")[0] ?? "";
    assert.ok(
      readOnly.some((dir) => path === dir || path.startsWith(`${dir}/`)),
      `${path} not in ReadOnlyPaths`,
    );
  }
  await assertConfigOk(cli, project, args, env);
  await verifyWithSystemd();
}

/** `systemd-analyze verify` where it exists: it prints (and ignores) directives it cannot parse. */
async function verifyWithSystemd(): Promise<void> {
  let stderr: string;
  try {
    ({ stderr } = await promisify(execFile)("systemd-analyze", ["verify", "deploy/logwisp.service"], {
      cwd: repoRoot,
    }));
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: string };
    if (failure.code === "ENOENT") return;
    assert.fail(`systemd-analyze verify failed: ${failure.stderr ?? String(error)}`);
  }
  const ours = stderr.split("\n").filter((line) => line.includes("logwisp.service"));
  assert.deepEqual(ours, [], stderr);
}
