// The config file: which one, reading it (TOML via c12), and turning its tables into Settings.
import type { Runtime } from "../runtime.ts";
import type { ConfigIssue, ConfigSource } from "./errors.ts";
import { CONFIG_KEYS, CONFIG_SECTIONS, findKey } from "./keys.ts";
import type { Setting } from "./merge.ts";
import { closestName } from "./suggest.ts";

export type ConfigRuntime = Pick<Runtime, "fs" | "env" | "cwd" | "homeDir" | "resolvePath" | "joinPath">;

export const CONFIG_FILE_NAME = "logwisp.toml";

export interface ConfigFileChoice {
  readonly path: string;
  /** Who named it, for error lines: the --config flag, LOGWISP_CONFIG_FILE/DIR, or the default location. */
  readonly namedBy: ConfigSource;
  readonly origin: string;
  /** A file someone named must exist; the default ~/.config/logwisp.toml is used only when present. */
  readonly required: boolean;
}

export interface ConfigFileRequest {
  readonly flag?: string;
  readonly envFile?: string;
  readonly envDir?: string;
}

/**
 * --config FILE (relative to cwd), else LOGWISP_CONFIG_FILE (relative to LOGWISP_CONFIG_DIR when set, else
 * cwd), else LOGWISP_CONFIG_DIR/logwisp.toml, else ~/.config/logwisp.toml if it exists.
 */
export function chooseConfigFile(
  runtime: ConfigRuntime,
  request: ConfigFileRequest,
): ConfigFileChoice | undefined {
  const dir = request.envDir === undefined ? undefined : runtime.resolvePath(request.envDir);
  if (request.flag !== undefined) {
    return { path: runtime.resolvePath(request.flag), namedBy: "flag", origin: "--config", required: true };
  }
  if (request.envFile !== undefined) {
    const path = runtime.resolvePath(request.envFile, dir);
    return { path, namedBy: "env", origin: "LOGWISP_CONFIG_FILE", required: true };
  }
  if (dir !== undefined) {
    const path = runtime.joinPath(dir, CONFIG_FILE_NAME);
    return { path, namedBy: "env", origin: "LOGWISP_CONFIG_DIR", required: true };
  }
  if (runtime.homeDir === undefined) return undefined;
  const path = runtime.joinPath(runtime.homeDir, ".config", CONFIG_FILE_NAME);
  return { path, namedBy: "default", origin: path, required: false };
}

export interface ConfigFileReading {
  readonly settings: Setting[];
  readonly issues: ConfigIssue[];
  /** The file that supplied settings, if one was read. */
  readonly loadedPath?: string;
}

function fileIssue(choice: ConfigFileChoice, expected: string): ConfigFileReading {
  const issue: ConfigIssue = {
    key: "config file",
    source: choice.namedBy,
    origin: choice.origin,
    value: choice.path,
    expected,
  };
  return { settings: [], issues: [issue] };
}

/** Checks the path itself; undefined when it is a regular file. */
async function checkPath(
  runtime: ConfigRuntime,
  choice: ConfigFileChoice,
): Promise<ConfigFileReading | undefined> {
  try {
    const stat = await runtime.fs.stat(choice.path);
    if (stat === undefined)
      return choice.required ? fileIssue(choice, "an existing file") : { settings: [], issues: [] };
    if (stat.kind !== "file") return fileIssue(choice, `a regular file, not a ${stat.kind}`);
  } catch (error) {
    return fileIssue(choice, `a readable file (${describeError(error)})`);
  }
  // c12 picks its parser by extension and imports anything else (.js, .ts, unknown) as code through jiti;
  // logwisp's config format is TOML only, so other names are refused rather than executed.
  if (!choice.path.toLowerCase().endsWith(".toml")) return fileIssue(choice, "a TOML file named *.toml");
  return undefined;
}

function describeError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const message = "message" in error && typeof error.message === "string" ? error.message : String(error);
  // The TOML parser's message is "Invalid TOML document: <what>\n\n<code excerpt>"; keep the first line.
  const what = message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? message;
  const line = "line" in error && typeof error.line === "number" ? error.line : undefined;
  const column = "column" in error && typeof error.column === "number" ? error.column : undefined;
  return line === undefined
    ? what
    : `line ${line}${column === undefined ? "" : `, column ${column}`}: ${what}`;
}

/** Reads and parses the chosen file; a missing optional file gives no settings and no issues. */
export async function readConfigFile(
  runtime: ConfigRuntime,
  choice: ConfigFileChoice,
): Promise<ConfigFileReading> {
  const problem = await checkPath(runtime, choice);
  if (problem !== undefined) return problem;
  let table: Record<string, unknown>;
  try {
    // Only this one file: no rc files, .env, package.json, global rc, `extends` (which may fetch from the
    // network), NODE_ENV-specific sections or remote sources. c12 reads the file with node:fs itself,
    // which Bun and Deno both provide.
    // imported on first use: c12 pulls in jiti and dotenv, which read the environment at import time, and
    // --help, --version and runs without a config file should need neither them nor their permissions
    const { loadConfig: loadWithC12 } = await import("c12");
    const loaded = await loadWithC12<Record<string, unknown>>({
      configFile: choice.path,
      cwd: runtime.cwd,
      rcFile: false,
      dotenv: false,
      packageJson: false,
      globalRc: false,
      extend: false,
      envName: false,
      giget: false,
    });
    table = loaded.config;
  } catch (error) {
    const issue: ConfigIssue = {
      key: "config file",
      source: "file",
      origin: choice.path,
      expected: `valid TOML (${describeError(error)})`,
    };
    return { settings: [], issues: [issue] };
  }
  const reading: { settings: Setting[]; issues: ConfigIssue[] } = { settings: [], issues: [] };
  flattenTable(table, "", choice.path, reading);
  return { ...reading, loadedPath: choice.path };
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function childNames(prefix: string): string[] {
  const paths = [...CONFIG_SECTIONS, ...CONFIG_KEYS.map((spec) => spec.key)];
  const start = prefix === "" ? "" : `${prefix}.`;
  return paths
    .filter((path) => path.startsWith(start) && !path.slice(start.length).includes("."))
    .map((path) => path.slice(start.length));
}

/**
 * One Setting per known key found in the file. Unknown names are reported (they are most likely typos);
 * relative target paths are kept as written and so stay relative to the process cwd, not to the file.
 */
export function flattenTable(
  table: Record<string, unknown>,
  prefix: string,
  origin: string,
  out: { settings: Setting[]; issues: ConfigIssue[] },
): void {
  for (const [name, value] of Object.entries(table)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    const spec = findKey(path);
    if (spec !== undefined) {
      out.settings.push({ key: spec.key, value, source: "file", origin });
    } else if (!CONFIG_SECTIONS.has(path)) {
      const sibling = closestName(name, childNames(prefix));
      const hint =
        sibling === undefined ? "" : `; did you mean ${prefix === "" ? sibling : `${prefix}.${sibling}`}?`;
      out.issues.push({
        key: path,
        source: "file",
        origin,
        value,
        problem: "unknown",
        expected: `a known key${hint}`,
      });
    } else if (isTable(value)) {
      flattenTable(value, path, origin, out);
    } else {
      out.issues.push({ key: path, source: "file", origin, value, expected: "a table" });
    }
  }
}
