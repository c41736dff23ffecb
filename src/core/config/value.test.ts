import assert from "node:assert/strict";
import { test } from "node:test";
import { keySpec } from "./keys.ts";
import type { ConfigKey } from "./schema.ts";
import { parseTextValue, type TextReading } from "./value.ts";

const cases: Array<[ConfigKey, string, TextReading]> = [
  ["tcpserver.enabled", "on", { ok: true, value: true }],
  ["tcpserver.enabled", "0", { ok: true, value: false }],
  [
    "tcpserver.enabled",
    "maybe",
    { ok: false, subKey: "", value: "maybe", expected: "true or false (also 1/0, yes/no, on/off)" },
  ],
  ["httpserver.port", "8081", { ok: true, value: 8081 }],
  // Range is the schema's job: the text is a valid integer.
  ["httpserver.port", "70000", { ok: true, value: 70000 }],
  ["httpserver.port", "abc", { ok: false, subKey: "", value: "abc", expected: "an integer from 0 to 65535" }],
  ["monitor.check_interval_ms", "1.5", { ok: false, subKey: "", value: "1.5", expected: "an integer >= 10" }],
  ["monitor.check_interval_ms", "", { ok: false, subKey: "", value: "", expected: "an integer >= 10" }],
  ["httpserver.host", "127.0.0.1", { ok: true, value: "127.0.0.1" }],
  ["httpserver.heartbeat.format", "xml", { ok: true, value: "xml" }],
  [
    "monitor.targets",
    "/a:*.log,./b.log::true",
    {
      ok: true,
      value: [
        { path: "/a", pattern: "*.log" },
        { path: "./b.log", is_file: true },
      ],
    },
  ],
  [
    "monitor.targets",
    "/a,/b::nope",
    { ok: false, subKey: "[1].is_file", value: "nope", expected: "true or false (also 1/0, yes/no, on/off)" },
  ],
  [
    "monitor.targets",
    "a:b:c:d",
    { ok: false, subKey: "[0]", value: "a:b:c:d", expected: "path[:pattern[:isfile]] with at most two ':'" },
  ],
  // a list: comma-separated, spaces around items and empty items dropped, so "" clears it
  [
    "httpserver.cors_origins",
    " https://a.example , ,http://b.example:81",
    {
      ok: true,
      value: ["https://a.example", "http://b.example:81"],
    },
  ],
  ["httpserver.allowed_hosts", "", { ok: true, value: [] }],
];

for (const [key, text, expected] of cases) {
  test(`parseTextValue(${key}, ${JSON.stringify(text)})`, () => {
    assert.deepEqual(parseTextValue(keySpec(key), text), expected);
  });
}
