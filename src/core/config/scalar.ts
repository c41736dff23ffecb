// Reading scalar words the way users type them in env variables, flags and TARGET arguments.

export const BOOLEAN_EXPECTED = "true or false (also 1/0, yes/no, on/off)";

// A Map, not an object literal: "constructor" must not find Object.prototype's.
const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["true", true],
  ["false", false],
  ["1", true],
  ["0", false],
  ["yes", true],
  ["no", false],
  ["on", true],
  ["off", false],
]);

export function parseBoolean(text: string): boolean | undefined {
  return BOOLEAN_WORDS.get(text.trim().toLowerCase());
}

/** Decimal integers only ("-5" is read so the schema can say why it is out of range); no "1.5", "0x10", "". */
export function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `a, b,c` → `["a", "b", "c"]`: a list in an env variable or flag. Empty items are dropped, so "" is []. */
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
