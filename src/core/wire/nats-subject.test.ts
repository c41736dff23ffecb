import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  allEntriesSubject,
  entrySubject,
  escapeSubjectToken,
  parseEntrySubject,
  unescapeSubjectToken,
} from "./nats-subject.ts";

test("escapeSubjectToken: what a token cannot hold becomes _XX, _ itself too", () => {
  const cases: Array<[string, string]> = [
    ["web-1", "web-1"],
    ["web.example.com", "web_2Eexample_2Ecom"],
    ["a*b>c", "a_2Ab_3Ec"],
    ["my app.log", "my_20app_2Elog"],
    ["tab\there", "tab_09here"],
    ["under_score", "under_5Fscore"],
    ["é", "_C3_A9"],
    ["", "_"],
  ];
  for (const [name, token] of cases) {
    assert.equal(escapeSubjectToken(name), token, name);
    assert.equal(unescapeSubjectToken(token), name, token);
  }
});

test("a token never holds a character NATS gives a meaning", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (name) => {
      const token = escapeSubjectToken(name);
      assert.match(token, /^[\x21-\x7e]+$/);
      assert.doesNotMatch(token, /[.*>]/);
      assert.equal(unescapeSubjectToken(token), name);
    }),
  );
});

test("unescapeSubjectToken refuses what escaping never makes", () => {
  for (const token of ["a_2", "a_zz", "a_2e", "a.b", "a b", "_FF"]) {
    assert.equal(unescapeSubjectToken(token), undefined, token);
  }
});

test("entrySubject and parseEntrySubject are inverse", () => {
  const subject = entrySubject("acme.logs", "web.1", "app log");
  assert.equal(subject, "acme.logs.web_2E1.app_20log");
  assert.deepEqual(parseEntrySubject("acme.logs", subject), { host: "web.1", source: "app log" });
  assert.equal(parseEntrySubject("acme.logs", "acme.logs.a"), undefined);
  assert.equal(parseEntrySubject("acme", "other.a.b"), undefined);
  assert.equal(allEntriesSubject("logwisp"), "logwisp.>");
});
