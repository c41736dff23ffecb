// The entry point: read flags, env and the config file, merge them (defaults < file < env < flags) and
// check the result once against the schema, reporting every problem from every source together.
import { parseArgv } from "./argv.ts";
import { readEnv } from "./env.ts";
import { ConfigError, type ConfigSource } from "./errors.ts";
import { type ConfigFileReading, type ConfigRuntime, chooseConfigFile, readConfigFile } from "./file.ts";
import { renderHelp } from "./help.ts";
import { mergeSettings, type Provenance } from "./merge.ts";
import type { Config } from "./schema.ts";
import { readTlsFiles, type TlsMaterial } from "./tls.ts";

/** A config that passed every check, and where each of its values came from. */
export interface LoadedConfig {
  config: Config;
  /** The config file that was read, if any. */
  configFile?: string;
  /** Per leaf key (`"httpserver.port"`), which source supplied the value in `config`. */
  sources: Record<string, ConfigSource>;
  /** Per leaf key set by a file, variable or flag, that Setting (with its exact origin). */
  provenance: Provenance;
  /** PEM text of the certificate and key of each server with `ssl_enabled`. */
  tls: TlsMaterial;
}

export type CliRequest =
  /** Serve; or, for --print-config and --check-config, report on the config and exit without listening. */
  | ({ kind: "run" | "print-config" | "check-config" } & LoadedConfig)
  | { kind: "help"; text: string }
  | { kind: "version" };

/** `argv` is what follows the program name. Throws ConfigError listing every problem found. */
export async function loadConfig(runtime: ConfigRuntime, argv: readonly string[]): Promise<CliRequest> {
  const args = parseArgv(argv);
  // Help and version answer before anything else is checked, so they work even with a broken setup.
  if (args.help) return { kind: "help", text: renderHelp() };
  if (args.version) return { kind: "version" };
  const env = readEnv(runtime.env);
  const choice = chooseConfigFile(runtime, {
    flag: args.configFile,
    envFile: env.configFile,
    envDir: env.configDir,
  });
  const file: ConfigFileReading =
    choice === undefined ? { settings: [], issues: [] } : await readConfigFile(runtime, choice);
  const merged = mergeSettings([...file.settings, ...env.settings, ...args.settings]);
  const issues = [...file.issues, ...env.issues, ...args.issues, ...(merged.ok ? [] : merged.issues)];
  if (issues.length > 0 || !merged.ok) throw new ConfigError(issues);
  const { config, sources, provenance } = merged;
  // read only once the keys naming the files are known to be valid
  const tls = await readTlsFiles(runtime, config, provenance);
  if (tls.issues.length > 0) throw new ConfigError(tls.issues);
  // --print-config shows the config it checked, so it also answers --check-config.
  const kind = args.printConfig ? "print-config" : args.checkConfig ? "check-config" : "run";
  return { kind, config, configFile: file.loadedPath, sources, provenance, tls: tls.material };
}
