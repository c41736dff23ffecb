// Regular expressions that run in time linear in the text: RE2's dialect, through re2js (a pure JavaScript
// port of RE2, the same on Node, Bun and Deno). A client's /regex/ filter and a target's include / exclude
// both compile here, so logwisp has one regex dialect. A backtracking engine (RegExp) takes exponential
// time on patterns such as (a|aa)+b, and no check of the pattern can rule that out in general.

import { RE2JS } from "re2js";

/**
 * The largest compiled program accepted, in RE2 instructions (`a` is 1, `[a-z]{50}` about 50, `/ERROR|warn/i`
 * 12). RE2 already refuses repeat counts over 1000; this also bounds compile time and what a search costs.
 */
export const MAX_PROGRAM_SIZE = 1000;

/**
 * Characters × program instructions one search may cover. RE2 is linear in the text, but a search costs up
 * to ~200 ns per character per instruction when every character makes a new DFA state (or the DFA gives up
 * and the NFA runs): /\pL{997}x/i took 35 s over a whole 1 MiB line. So a search looks at the first
 * SCAN_BUDGET / program size characters of its text (20,833 for /ERROR|warn/i, 250 for the largest
 * program), which holds the worst case we could build under 70 ms a line (bench/regex-cost.ts).
 */
export const SCAN_BUDGET = 250_000;

/** What the dialect offers, said with every refusal so the writer knows what to write instead. */
export const SUPPORTED_SYNTAX =
  "RE2 syntax: classes ([a-z], \\d, \\w, \\s, \\pL), alternation (a|b), anchors (^, $, \\b), repetition (*, +, ?, {n,m}, lazy *?), groups ((…), (?:…), (?P<name>…)), flags i, m, s (inline: (?i))";

/** A pattern RE2 cannot run, or an invalid one: `reason` names the construct or the mistake. */
export class RegexRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "RegexRefusal";
  }
}

export interface LinearRegex {
  /** The most characters of a text that one search looks at (SCAN_BUDGET / program size). */
  readonly scanLimit: number;
  /** Whether the pattern matches in the first `limit` (at most scanLimit) characters of `text`. */
  test(text: string, limit?: number): boolean;
}

const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // RE2 always matches by code point and knows \p{…}: JavaScript's u changes nothing here
  u: 0,
};

/** Compiles `pattern` with flags among i, m, s, u; throws RegexRefusal. */
export function compileLinearRegex(pattern: string, flags = ""): LinearRegex {
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) throw new RegexRefusal(`flag ${flag} is not supported (flags: i, m, s, u)`);
    bits |= bit;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, bits);
  } catch (error) {
    // RE2 is the authority on what it runs; the scan only words its refusal precisely
    throw new RegexRefusal(unsupportedConstruct(pattern) ?? re2Reason(error));
  }
  const size = compiled.programSize();
  if (size > MAX_PROGRAM_SIZE) throw new RegexRefusal(tooLarge(size));
  const scanLimit = Math.floor(SCAN_BUDGET / size);
  return {
    scanLimit,
    test(text, limit = scanLimit) {
      const end = Math.min(limit, scanLimit);
      // a slice shares the string's characters (no copy): cheap even for a 1 MiB line
      return compiled.test(text.length > end ? text.slice(0, end) : text);
    },
  };
}

/** Why RE2 would refuse `pattern`, or undefined when it compiles (for config checks). */
export function linearRegexError(pattern: string, flags = ""): string | undefined {
  try {
    compileLinearRegex(pattern, flags);
    return undefined;
  } catch (error) {
    if (error instanceof RegexRefusal) return error.reason;
    throw error;
  }
}

function tooLarge(size: number | undefined): string {
  const got =
    size === undefined ? "it compiles to too many instructions" : `it compiles to ${size} instructions`;
  return `${got}, more than ${MAX_PROGRAM_SIZE}: write smaller repetition counts (such as {500})`;
}

/** re2js's own words without its prefix, with the two limits explained. */
function re2Reason(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /^error parsing regexp: /,
    "",
  );
  if (message.startsWith("invalid repeat count")) {
    return `${message}: RE2 allows counts up to 1000, also when nested repetitions multiply`;
  }
  if (message.startsWith("expression too large")) return tooLarge(undefined);
  return message;
}

/** Group openings RE2 has no engine for, longest first where they share a start. */
const GROUP_CONSTRUCTS: readonly (readonly [opening: string, name: string])[] = [
  ["(?<=", "lookbehind (?<=…)"],
  ["(?<!", "negative lookbehind (?<!…)"],
  ["(?=", "lookahead (?=…)"],
  ["(?!", "negative lookahead (?!…)"],
  ["(?>", "atomic group (?>…)"],
  ["(?P=", "named backreference (?P=name)"],
  ["(?P>", "recursion (?P>name)"],
  ["(?&", "recursion (?&name)"],
  ["(?R)", "recursion (?R)"],
  ["(?(", "conditional (?(…)…|…)"],
  ["(?|", "branch reset group (?|…)"],
  ["(?#", "comment (?#…)"],
];

/**
 * The first construct in `pattern` that RE2 cannot run, named as a writer would know it ("lookahead
 * (?=…) is not supported"), or undefined. Only consulted once RE2 has refused the pattern.
 */
export function unsupportedConstruct(pattern: string): string | undefined {
  // the quantifier just read (*, +, ?, {n,m}), which a + would make possessive
  let quantifier: string | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    const rest = pattern.slice(i);
    const previous = quantifier;
    quantifier = undefined;
    if (char === "\\") {
      const found = unsupportedEscape(rest);
      if (found !== undefined) return found;
      i++;
    } else if (char === "[") {
      if (rest.startsWith("[^]")) {
        return "[^] (any character) is not supported: write [\\s\\S] or (?s:.)";
      }
      const end = classEnd(pattern, i);
      const found = javaScriptEscapeIn(pattern.slice(i + 1, end));
      if (found !== undefined) return found;
      i = end;
    } else if (char === "(") {
      const group = GROUP_CONSTRUCTS.find(([opening]) => rest.startsWith(opening));
      if (group !== undefined) return `${group[1]} is not supported`;
      if (/^\(\?[+-]?\d/.test(rest)) return "recursion (?1) is not supported";
    } else if (char === "+" && previous !== undefined) {
      return `possessive quantifier ${previous}+ is not supported: write ${previous}`;
    } else if (char === "*" || char === "+" || char === "?") {
      // a lazy ? after a quantifier is fine, and ends it
      if (!(char === "?" && previous !== undefined)) quantifier = char;
    } else if (char === "{") {
      const count = /^\{\d+(,\d*)?\}/.exec(rest);
      if (count !== null) {
        i += count[0].length - 1;
        quantifier = count[0];
      }
    }
  }
  return undefined;
}

/** A backreference or a JavaScript escape RE2 lacks at the start of `text` (which starts with a backslash). */
function unsupportedEscape(text: string): string | undefined {
  const backreference = /^\\([1-9]\d*)/.exec(text);
  if (backreference !== null) return `backreference \\${backreference[1]} is not supported`;
  if (/^\\k[<{']/.test(text)) return "named backreference \\k<name> is not supported";
  if (/^\\g[{\d-]/.test(text)) return "backreference \\g{…} is not supported";
  return javaScriptEscape(text);
}

/** The first \u or \c escape in a class's body (where \1 is no backreference). */
function javaScriptEscapeIn(body: string): string | undefined {
  for (let i = body.indexOf("\\"); i !== -1; i = body.indexOf("\\", i + 2)) {
    const found = javaScriptEscape(body.slice(i));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A JavaScript escape that RE2 spells differently, at the start of `text`, with RE2's spelling. */
function javaScriptEscape(text: string): string | undefined {
  const unicode = /^\\u\{?([0-9a-fA-F]{1,6})\}?/.exec(text);
  if (unicode !== null) {
    return `escape ${unicode[0]} is not supported: write \\x{${unicode[1]}}`;
  }
  const control = /^\\c([a-zA-Z])/.exec(text);
  if (control !== null) {
    const code = (control[1] as string).toUpperCase().charCodeAt(0) - 64;
    return `control escape ${control[0]} is not supported: write \\x${code.toString(16).padStart(2, "0")}`;
  }
  return undefined;
}

/** Where the class opened at `open` ends: RE2 takes a ] first in the class as a literal. */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === "^") i++;
  if (pattern[i] === "]") i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === "\\") i++;
    else if (pattern.startsWith("[:", i)) {
      const close = pattern.indexOf(":]", i + 2);
      if (close !== -1) i = close + 1;
    } else if (pattern[i] === "]") return i;
  }
  return pattern.length;
}
