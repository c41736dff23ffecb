// Merging the sources and checking the result. Each value arrives as a Setting that remembers where it came
// from, so a schema issue on the merged config can be traced back to the file, variable or flag that set it.
import * as v from "valibot";
import type { ConfigIssue, ConfigSource } from "./errors.ts";
import { CONFIG_KEYS } from "./keys.ts";
import { type Config, type ConfigKey, ConfigSchema, TargetSchema } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export interface Setting {
  readonly key: ConfigKey;
  readonly value: unknown;
  readonly source: ConfigSource;
  readonly origin: string;
  /** For a list (targets) given item by item: the origin of each item, e.g. each TARGET argument. */
  readonly itemOrigins?: readonly string[];
}

/** Per leaf key, the Setting whose value won; a key no source set (so its default holds) is absent. */
export type Provenance = Readonly<Partial<Record<ConfigKey, Setting>>>;

export type MergeResult =
  | {
      readonly ok: true;
      readonly config: Config;
      readonly sources: Record<string, ConfigSource>;
      readonly provenance: Provenance;
    }
  | { readonly ok: false; readonly issues: ConfigIssue[] };

/** `monitor.targets.0.path` → `monitor.targets[0].path`. */
export function displayKey(segments: readonly unknown[]): string {
  return segments
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`,
    )
    .join("");
}

function nest(winners: ReadonlyMap<ConfigKey, Setting>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, setting] of winners) {
    const segments = key.split(".");
    let table = root;
    for (const segment of segments.slice(0, -1)) {
      const next = table[segment];
      table[segment] = typeof next === "object" && next !== null ? next : {};
      table = table[segment] as Record<string, unknown>;
    }
    table[segments[segments.length - 1] ?? key] = setting.value;
  }
  return root;
}

function settingFor(winners: ReadonlyMap<ConfigKey, Setting>, dotPath: string): Setting | undefined {
  for (const [key, setting] of winners) {
    if (dotPath === key || dotPath.startsWith(`${key}.`)) return setting;
  }
  return undefined;
}

function toConfigIssue(issue: v.BaseIssue<unknown>, winners: ReadonlyMap<ConfigKey, Setting>): ConfigIssue {
  const path = issue.path ?? [];
  const segments = path.map((item) => item.key);
  const setting = settingFor(winners, segments.join("."));
  const settingDepth = setting === undefined ? 0 : setting.key.split(".").length;
  const itemIndex = segments[settingDepth];
  const origin =
    (typeof itemIndex === "number" ? setting?.itemOrigins?.[itemIndex] : undefined) ??
    setting?.origin ??
    "default";
  const where = { key: displayKey(segments), source: setting?.source ?? "default", origin } as const;
  // strictObject reports a surplus key with the key name as input; only target tables can have one here,
  // because file.ts already checked the key names of every section.
  if (issue.type === "strict_object" && issue.expected === "never") {
    const name = String(issue.input);
    const hint = didYouMean(name, Object.keys(TargetSchema.entries));
    return {
      ...where,
      problem: "unknown",
      value: path[path.length - 1]?.value,
      expected: `a known key${hint}`,
    };
  }
  return { ...where, value: issue.input, expected: issue.message };
}

/** Later settings win, key by key; lists are replaced whole. */
export function mergeSettings(settings: readonly Setting[]): MergeResult {
  const winners = new Map<ConfigKey, Setting>();
  for (const setting of settings) {
    winners.delete(setting.key);
    winners.set(setting.key, setting);
  }
  const result = v.safeParse(ConfigSchema, nest(winners));
  if (!result.success) {
    // A pipe reports every failed check; one line per key is enough.
    const byKey = new Map<string, ConfigIssue>();
    for (const issue of result.issues.map((each) => toConfigIssue(each, winners))) {
      if (!byKey.has(issue.key)) byKey.set(issue.key, issue);
    }
    return { ok: false, issues: [...byKey.values()] };
  }
  const sources: Record<string, ConfigSource> = {};
  for (const spec of CONFIG_KEYS) sources[spec.key] = winners.get(spec.key)?.source ?? "default";
  return { ok: true, config: result.output, sources, provenance: Object.fromEntries(winners) };
}
