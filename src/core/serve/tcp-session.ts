// One TCP client session: JSON lines once the client is let in. A client over `max_clients` or
// `max_clients_per_ip` gets one JSON error line and is closed. A client may send one options line first,
// `{"filter": {...}, "backlog": N}`; a bad one gets `{"error":"invalid filter","detail":…}` and is closed.
// With `[auth] token` set, the first line must be the token (or the options object carrying it as
// "token"), within TCP_AUTH_TIMEOUT_MS; the client is subscribed only then, so nothing is queued for (or
// written to) a client that has not proved it may read. Without auth, the session waits TCP_OPTIONS_WAIT_MS
// for an options line and then starts from the moment the client connected: what was published meanwhile
// comes from the replay ring. Anything else the client sends is read and ignored (so its socket never
// stalls on unread input), and does it no harm.

import { parseJsonObject } from "../entry/entry.ts";
import type { Subscriber } from "../fanout/hub.ts";
import type { EntryId } from "../fanout/replay.ts";
import { FilterError } from "../fanout/stream-filter.ts";
import { requestFromJsonLine, requestFromOptions, type StreamRequest } from "../fanout/stream-request.ts";
import type { TcpConnection } from "../runtime.ts";
import { TCP_AUTH_TIMEOUT_MS, type TokenCheck } from "./auth.ts";
import type { ClientRefusal } from "./client-limits.ts";
import { readFirstLine } from "./first-line.ts";
import type { StreamServer } from "./stream-server.ts";

/**
 * How long a client without auth has to start an options line (its first byte a `{`) before its session
 * starts unfiltered. Short enough that `nc` feels instant, long enough for a script's first write.
 */
export const TCP_OPTIONS_WAIT_MS = 250;

export interface TcpSessionOptions {
  /** Set when `[auth] token` is: the first line must match it. */
  readonly auth?: TokenCheck | undefined;
  readonly authTimeoutMs?: number;
  readonly optionsWaitMs?: number;
}

const OPEN_BRACE = 0x7b;

export function serveTcpClient(
  server: StreamServer,
  connection: TcpConnection,
  options: TcpSessionOptions = {},
): void {
  const admission = server.limits.admit(connection.remoteAddress);
  if (!admission.ok) {
    refuse(connection, admission.refusal);
    return;
  }
  connection.onClose(admission.release);
  if (options.auth === undefined) void awaitOptions(server, connection, options);
  else void authenticate(server, connection, options.auth, options.authTimeoutMs ?? TCP_AUTH_TIMEOUT_MS);
}

/**
 * Without auth: an options line if one starts within TCP_OPTIONS_WAIT_MS (and then ends within
 * TCP_AUTH_TIMEOUT_MS), else the whole stream; either way from the moment of connecting.
 */
async function awaitOptions(server: StreamServer, connection: TcpConnection, options: TcpSessionOptions) {
  const since = server.position();
  // let in now (there is no token to wait for): counted and listed, but held until it is known what it wants
  const subscriber = server.open(connection.remoteAddress, { held: true, start: { after: since } });
  connection.onClose(() => subscriber.close());
  const first = await readFirstLine(connection, {
    startWithinMs: options.optionsWaitMs ?? TCP_OPTIONS_WAIT_MS,
    // someone typing into nc: not an options line, ignored as everything after it
    startsWith: OPEN_BRACE,
    timeoutMs: options.authTimeoutMs ?? TCP_AUTH_TIMEOUT_MS,
  });
  let request = PLAIN;
  switch (first.kind) {
    case "closed":
      return;
    case "timeout":
      return refuseOptions(
        subscriber,
        connection,
        "the options line did not end (with a newline) within 5 s",
      );
    case "too-long":
      return refuseOptions(subscriber, connection, "the options line is longer than 4096 bytes");
    case "line":
      try {
        request = requestFromJsonLine(first.line);
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        return refuseOptions(subscriber, connection, error.detail);
      }
  }
  connection.settle();
  server.start(subscriber, {
    filter: request.filter,
    start: { after: since, backlog: request.backlog, since: request.since },
    connectedSinceStart: true,
  });
  pumpTo(server, subscriber, connection);
}

function refuseOptions(subscriber: Subscriber, connection: TcpConnection, detail: string): void {
  subscriber.close();
  fail(connection, detail);
}

/** With auth: the first line is the token, or an options object whose "token" is. */
async function authenticate(
  server: StreamServer,
  connection: TcpConnection,
  auth: TokenCheck,
  timeoutMs: number,
) {
  const first = await readFirstLine(connection, { timeoutMs });
  if (first.kind === "closed") return;
  if (first.kind !== "line") return connection.close();
  // the client's stream starts when its line arrived, not when the token check finishes
  const since = server.position();
  // a JSON object carries the token and options; anything else is a plain token line
  const object = first.line.trimStart().startsWith("{") ? parseJsonObject(first.line) : undefined;
  const token = object === undefined ? first.line : object.token;
  if (typeof token !== "string") return connection.close();
  let closed = false;
  connection.onClose(() => {
    closed = true;
  });
  const ok = await auth.matches(token);
  if (closed) return;
  if (!ok) return connection.close();
  let request = PLAIN;
  try {
    if (object !== undefined) request = requestFromOptions(object);
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    return fail(connection, error.detail);
  }
  startSession(server, connection, request, since);
}

const PLAIN: StreamRequest = { filter: undefined, backlog: undefined, resume: undefined };

/** Over a limit: one JSON line saying which, then the connection closes. */
function refuse(connection: TcpConnection, refusal: ClientRefusal): void {
  connection.onData(() => undefined);
  sendAndClose(connection, refusal);
}

/** A bad options line: one JSON line saying what is wrong, then the connection closes. */
function fail(connection: TcpConnection, detail: string): void {
  sendAndClose(connection, { error: "invalid filter", detail });
}

function sendAndClose(connection: TcpConnection, body: object): void {
  const line = new TextEncoder().encode(`${JSON.stringify(body)}\n`);
  void connection
    .write(line)
    .catch(() => undefined)
    .finally(() => connection.close());
}

function startSession(
  server: StreamServer,
  connection: TcpConnection,
  request: StreamRequest,
  since: EntryId,
): void {
  connection.settle();
  const subscriber = server.open(connection.remoteAddress, {
    filter: request.filter,
    start: { after: since, backlog: request.backlog, since: request.since },
    connectedSinceStart: true,
  });
  connection.onClose(() => subscriber.close());
  pumpTo(server, subscriber, connection);
}

function pumpTo(server: StreamServer, subscriber: Subscriber, connection: TcpConnection): void {
  void server.pump(
    subscriber,
    (bytes) => connection.write(bytes),
    () => connection.close(),
  );
}
