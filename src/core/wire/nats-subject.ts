// Subjects of the stream: `<prefix>.<host token>.<source token>`. A NATS token cannot hold `.`, `*`, `>` or
// whitespace, so a host or source name is escaped into one token, reversibly: every UTF-8 byte outside
// printable ASCII, and `.`, `*`, `>` and `_` itself, becomes `_XX` (upper-case hex); the empty name is `_`.
// The real names stay in the entries; the subject only lets a consumer filter by host or source.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function isPlain(byte: number): boolean {
  // printable ASCII except . (0x2e) * (0x2a) > (0x3e) _ (0x5f)
  return byte > 0x20 && byte < 0x7f && byte !== 0x2e && byte !== 0x2a && byte !== 0x3e && byte !== 0x5f;
}

/** One name as one subject token. */
export function escapeSubjectToken(name: string): string {
  if (name === "") return "_";
  let token = "";
  for (const byte of encoder.encode(name)) {
    token += isPlain(byte)
      ? String.fromCharCode(byte)
      : `_${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return token;
}

/** The name a token stands for; undefined when it is no token escapeSubjectToken makes. */
export function unescapeSubjectToken(token: string): string | undefined {
  if (token === "_") return "";
  const bytes: number[] = [];
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (code === 0x5f) {
      const hex = token.slice(index + 1, index + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else if (isPlain(code)) bytes.push(code);
    else return undefined;
  }
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** `<prefix>.<host>.<source>`, both names escaped. */
export function entrySubject(prefix: string, host: string, source: string): string {
  return `${prefix}.${escapeSubjectToken(host)}.${escapeSubjectToken(source)}`;
}

/** Every subject under the prefix (what a stream holds and a serving instance consumes). */
export function allEntriesSubject(prefix: string): string {
  return `${prefix}.>`;
}

/** Host and source of a subject under `prefix`; undefined when it is not one entrySubject makes. */
export function parseEntrySubject(
  prefix: string,
  subject: string,
): { host: string; source: string } | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const tokens = subject.slice(prefix.length + 1).split(".");
  if (tokens.length !== 2) return undefined;
  const host = unescapeSubjectToken(tokens[0] ?? "");
  const source = unescapeSubjectToken(tokens[1] ?? "");
  return host === undefined || source === undefined ? undefined : { host, source };
}
