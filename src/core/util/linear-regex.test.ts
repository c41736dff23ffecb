import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileLinearRegex,
  linearRegexError,
  MAX_PROGRAM_SIZE,
  RegexRefusal,
  SCAN_BUDGET,
} from "./linear-regex.ts";

describe("linear regex: what RE2 runs", () => {
  const cases: [pattern: string, flags: string, text: string, matches: boolean][] = [
    ["ERROR|warn", "", "disk WARN", false],
    ["ERROR|warn", "i", "disk WARN", true],
    ["(?i)error", "", "an Error", true],
    ["é", "i", "CAFÉ", true],
    ["^GET", "", "GET /index", true],
    ["^GET", "", "a GET", false],
    ["200$", "", "GET / 200", true],
    ["^b$", "", "a\nb\nc", false],
    ["^b$", "m", "a\nb\nc", true],
    ["a.c", "", "a\nc", false],
    ["a.c", "s", "a\nc", true],
    ["[0-9a-f]{4}", "", "id=beef", true],
    ["[^a-z]", "", "abc", false],
    ["\\d+ms", "", "took 15ms", true],
    ["\\bid\\b", "", "valid", false],
    ["\\bid\\b", "", "an id here", true],
    ["(GET|POST) \\/api", "", "POST /api/x", true],
    ["(?:ab)+c", "", "xababc", true],
    ["(?P<verb>GET) (?<path>/\\w+)", "", "GET /index", true],
    ["a+?b", "", "aaab", true],
    ["\\pL+", "u", "é", true],
    ["^.$", "u", "😀", true],
    ["^.$", "", "😀", true],
    ["(a|aa)+b", "", `${"a".repeat(60)}c`, false],
    ["(a|aa)+b", "", "aab", true],
    ["(x+x+)+y", "", `${"x".repeat(60)}c`, false],
  ];
  for (const [pattern, flags, text, matches] of cases) {
    test(`/${pattern}/${flags} on ${JSON.stringify(text.slice(0, 20))}`, () => {
      assert.equal(compileLinearRegex(pattern, flags).test(text), matches);
    });
  }
});

describe("linear regex: refused, naming the construct", () => {
  const cases: [pattern: string, flags: string, reason: string | RegExp][] = [
    ["(a)\\1", "", "backreference \\1 is not supported"],
    ["(?=a)", "", "lookahead (?=…) is not supported"],
    ["x(?!a)", "", "negative lookahead (?!…) is not supported"],
    ["(?<=a)b", "", "lookbehind (?<=…) is not supported"],
    ["(?<!a)b", "", "negative lookbehind (?<!…) is not supported"],
    ["(?>a+)b", "", "atomic group (?>…) is not supported"],
    ["a*+b", "", "possessive quantifier *+ is not supported: write *"],
    ["a{2,}+b", "", "possessive quantifier {2,}+ is not supported: write {2,}"],
    ["(?<x>a)\\k<x>", "", "named backreference \\k<name> is not supported"],
    ["(?P<x>a)(?P=x)", "", "named backreference (?P=name) is not supported"],
    ["(a(?1)?b)", "", "recursion (?1) is not supported"],
    ["(a)?(?(1)b|c)", "", "conditional (?(…)…|…) is not supported"],
    ["caf\\u00e9", "", "escape \\u00e9 is not supported: write \\x{00e9}"],
    ["\\u{1F600}", "", "escape \\u{1F600} is not supported: write \\x{1F600}"],
    ["\\cJ", "", "control escape \\cJ is not supported: write \\x0a"],
    ["[\\u0041-\\u005A]", "", "escape \\u0041 is not supported: write \\x{0041}"],
    ["[\\\\u]\\1", "", "backreference \\1 is not supported"],
    ["a[^]b", "", "[^] (any character) is not supported: write [\\s\\S] or (?s:.)"],
    ["[(?=]x\\1", "", "backreference \\1 is not supported"],
    ["a{1001}", "", /^invalid repeat count: `\{1001\}`: RE2 allows counts up to 1000/],
    ["(a{1,100}){1,100}b", "", /^invalid repeat count: .*also when nested repetitions multiply$/],
    ["a{1000}", "", /^it compiles to 1002 instructions, more than 1000: write smaller repetition counts/],
    ["(unclosed", "", "missing closing ): `(unclosed`"],
    ["\\Z", "", "invalid escape sequence: `\\Z`"],
    ["a", "g", "flag g is not supported (flags: i, m, s, u)"],
  ];
  for (const [pattern, flags, reason] of cases) {
    test(`/${pattern}/${flags}`, () => {
      assert.throws(
        () => compileLinearRegex(pattern, flags),
        (error: unknown) =>
          error instanceof RegexRefusal &&
          (typeof reason === "string" ? error.reason === reason : reason.test(error.reason)),
      );
      assert.ok(linearRegexError(pattern, flags), "linearRegexError says why");
    });
  }

  test("a pattern that compiles has no error", () => {
    assert.equal(linearRegexError("ERROR|warn", "i"), undefined);
  });
});

describe("linear regex: bounded work", () => {
  test("a search looks at the first SCAN_BUDGET / program size characters", () => {
    const regex = compileLinearRegex("x");
    assert.ok(regex.scanLimit > 1000 && regex.scanLimit < SCAN_BUDGET, String(regex.scanLimit));
    assert.equal(regex.test(`${"a".repeat(regex.scanLimit - 1)}x`), true);
    assert.equal(regex.test(`${"a".repeat(regex.scanLimit)}x`), false);
    assert.equal(regex.test("aax", 2), false, "a smaller limit from the caller");
    assert.equal(regex.test("aax", 3), true);
  });

  test("the largest program allowed still searches SCAN_BUDGET / MAX_PROGRAM_SIZE characters", () => {
    const regex = compileLinearRegex(`a{${MAX_PROGRAM_SIZE - 2}}`);
    assert.equal(regex.scanLimit, Math.floor(SCAN_BUDGET / MAX_PROGRAM_SIZE));
  });
});
