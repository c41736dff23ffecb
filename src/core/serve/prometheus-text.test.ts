import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePrometheusText, escapeHelp, escapeLabelValue, formatValue } from "./prometheus-text.ts";

test("a family is its HELP, its TYPE, then one line per sample; the document ends with a newline", () => {
  const text = encodePrometheusText([
    { name: "app_up", type: "gauge", help: "Up.", samples: [{ value: 1 }] },
    {
      name: "app_requests_total",
      type: "counter",
      help: "Requests.",
      samples: [
        { labels: { method: "get", code: "200" }, value: 1027 },
        { labels: { method: "post", code: "400" }, value: 3 },
      ],
    },
  ]);
  assert.equal(
    text,
    [
      "# HELP app_up Up.",
      "# TYPE app_up gauge",
      "app_up 1",
      "# HELP app_requests_total Requests.",
      "# TYPE app_requests_total counter",
      'app_requests_total{method="get",code="200"} 1027',
      'app_requests_total{method="post",code="400"} 3',
      "",
    ].join("\n"),
  );
});

test("label values escape backslash, double quote and line feed; HELP escapes backslash and line feed", () => {
  assert.equal(escapeLabelValue('C:\\DIR\\"FILE".TXT\nnext'), 'C:\\\\DIR\\\\\\"FILE\\".TXT\\nnext');
  assert.equal(escapeLabelValue("plain é 日本"), "plain é 日本");
  assert.equal(escapeHelp('a "quoted" \\ help\nline'), 'a "quoted" \\\\ help\\nline');
  const text = encodePrometheusText([
    { name: "x", type: "gauge", help: "h", samples: [{ labels: { path: 'a"b\\c\nd' }, value: 2 }] },
  ]);
  assert.ok(text.includes('x{path="a\\"b\\\\c\\nd"} 2\n'), text);
  assert.equal(text.split("\n").length, 4, "no raw line feed inside a line");
});

test("values: integers and fractions as Go reads them, the format's own NaN and infinities", () => {
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(16777216), "16777216");
  assert.equal(formatValue(1796583927.352), "1796583927.352");
  assert.equal(formatValue(1e21), "1e+21");
  assert.equal(formatValue(Number.NaN), "NaN");
  assert.equal(formatValue(Number.POSITIVE_INFINITY), "+Inf");
  assert.equal(formatValue(Number.NEGATIVE_INFINITY), "-Inf");
});

test("a family without samples is left out; an empty label set writes the bare name", () => {
  const text = encodePrometheusText([
    { name: "none", type: "counter", help: "h", samples: [] },
    { name: "bare", type: "gauge", help: "h", samples: [{ labels: {}, value: 5 }] },
  ]);
  assert.equal(text, "# HELP bare h\n# TYPE bare gauge\nbare 5\n");
  assert.equal(encodePrometheusText([]), "");
});

test("an invalid metric or label name, or a family given twice, is refused", () => {
  const family = { type: "gauge", help: "h", samples: [{ value: 1 }] } as const;
  assert.throws(() => encodePrometheusText([{ ...family, name: "1x" }]), /invalid metric name/);
  assert.throws(() => encodePrometheusText([{ ...family, name: "a-b" }]), /invalid metric name/);
  assert.throws(
    () => encodePrometheusText([{ ...family, name: "x", samples: [{ labels: { "a b": "v" }, value: 1 }] }]),
    /invalid label name/,
  );
  assert.throws(
    () =>
      encodePrometheusText([{ ...family, name: "x", samples: [{ labels: { __name__: "v" }, value: 1 }] }]),
    /invalid label name/,
  );
  assert.throws(
    () =>
      encodePrometheusText([
        { ...family, name: "x" },
        { ...family, name: "x" },
      ]),
    /given twice/,
  );
});
