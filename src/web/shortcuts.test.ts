import assert from "node:assert/strict";
import { test } from "node:test";
import { actionFor, type KeyPress, keyLabel, SHORTCUTS } from "./shortcuts.ts";

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: "other",
  ...extra,
});

test("the documented keys map to their actions", () => {
  assert.equal(actionFor(press("/")), "focus-filter");
  assert.equal(actionFor(press(" ")), "toggle-pause");
  assert.equal(actionFor(press("f")), "toggle-follow");
  assert.equal(actionFor(press("t")), "toggle-theme");
  assert.equal(actionFor(press("?")), "help");
  assert.equal(actionFor(press("Escape")), "escape");
  assert.equal(actionFor(press("G")), "last-row");
  assert.equal(actionFor(press("x")), undefined);
});

test("typing in a field is typing; a focused button keeps Space and Enter; modifiers stay the browser's", () => {
  assert.equal(actionFor(press("f", { target: "text" })), undefined);
  assert.equal(actionFor(press("/", { target: "text" })), undefined);
  assert.equal(actionFor(press("Escape", { target: "text" })), "escape");
  assert.equal(actionFor(press(" ", { target: "control" })), undefined);
  assert.equal(actionFor(press("Enter", { target: "control" })), undefined);
  assert.equal(actionFor(press("f", { target: "control" })), "toggle-follow");
  assert.equal(actionFor(press("f", { ctrlKey: true })), undefined);
  assert.equal(actionFor(press("t", { metaKey: true })), undefined);
});

test("no key is bound twice, and every key has a label for the help", () => {
  const keys = SHORTCUTS.flatMap((shortcut) => shortcut.keys);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keyLabel(" "), "Space");
  assert.equal(keyLabel("Escape"), "Esc");
  assert.equal(keyLabel("f"), "f");
});
