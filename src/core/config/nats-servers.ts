// [nats] url: one or more servers, comma-separated, each `nats://host:port`, `tls://host:port` or `host:port`
// (the port defaults to 4222). Checked here so a typo stops start-up with its key instead of retrying forever.

const SCHEMES = new Set(["nats:", "tls:"]);
const DEFAULT_PORT = 4222;

/** One server as the client is given it: `nats://host:port` or `tls://host:port` (IPv6 in brackets). */
function parseServer(text: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol) || url.hostname === "") return undefined;
  // credentials belong in [nats] token / user / password, where they are redacted; a path means a typo
  if (url.username !== "" || url.password !== "") return undefined;
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "") return undefined;
  const port = url.port === "" ? DEFAULT_PORT : Number(url.port);
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** The servers of a `url` value, normalised; `undefined` when any of them is malformed (or none is given). */
export function parseNatsServers(text: string): string[] | undefined {
  const servers: string[] = [];
  for (const part of text.split(",")) {
    const server = parseServer(part.trim());
    if (server === undefined) return undefined;
    servers.push(server);
  }
  return servers.length > 0 ? servers : undefined;
}
