// `--help`, generated from the flag table and the schema so a default or a name cannot drift from the code.
import { CONFIG_DIR_ENV, CONFIG_FILE_ENV } from "./env.ts";
import { FLAGS, type FlagSpec, flagHelp, flagUsage } from "./flags.ts";
import { CONFIG_KEYS, keySpec } from "./keys.ts";
import { TARGET_SYNTAX } from "./target.ts";

function formatDefault(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function flagDefault(flag: FlagSpec): string {
  if (flag.action.kind !== "set" || flag.action.invert) return "";
  const fallback = keySpec(flag.action.keys[0]).defaultValue;
  if (fallback === undefined) return "";
  return ` (default: ${formatDefault(keySpec(flag.action.keys[0]).defaultValue)})`;
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

function formatTarget(target: { path?: unknown; pattern?: unknown }): string {
  return `${String(target.path)}:${String(target.pattern)}`;
}

export function renderHelp(): string {
  const flagRows = FLAGS.map((flag) => [flagUsage(flag), flagHelp(flag) + flagDefault(flag)] as const);
  const targets = keySpec("monitor.targets");
  const defaultTargets = Array.isArray(targets.defaultValue) ? targets.defaultValue : [];
  const envRows = CONFIG_KEYS.map((spec) => [spec.env, spec.key] as const);
  return [
    "logwisp - follow log files and stream each new line as JSON over TCP and HTTP/SSE",
    "",
    "Usage: logwisp [OPTIONS] [TARGET...]",
    "",
    "Options (-flag and --flag both work; values as --flag VALUE or --flag=VALUE):",
    ...columns(flagRows),
    "",
    "TARGET:",
    ...columns([
      [TARGET_SYNTAX, `Path to monitor; targets given here replace those from the file and env`],
      ["  pattern", "glob pattern for directories (default: *.log)"],
      ["  isfile", "true/false (auto-detected if omitted)"],
      ["  default", defaultTargets.map(formatTarget).join(", ")],
    ]),
    "",
    "Environment (lists are comma-separated: LOGWISP_MONITOR_TARGETS takes TARGET,TARGET,...):",
    ...columns([
      ...envRows,
      [CONFIG_FILE_ENV, "config file path (relative to LOGWISP_CONFIG_DIR if set)"],
      [CONFIG_DIR_ENV, "directory of the config file (default file name: logwisp.toml)"],
    ]),
    "",
    "Precedence: defaults < config file < environment < flags and TARGET arguments.",
    "",
  ].join("\n");
}
