// One TCP client session: JSON lines once the client is let in. A client over `max_clients` or
// `max_clients_per_ip` gets one JSON error line and is closed. A client may send one options line first,
// `{"filter": {...}, "backlog": N}`; a bad one gets `{"error":"invalid filter","detail":…}` and is closed.
// With `[auth] token` set, the first line must be the token (or the options object carrying it as
// "token"), within TCP_AUTH_TIMEOUT_MS; the client is subscribed only then, so nothing is queued for (or
// written to) a client that has not proved it may read. Without auth, the session waits TCP_OPTIONS_WAIT_MS
// for an options line and then starts from the moment the client connected: what was published meanwhile
// comes from the replay ring. Anything else the client sends is read and ignored (so its socket never
// stalls on unread input), and does it no harm.

import { FirstLineReader, TCP_AUTH_TIMEOUT_MS, type TokenCheck } from "./auth.ts";
import type { ClientRefusal } from "./client-limits.ts";
import { parseJsonObject } from "./entry.ts";
import { FilterError } from "./filter.ts";
import type { Subscriber } from "./hub.ts";
import type { EntryId } from "./replay.ts";
import type { TcpConnection } from "./runtime.ts";
import { requestFromJsonLine, requestFromOptions, type StreamRequest } from "./stream-request.ts";
import type { StreamServer } from "./stream-server.ts";
import { yieldToEventLoop } from "./tail/monitor.ts";

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
  if (options.auth === undefined) awaitOptions(server, connection, options);
  else authenticate(server, connection, options.auth, options.authTimeoutMs ?? TCP_AUTH_TIMEOUT_MS);
}

/**
 * Without auth: an options line if one starts within TCP_OPTIONS_WAIT_MS (and then ends within
 * TCP_AUTH_TIMEOUT_MS), else the whole stream; either way from the moment of connecting.
 */
function awaitOptions(server: StreamServer, connection: TcpConnection, options: TcpSessionOptions): void {
  const since = server.position();
  // let in now (there is no token to wait for): counted and listed, but held until it is known what it wants
  const subscriber = server.open(connection.remoteAddress, { held: true, start: { after: since } });
  connection.onClose(() => subscriber.close());
  const begin = (request: StreamRequest) => {
    connection.settle();
    server.start(subscriber, {
      filter: request.filter,
      start: { after: since, backlog: request.backlog },
      connectedSinceStart: true,
    });
    pumpTo(server, subscriber, connection);
  };
  const refuseOptions = (detail: string) => {
    subscriber.close();
    fail(connection, detail);
  };
  const reader = new FirstLineReader();
  let settled = false;
  let optionsLine = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  const startPlain = () => {
    // an options line that began in time has until its own deadline to end
    if (!optionsLine && settle()) begin(PLAIN);
  };
  // a server busy past the deadline finds the timer and the client's line due together, and timers run
  // first: one more turn with I/O lets a line that already arrived be read before the stream starts plain
  let timer = setTimeout(
    () => void yieldToEventLoop().then(startPlain),
    options.optionsWaitMs ?? TCP_OPTIONS_WAIT_MS,
  );
  connection.onClose(() => settle());
  connection.onData((bytes) => {
    if (settled) return;
    if (!optionsLine) {
      const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09);
      if (first === undefined) return;
      // someone typing into nc: not an options line, ignored as everything after it
      if (first !== OPEN_BRACE) return startPlain();
      optionsLine = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (settle()) refuseOptions("the options line did not end (with a newline) within 5 s");
      }, options.authTimeoutMs ?? TCP_AUTH_TIMEOUT_MS);
    }
    const line = reader.push(bytes);
    if (line === undefined || !settle()) return;
    if (line === null) return refuseOptions("the options line is longer than 4096 bytes");
    let request: StreamRequest;
    try {
      request = requestFromJsonLine(line);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      return refuseOptions(error.detail);
    }
    begin(request);
  });
}

/** With auth: the first line is the token, or an options object whose "token" is. */
function authenticate(server: StreamServer, connection: TcpConnection, auth: TokenCheck, timeoutMs: number) {
  let closed = false;
  let settled = false;
  const reject = (): void => {
    settled = true;
    connection.close();
  };
  const timer = setTimeout(reject, timeoutMs);
  connection.onClose(() => {
    closed = true;
    clearTimeout(timer);
  });
  const reader = new FirstLineReader();
  connection.onData((bytes) => {
    if (settled) return;
    const line = reader.push(bytes);
    if (line === undefined) return;
    settled = true;
    clearTimeout(timer);
    if (line === null) return reject();
    // the client's stream starts when its line arrived, not when the token check finishes
    const since = server.position();
    // a JSON object carries the token and options; anything else is a plain token line
    const object = line.trimStart().startsWith("{") ? parseJsonObject(line) : undefined;
    const token = object === undefined ? line : object.token;
    if (typeof token !== "string") return reject();
    void auth.matches(token).then((ok) => {
      if (closed) return;
      if (!ok) return reject();
      let request = PLAIN;
      try {
        if (object !== undefined) request = requestFromOptions(object);
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        return fail(connection, error.detail);
      }
      startSession(server, connection, request, since);
    });
  });
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
    start: { after: since, backlog: request.backlog },
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
