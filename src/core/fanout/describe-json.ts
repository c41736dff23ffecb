// Source and level of an entry given only as its JSON text: what a filter reads first.

/** Source and level of an entry given only as JSON text (a caller without the parsed entry). */
export function describeJson(json: string): { source: string; level?: string | undefined } {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === "object" && value !== null) {
      const { source, level } = value as { source?: unknown; level?: unknown };
      return {
        source: typeof source === "string" ? source : "",
        level: typeof level === "string" ? level : undefined,
      };
    }
  } catch {
    // not JSON: no source, no level
  }
  return { source: "" };
}
