// Reading one text value (from an env variable or a flag) as the typed value of a key. Only the type is
// checked here; bounds and choices are the schema's job, so each rule is written once.
import type { KeySpec } from "./keys.ts";
import { BOOLEAN_EXPECTED, parseBoolean, parseInteger, parseList } from "./scalar.ts";
import { parseTargetList, type TargetInput } from "./target.ts";

export type TextReading =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      /** Key path below the spec's key, e.g. `[1].is_file`, when one part of the value is wrong. */
      readonly subKey: string;
      readonly value: string;
      readonly expected: string;
    };

export function parseTextValue(spec: KeySpec, text: string): TextReading {
  switch (spec.kind) {
    case "boolean": {
      const value = parseBoolean(text);
      return value === undefined
        ? { ok: false, subKey: "", value: text, expected: BOOLEAN_EXPECTED }
        : { ok: true, value };
    }
    case "integer": {
      const value = parseInteger(text);
      return value === undefined
        ? { ok: false, subKey: "", value: text, expected: spec.expected }
        : { ok: true, value };
    }
    case "targets":
      return readTargets(text);
    case "list":
      return { ok: true, value: parseList(text) };
    case "string":
    case "choice":
      return { ok: true, value: text };
  }
}

function readTargets(text: string): TextReading {
  const targets: TargetInput[] = [];
  for (const [index, reading] of parseTargetList(text).entries()) {
    if (!reading.ok) {
      const subKey = reading.field === "target" ? `[${index}]` : `[${index}].${reading.field}`;
      return { ok: false, subKey, value: reading.value, expected: reading.expected };
    }
    targets.push(reading.target);
  }
  return { ok: true, value: targets };
}
