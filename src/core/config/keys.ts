// The key catalogue: every leaf of ConfigSchema with the facts the other sources need (env name, how to
// read a string as its value, default, description), found by walking the schema so nothing is listed twice.
import { type ConfigKey, ConfigSchema, defaultConfig } from "./schema.ts";

/** How a text value (env or flag) becomes the key's value before the schema checks it. */
export type ValueKind = "boolean" | "integer" | "string" | "choice" | "targets" | "list";

export interface KeySpec {
  readonly key: ConfigKey;
  /** `LOGWISP_<SECTION>_<KEY>`, upper-cased, dots as underscores. */
  readonly env: string;
  readonly kind: ValueKind;
  readonly defaultValue: unknown;
  readonly description: string;
  /** What a valid value looks like, in words (the schema's own message). */
  readonly expected: string;
  /** Marked with `secret()` in the schema: `--print-config` redacts its value. */
  readonly secret: boolean;
}

/** The parts of a valibot schema object that the walk reads. */
export interface SchemaNode {
  readonly type: string;
  readonly message?: unknown;
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly wrapped?: SchemaNode;
  /** An array's item schema. */
  readonly item?: SchemaNode;
  readonly pipe?: readonly {
    readonly type: string;
    readonly description?: unknown;
    readonly metadata?: { readonly secret?: unknown };
  }[];
}

const KIND_BY_SCHEMA_TYPE: Readonly<Record<string, ValueKind>> = {
  boolean: "boolean",
  number: "integer",
  string: "string",
  picklist: "choice",
};

/** An array of tables is the targets list; an array of strings is a list given as `a,b,c` in text. */
function kindOf(node: SchemaNode): ValueKind | undefined {
  if (node.type !== "array") return KIND_BY_SCHEMA_TYPE[node.type];
  return node.item !== undefined && unwrap(node.item).type === "strict_object" ? "targets" : "list";
}

export const ENV_PREFIX = "LOGWISP_";

export function envNameOf(path: string): string {
  return ENV_PREFIX + path.replaceAll(".", "_").toUpperCase();
}

function unwrap(node: SchemaNode): SchemaNode {
  return node.wrapped === undefined ? node : unwrap(node.wrapped);
}

/** The value at a dotted path (`httpserver.heartbeat.format`) of a nested object, or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const segment of path.split(".")) {
    value =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

function walk(
  node: SchemaNode,
  prefix: string,
  defaults: unknown,
  out: { keys: KeySpec[]; sections: string[] },
) {
  for (const [name, child] of Object.entries(node.entries ?? {})) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    const inner = unwrap(child);
    if (inner.type === "strict_object") {
      out.sections.push(path);
      walk(inner, path, defaults, out);
      continue;
    }
    const kind = kindOf(inner);
    if (kind === undefined) throw new Error(`config schema: no text reading for ${path} (${inner.type})`);
    const description = inner.pipe?.find((item) => item.type === "description")?.description;
    out.keys.push({
      key: path as ConfigKey,
      env: envNameOf(path),
      kind,
      defaultValue: valueAt(defaults, path),
      description: typeof description === "string" ? description : path,
      expected: typeof inner.message === "string" ? inner.message : inner.type,
      secret: inner.pipe?.some((item) => item.type === "metadata" && item.metadata?.secret === true) ?? false,
    });
  }
}

export interface KeyCatalogue {
  /** Every leaf key, in schema order. */
  readonly keys: readonly KeySpec[];
  /** Every table path, in schema order (a table before its sub-tables). */
  readonly sections: readonly string[];
}

/** The catalogue of any config-shaped schema; exported so tests can describe keys the real schema lacks. */
export function catalogueOf(schema: SchemaNode, defaults: unknown): KeyCatalogue {
  const out = { keys: [] as KeySpec[], sections: [] as string[] };
  walk(schema, "", defaults, out);
  return out;
}

export const CONFIG_CATALOGUE: KeyCatalogue = catalogueOf(ConfigSchema, defaultConfig());

/** Every leaf key, in schema order. */
export const CONFIG_KEYS: readonly KeySpec[] = CONFIG_CATALOGUE.keys;

/** Every table path (`monitor`, `tcpserver`, `tcpserver.heartbeat`, …). */
export const CONFIG_SECTIONS: ReadonlySet<string> = new Set(CONFIG_CATALOGUE.sections);

const BY_KEY = new Map<string, KeySpec>(CONFIG_KEYS.map((spec) => [spec.key, spec]));
const BY_ENV = new Map<string, KeySpec>(CONFIG_KEYS.map((spec) => [spec.env, spec]));

export function findKey(path: string): KeySpec | undefined {
  return BY_KEY.get(path);
}

export function findKeyByEnv(name: string): KeySpec | undefined {
  return BY_ENV.get(name);
}

export function keySpec(key: ConfigKey): KeySpec {
  const spec = BY_KEY.get(key);
  if (spec === undefined) throw new Error(`config schema has no key ${key}`);
  return spec;
}
