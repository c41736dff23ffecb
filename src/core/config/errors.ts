// Config problems as values: every issue names the key, where its value came from and what would be valid,
// so the CLI can print them all at once and exit 2.

export type ConfigSource = "default" | "file" | "env" | "flag";

export interface ConfigIssue {
  /** Key path (`httpserver.port`, `monitor.targets[0].path`); for an unknown flag or variable, its name. */
  readonly key: string;
  readonly source: ConfigSource;
  /** Where exactly: the file path, the variable name, the flag or argument as typed, or "default". */
  readonly origin: string;
  /** The offending value as given; absent when there was none (a flag without its value). */
  readonly value?: unknown;
  /** What would be valid, in words; for unknown names it carries the "did you mean" hint. */
  readonly expected: string;
  /** "unknown" when the name itself is wrong (a typo), rather than its value. */
  readonly problem?: "invalid" | "unknown";
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * One line: `invalid httpserver.port from env LOGWISP_HTTPSERVER_PORT: got "abc", expected an integer …`,
 * or for a name that is its own origin: `unknown flag --tcp-prot: expected a known flag; did you mean …`.
 */
export function formatIssue(issue: ConfigIssue): string {
  const problem = issue.problem ?? "invalid";
  const subject =
    issue.origin === issue.key
      ? `${problem} ${issue.source} ${issue.key}`
      : `${problem} ${issue.key} from ${issue.source === "default" ? "default" : `${issue.source} ${issue.origin}`}`;
  const got = issue.value === undefined ? "" : `got ${show(issue.value)}, `;
  return `${subject}: ${got}expected ${issue.expected}`;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }

  /** One line per issue, in the order found: file, env, flags, then the checks on the merged values. */
  format(): string {
    return this.issues.map(formatIssue).join("\n");
  }
}
