// The Prometheus text exposition format, version 0.0.4: per metric family one `# HELP` and one `# TYPE`
// line, then its samples, `name{label="value"} value`, one per line, the last line ending in a newline.
// https://prometheus.io/docs/instrumenting/exposition_formats/

/** What a scraper is told it reads. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";

export interface Sample {
  /** Label names to values; an empty or absent set writes the bare name. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The families as one document. A family without samples is left out (as client libraries leave out a
 * labelled metric with no series yet). A name that is not a valid metric or label name, or a family given
 * twice, is a programming error and throws.
 */
export function encodePrometheusText(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let text = "";
  for (const { name, help, type, samples } of families) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new Error(`metric family ${name} given twice`);
    seen.add(name);
    if (samples.length === 0) continue;
    text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (const sample of samples)
      text += `${name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  }
  return text;
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return "";
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      throw new Error(`invalid label name ${JSON.stringify(name)}`);
    pairs.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** A HELP text: backslash and line feed escaped (a double quote stays as it is). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** A Go ParseFloat-readable number; the format's own spellings for the values that are not finite. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
