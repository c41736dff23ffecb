// --print-config: the effective config as TOML, in the schema's order (the seed's: monitor, its targets,
// tcpserver, httpserver, each table before its heartbeat), every value followed by where it came from and
// secret values redacted. Without secrets the output is a config file that reads back to the same config.
import { CONFIG_CATALOGUE, type KeyCatalogue, type KeySpec, valueAt } from "./keys.ts";
import type { Provenance, Setting } from "./merge.ts";
import { encodeTomlKey, encodeTomlString, encodeTomlValue } from "./toml.ts";

export const REDACTED = "<redacted>";

export interface PrintableConfig {
  readonly config: object;
  readonly provenance: Provenance;
  /** The config file that was read, if any. */
  readonly configFile?: string | undefined;
}

/**
 * `default`, `file /etc/logwisp.toml`, `env LOGWISP_TCPSERVER_PORT`, `flag --tcp-port`, or for one of the
 * TARGET arguments `argument "/var/log:*.log"`.
 */
export function describeOrigin(setting: Setting | undefined, item?: number): string {
  if (setting === undefined) return "default";
  const origin = (item === undefined ? undefined : setting.itemOrigins?.[item]) ?? setting.origin;
  if (setting.source === "flag" && !origin.startsWith("-")) return origin;
  return `${setting.source} ${origin}`;
}

function sectionOf(key: string): string {
  const dot = key.lastIndexOf(".");
  return dot === -1 ? "" : key.slice(0, dot);
}

function leafOf(key: string): string {
  return encodeTomlKey(key.slice(key.lastIndexOf(".") + 1));
}

function tableName(path: string): string {
  return path.split(".").map(encodeTomlKey).join(".");
}

function isTableArray(value: unknown): value is readonly Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))
  );
}

/** `name = value` and its comment, comments lined up within the block. */
function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...rows.map(([assignment]) => assignment.length));
  return rows.map(([assignment, comment]) => `${assignment.padEnd(width)}  # ${comment}`);
}

function assignments(specs: readonly KeySpec[], printable: PrintableConfig): string[] {
  const rows: [string, string][] = [];
  for (const spec of specs) {
    const value = valueAt(printable.config, spec.key);
    if (value === undefined) continue;
    const text = spec.secret ? encodeTomlString(REDACTED) : encodeTomlValue(value);
    rows.push([`${leafOf(spec.key)} = ${text}`, describeOrigin(printable.provenance[spec.key])]);
  }
  return aligned(rows);
}

/** `[[monitor.targets]]` per item, its origin beside the header (each TARGET argument names itself). */
function tableArray(spec: KeySpec, items: readonly Record<string, unknown>[], printable: PrintableConfig) {
  const setting = printable.provenance[spec.key];
  return items.flatMap((item, index) => [
    "",
    `[[${tableName(spec.key)}]]  # ${describeOrigin(setting, index)}`,
    ...Object.entries(item)
      .filter(([, value]) => value !== undefined)
      .map(
        ([name, value]) =>
          `${encodeTomlKey(name)} = ${spec.secret ? encodeTomlString(REDACTED) : encodeTomlValue(value)}`,
      ),
  ]);
}

export function renderConfigToml(
  printable: PrintableConfig,
  catalogue: KeyCatalogue = CONFIG_CATALOGUE,
): string {
  const lines = [
    "# logwisp: the effective config (defaults < config file < environment < flags), each value's source",
    `# config file: ${printable.configFile ?? "none"}`,
  ];
  for (const section of ["", ...catalogue.sections]) {
    const specs = catalogue.keys.filter((spec) => sectionOf(spec.key) === section);
    const scalars = specs.filter((spec) => !isTableArray(valueAt(printable.config, spec.key)));
    if (scalars.length > 0) {
      if (section !== "") lines.push("", `[${tableName(section)}]`);
      lines.push(...assignments(scalars, printable));
    }
    for (const spec of specs) {
      const value = valueAt(printable.config, spec.key);
      if (isTableArray(value)) lines.push(...tableArray(spec, value, printable));
    }
  }
  return `${lines.join("\n")}\n`;
}
