// The token for a logwisp with `[auth] token`: from the page's own URL (`?token=` or `#token=`, then
// removed from the address bar) or typed into the prompt, kept in sessionStorage for this tab only.

export const TOKEN_KEY = "logwisp.token";

/** The token in `href`, and `href` without it (other parameters and the rest of the hash kept). */
export function takeTokenFromUrl(href: string): { token: string | undefined; cleanHref: string } {
  const url = new URL(href);
  let token: string | undefined;
  const query = url.searchParams.get("token");
  if (query !== null) {
    token = query;
    url.searchParams.delete("token");
  }
  const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
  const fromHash = hash.get("token");
  if (fromHash !== null) {
    token = fromHash;
    hash.delete("token");
    const rest = hash.toString();
    url.hash = rest === "" ? "" : rest;
  }
  return { token: token === "" ? undefined : token, cleanHref: url.toString() };
}

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class TokenKeeper {
  constructor(private readonly storage: TokenStorage | undefined) {}

  get(): string | undefined {
    return this.storage?.getItem(TOKEN_KEY) ?? undefined;
  }

  set(token: string | undefined): void {
    if (token === undefined || token === "") this.storage?.removeItem(TOKEN_KEY);
    else this.storage?.setItem(TOKEN_KEY, token);
  }
}
