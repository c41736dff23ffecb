// TOML values as text, for --print-config: only what a config value can be (strings, integers, booleans,
// arrays of those). Written by hand because TOML output this small needs no library, and confbox (what c12
// parses with) has a stringifier that would lose the per-key source comments.

// TOML forbids raw control characters (and DEL) in a basic string; JSON-style escapes cover the rest.
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

function escapeChar(char: string): string {
  const named = ESCAPES[char];
  if (named !== undefined) return named;
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function needsEscape(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f || char === '"' || char === "\\";
}

/** A TOML basic string: `"a \"b\"\n"`. A lone surrogate (not valid Unicode, so not TOML) becomes U+FFFD. */
export function encodeTomlString(text: string): string {
  // Array.from splits by code point, so a surrogate left on its own is one that has no partner.
  const chars = Array.from(text, (char) =>
    needsEscape(char) ? escapeChar(char) : /^[\uD800-\uDFFF]$/.test(char) ? "\uFFFD" : char,
  );
  return `"${chars.join("")}"`;
}

/** A bare key when it is one (`check_interval_ms`), else a quoted key. */
export function encodeTomlKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : encodeTomlString(name);
}

/** An inline value; throws on what a logwisp config never holds (fractions, null, nested tables). */
export function encodeTomlValue(value: unknown): string {
  if (typeof value === "string") return encodeTomlString(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (Array.isArray(value)) return `[${value.map(encodeTomlValue).join(", ")}]`;
  throw new Error(`no TOML encoding for ${JSON.stringify(value) ?? String(value)}`);
}
