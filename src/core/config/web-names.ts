// The two lists of names the HTTP server trusts from a browser: `cors_origins` (pages that may read its
// responses) and `allowed_hosts` (names a request may reach it by without auth). Each entry is checked
// here, so a typo stops start-up with what is wrong instead of silently never matching.

const ORIGIN_FORM =
  'an origin scheme://host[:port] as a browser sends it, such as "https://dash.example.com"';

/**
 * What is wrong with `text` as an entry of `cors_origins`, or undefined when it is an origin exactly as a
 * browser writes it in its `Origin` header (lower case, no default port, no path): the server compares the
 * header with the list as text.
 */
export function originProblem(text: string): string | undefined {
  if (text === "*") {
    return `${ORIGIN_FORM}; "*" is refused, as it would let every web page read the logs: list each page's origin`;
  }
  if (text === "null") {
    return `${ORIGIN_FORM}; "null" is refused: it is the origin of any sandboxed frame or local file`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return ORIGIN_FORM;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${ORIGIN_FORM} (http or https)`;
  if (url.origin === text) return undefined;
  const pathLess = url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  // "https://Dash.example.com:443/" is meant as an origin: say which one
  if (pathLess && url.pathname === "/") return `${ORIGIN_FORM} (did you mean ${JSON.stringify(url.origin)}?)`;
  return `${ORIGIN_FORM}: no path, query or user name`;
}

const HOST_NAME_FORM =
  'a host name such as "logs.example.com" (no scheme, no port; IP addresses, localhost and *.localhost are always allowed)';

// labels of letters, digits, "-" and "_" (some internal names have one), separated by single dots
const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/i;

/** What is wrong with `text` as an entry of `allowed_hosts`, or undefined when it is a host name. */
export function hostNameProblem(text: string): string | undefined {
  if (text === "*") {
    return `${HOST_NAME_FORM}; "*" is refused: it would turn off the DNS-rebinding guard (set [auth] token to serve any name)`;
  }
  if (text.length > 253 || !HOST_NAME.test(text)) return HOST_NAME_FORM;
  return undefined;
}
