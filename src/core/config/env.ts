// Environment variables: every key as LOGWISP_<SECTION>_<KEY>, plus the two that choose the config file.
import type { ConfigIssue } from "./errors.ts";
import { CONFIG_KEYS, ENV_PREFIX, findKeyByEnv } from "./keys.ts";
import type { Setting } from "./merge.ts";
import { didYouMean } from "./suggest.ts";
import { parseTextValue } from "./value.ts";

export const CONFIG_FILE_ENV = "LOGWISP_CONFIG_FILE";
export const CONFIG_DIR_ENV = "LOGWISP_CONFIG_DIR";

/** Every LOGWISP_ variable logwisp reads, for the help text and "did you mean". */
export const KNOWN_ENV_NAMES: readonly string[] = [
  ...CONFIG_KEYS.map((spec) => spec.env),
  CONFIG_FILE_ENV,
  CONFIG_DIR_ENV,
];

export interface EnvReading {
  readonly settings: Setting[];
  readonly issues: ConfigIssue[];
  readonly configFile?: string;
  readonly configDir?: string;
}

function readPathVariable(name: string, value: string, issues: ConfigIssue[]): string | undefined {
  if (value !== "") return value;
  issues.push({ key: name, source: "env", origin: name, value, expected: "a non-empty path" });
  return undefined;
}

/**
 * Reads every LOGWISP_ variable. An unknown one is an error rather than ignored: it is almost always a
 * typo that would otherwise silently leave a default in place.
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvReading {
  const settings: Setting[] = [];
  const issues: ConfigIssue[] = [];
  let configFile: string | undefined;
  let configDir: string | undefined;
  // Sorted so errors come out in the same order on every runtime.
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    if (name === CONFIG_FILE_ENV) {
      configFile = readPathVariable(name, value, issues);
      continue;
    }
    if (name === CONFIG_DIR_ENV) {
      configDir = readPathVariable(name, value, issues);
      continue;
    }
    const spec = findKeyByEnv(name);
    if (spec === undefined) {
      const expected = `a known LOGWISP_ variable${didYouMean(name, KNOWN_ENV_NAMES)} (see --help)`;
      issues.push({ key: name, source: "env", origin: name, problem: "unknown", expected });
      continue;
    }
    const reading = parseTextValue(spec, value);
    if (reading.ok) {
      settings.push({ key: spec.key, value: reading.value, source: "env", origin: name });
    } else {
      issues.push({
        key: spec.key + reading.subKey,
        source: "env",
        origin: name,
        value: reading.value,
        expected: reading.expected,
      });
    }
  }
  return { settings, issues, configFile, configDir };
}
