import assert from "node:assert/strict";
import { test } from "node:test";
import { hostNameProblem, originProblem } from "./web-names.ts";

test("an origin is accepted exactly as a browser sends it in its Origin header", () => {
  for (const origin of [
    "https://dash.example.com",
    "http://127.0.0.2:8000",
    "http://[::1]:3000",
    "http://localhost:5173",
    "https://xn--bcher-kva.example",
  ]) {
    assert.equal(originProblem(origin), undefined, origin);
  }
});

test("anything else as an origin says the form, and which origin was probably meant", () => {
  const cases: Array<[string, RegExp]> = [
    ["https://dash.example.com/", /did you mean "https:\/\/dash\.example\.com"\?/],
    ["https://Dash.example.com", /did you mean "https:\/\/dash\.example\.com"\?/],
    ["https://dash.example.com:443", /did you mean "https:\/\/dash\.example\.com"\?/],
    ["https://dash.example.com/logs", /no path, query or user name$/],
    ["https://me@dash.example.com", /no path, query or user name$/],
    ["dash.example.com", /^an origin scheme:\/\/host\[:port\] as a browser sends it/],
    ["ftp://files.example", /\(http or https\)$/],
    ["*", /"\*" is refused, as it would let every web page read the logs/],
    ["null", /"null" is refused: it is the origin of any sandboxed frame or local file/],
    ["", /^an origin scheme:\/\/host\[:port\]/],
  ];
  for (const [text, expected] of cases) assert.match(originProblem(text) ?? "accepted", expected, text);
});

test("allowed_hosts takes host names only", () => {
  for (const name of ["myhost", "logs.example.com", "LOGS.Example.com", "build_box.lan", "127.0.0.1"]) {
    assert.equal(hostNameProblem(name), undefined, name);
  }
  for (const text of ["logs.example.com:8080", "http://logs.example.com", "logs..example", ".example", ""]) {
    assert.match(
      hostNameProblem(text) ?? "accepted",
      /^a host name such as "logs\.example\.com" \(no scheme, no port/,
      text,
    );
  }
  assert.match(hostNameProblem("*") ?? "", /"\*" is refused: it would turn off the DNS-rebinding guard/);
});
