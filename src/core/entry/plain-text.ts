// A line no format claims: kept whole as the message (a leading timestamp stays in it: the whole line is
// what people grep), its level guessed from its first words after that timestamp.

import type { Level } from "../wire/contract.ts";
import type { LogEntry } from "./entry.ts";
import { LEVEL_NAMES, normalizeLevel } from "./levels.ts";

/** A line kept as text: the whole line the message, its level guessed, nothing taken out. */
export function textEntry(
  line: string,
  source: string,
  time: string,
  timestampEnd = leadingTimestampEnd(line),
): LogEntry {
  const level = detectLevelAfter(line, timestampEnd);
  return level === undefined ? { time, source, message: line } : { time, source, level, message: line };
}

// ---- a leading timestamp ------------------------------------------------------------------------------

/** A timestamp opening the line: `2024-01-01 12:00:00,123`, `[2024-01-01T12:00:00Z]`, `12:00:00.123`, `Jan  2 15:04:05`. */
const LEADING_TIMESTAMP =
  /^[[(]?(?:\d{4}[-/.]\d{2}[-/.]\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})(?:[Zz]| ?[+-]\d{2}:?\d{2}| UTC)?[\])]?\s+/y;

/**
 * Where the text after a leading timestamp (and the blanks after it) starts; 0 when the line opens with
 * none. The regex runs only when the first character can open one: a digit, `[`, `(` or a capital (a month).
 */
export function leadingTimestampEnd(line: string): number {
  const first = line.charCodeAt(0);
  const canOpen =
    (first >= 0x30 && first <= 0x39) || first === 0x5b || first === 0x28 || (first >= 0x41 && first <= 0x5a);
  if (!canOpen) return 0;
  // test, not exec: a sticky match leaves its end in lastIndex, and no match array is made per line
  LEADING_TIMESTAMP.lastIndex = 0;
  return LEADING_TIMESTAMP.test(line) ? LEADING_TIMESTAMP.lastIndex : 0;
}

/** The timestamp that ends at `end` (from leadingTimestampEnd), without its brackets and the blanks after it. */
export function leadingTimestampText(line: string, end: number): string {
  const first = line.charCodeAt(0);
  const start = first === 0x5b || first === 0x28 ? 1 : 0;
  let last = end;
  while (last > start && isBlank(line.charCodeAt(last - 1))) last--;
  const close = line.charCodeAt(last - 1);
  if (close === 0x5d || close === 0x29) last--;
  return line.slice(start, last);
}

const BLANK = /\s/;

/** What the timestamp regex's `\s+` takes (a timestamp never ends in a control character, so all count). */
function isBlank(code: number): boolean {
  return code <= 0x20 || (code > 0x7f && BLANK.test(String.fromCharCode(code)));
}

// ---- the level of a plain line ------------------------------------------------------------------------

/** How far past the leading timestamp a level word may stand. */
const HEADER_CHARS = 64;

// `level=warn`, `lvl="info"`, `severity='error'`, `"level":"debug"`: an explicit key wins, anywhere in the
// line. The two forms, each tried at one position (sticky): `key=…` from the key's first letter, `"key": …`
// from its opening quote
const KEY_EQUALS_AT = /\b(?:level|lvl|severity)=["']?([a-z]+)\b/iy;
const QUOTED_KEY_AT = /"(?:level|lvl|severity)"\s*:\s*["']?([a-z]+)\b/iy;

/**
 * The value of the leftmost explicit level key in the line, as the one regex
 * `/(?:\b(?:level|lvl|severity)=|"(?:level|lvl|severity)"\s*:\s*)["']?([a-z]+)\b/i` would capture it,
 * without running a regex along the whole line (~1 ns per character, on every plain line): a match has an
 * `=` right after its key, or starts at a `"`, so it is tried only there, where the letter beside it fits
 * a key, and those few places are found by indexOf.
 */
export function levelKeyValue(line: string): string | undefined {
  let best = -1;
  let value: string | undefined;
  // `key=`: the first `=` that ends a key gives the leftmost such match (a key holds no `=`)
  for (
    let equals = line.indexOf("=");
    equals !== -1 && value === undefined;
    equals = line.indexOf("=", equals + 1)
  ) {
    const last = line.charCodeAt(equals - 1) | 0x20;
    // level, lvl (ends in l) or severity (ends in y); shortest start first
    const starts = last === 0x6c ? [equals - 5, equals - 3] : last === 0x79 ? [equals - 8] : undefined;
    if (starts === undefined) continue;
    for (const start of starts) {
      if (start < 0) continue;
      KEY_EQUALS_AT.lastIndex = start;
      const match = KEY_EQUALS_AT.exec(line);
      if (match !== null) {
        best = start;
        value = match[1];
        break;
      }
    }
  }
  // `"key":`: only a quote before the `key=` match found can come first
  for (let quote = line.indexOf('"'); quote !== -1; quote = line.indexOf('"', quote + 1)) {
    if (best !== -1 && quote > best) break;
    const first = line.charCodeAt(quote + 1) | 0x20;
    if (first !== 0x6c && first !== 0x73) continue;
    QUOTED_KEY_AT.lastIndex = quote;
    const match = QUOTED_KEY_AT.exec(line);
    if (match !== null) return match[1];
  }
  return value;
}

/** A level word standing alone: after a delimiter, before a delimiter. Which ones count is decided below. */
const LEVEL_WORD = new RegExp(
  `(^|[\\s[(<|:])(${[...LEVEL_NAMES.keys()].join("|")})(?=$|[\\s\\])>:,|])`,
  "gi",
);

/**
 * The level a plain line names, or undefined. Precision over recall: "user saw an error page" has none.
 * A word counts in the first HEADER_CHARS after an optional leading timestamp when it is
 * - in brackets, any case: `[warn]`, `<error>`, `(info)`, `[core:error]`;
 * - ALL CAPS: `ERROR db down`, `- WARNING -`, `INF`;
 * - the first word, followed by `:` (`error: x`, `Warning: x`), or after a timestamp by anything (`12:00:00 info x`).
 * Single-letter forms (glog's `E0101`, Android's `E/`) are left alone: too easy to misread (a whole klog
 * header is another matter: klog.ts).
 */
export function detectLevel(line: string): Level | undefined {
  return detectLevelAfter(line, leadingTimestampEnd(line));
}

/** detectLevel, the leading timestamp (ending at `headerStart`, 0: none) already found. */
function detectLevelAfter(line: string, headerStart: number): Level | undefined {
  const keyValue = levelKeyValue(line);
  const explicit = keyValue === undefined ? undefined : normalizeLevel(keyValue);
  if (explicit !== undefined) return explicit;
  const first = firstWordLevel(line, headerStart);
  if (first !== undefined) return first;

  const headerEnd = headerStart + HEADER_CHARS;
  // a few chars past the end, so a word cut by the window is still seen whole (and rejected)
  const header = line.length > headerEnd + 16 ? line.slice(0, headerEnd + 16) : line;
  // a word inside the timestamp never counts (digits and separators; a month name is not all caps, and not
  // first): the search starts at the delimiter before the header
  LEVEL_WORD.lastIndex = headerStart > 0 ? headerStart - 1 : 0;
  for (let match = LEVEL_WORD.exec(header); match !== null; match = LEVEL_WORD.exec(header)) {
    const before = match[1] ?? "";
    const word = match[2] ?? "";
    const start = match.index + before.length;
    if (start >= headerEnd) break;
    if (
      countsAsLevel(before, word, header.charAt(start + word.length), start === headerStart, headerStart > 0)
    ) {
      LEVEL_WORD.lastIndex = 0;
      return LEVEL_NAMES.get(word.toLowerCase());
    }
    // the next word may start at this word's closing delimiter
    LEVEL_WORD.lastIndex = start + word.length;
  }
  return undefined;
}

/**
 * The commonest layouts, `<timestamp> INFO …`, `ERROR …` and `error: …`, without the regex: the first word,
 * read directly, when it is a level word that counts (as the search below would find it, being leftmost).
 * Undefined says only "not this way": the search then runs.
 */
function firstWordLevel(line: string, headerStart: number): Level | undefined {
  let end = headerStart;
  while (end < line.length && isAsciiLetter(line.charCodeAt(end))) end++;
  const length = end - headerStart;
  if (length < SHORTEST_LEVEL_NAME || length > LONGEST_LEVEL_NAME) return undefined;
  const after = line.charCodeAt(end);
  if (end < line.length && !WORD_END.has(after)) return undefined;
  const word = line.slice(headerStart, end);
  const level = LEVEL_NAMES.get(word.toLowerCase());
  if (level === undefined) return undefined;
  return headerStart > 0 || after === 0x3a /* : */ || isAllCaps(word) ? level : undefined;
}

/** What may follow a level word (LEVEL_WORD's lookahead), but for the Unicode spaces: those go the slow way. */
const WORD_END = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x5d, 0x29, 0x3e, 0x3a, 0x2c, 0x7c]);
const SHORTEST_LEVEL_NAME = Math.min(...[...LEVEL_NAMES.keys()].map((name) => name.length));
const LONGEST_LEVEL_NAME = Math.max(...[...LEVEL_NAMES.keys()].map((name) => name.length));

function isAsciiLetter(code: number): boolean {
  return (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
}

function countsAsLevel(
  before: string,
  word: string,
  after: string,
  isFirstWord: boolean,
  afterTimestamp: boolean,
): boolean {
  const opens = before === "[" || before === "(" || before === "<" || before === ":";
  if (opens && (after === "]" || after === ")" || after === ">")) return true;
  if (isAllCaps(word)) return true;
  return isFirstWord && (after === ":" || afterTimestamp);
}

function isAllCaps(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code < 0x41 || code > 0x5a) return false;
  }
  return true;
}
