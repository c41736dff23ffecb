// `[auth] token`: what an HTTP request or a TCP client's first line must carry. The token is compared in
// constant time and never logged; the core only ever holds it inside a TokenCheck.

/** How long a TCP client has to send the token line before it is closed, having received nothing. */
export const TCP_AUTH_TIMEOUT_MS = 5000;

// crypto.subtle is a global on Node ≥ 19, Bun and Deno: no runtime import needed
async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

export class TokenCheck {
  private readonly expected: Promise<Uint8Array>;

  constructor(token: string) {
    this.expected = sha256(token);
  }

  /**
   * Whether `candidate` is the token. Both sides are hashed first, so the comparison always walks 32 bytes
   * whatever the lengths, and the loop never exits early: the time taken says nothing about the token.
   */
  async matches(candidate: string): Promise<boolean> {
    const [expected, actual] = await Promise.all([this.expected, sha256(candidate)]);
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference |= (expected[i] ?? 0) ^ (actual[i] ?? 0);
    return difference === 0;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(bare);
}
