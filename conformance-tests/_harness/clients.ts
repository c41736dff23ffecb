// The clients a user would run: an SSE reader (curl -N), a TCP line reader (nc), and plain HTTP GETs.
import { type IncomingHttpHeaders, request as plainRequest, type RequestOptions } from "node:http";
import { request as tlsRequest } from "node:https";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { onCleanup } from "./cleanup.ts";
import { Inbox, type Predicate } from "./inbox.ts";
import { TEST_CA } from "./tls.ts";
import { DEFAULT_TIMEOUT_MS } from "./wait.ts";

/** http:// as curl would; https:// trusting the suite's test certificate, as `curl --cacert` would. */
const request = (
  url: string,
  options: RequestOptions,
  onResponse: Parameters<typeof plainRequest>[2],
): ReturnType<typeof plainRequest> =>
  url.startsWith("https:")
    ? tlsRequest(url, { ...options, ca: TEST_CA }, onResponse)
    : plainRequest(url, options, onResponse);

/** A log entry as it appears on the wire. */
export interface Entry {
  readonly time: string;
  /** With `[monitor] hostname` set, or NATS on. */
  readonly host?: string;
  readonly source: string;
  readonly level?: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/** What both streaming transports offer, so a case can be written once for TCP and SSE. */
export interface EntryStream {
  readonly label: string;
  /** Next log entry after the entry cursor that matches. */
  nextEntry(predicate?: Predicate<Entry>, ms?: number): Promise<Entry>;
  /** Every log entry received so far, in order. */
  entries(): Entry[];
  /** First entry ever received that matches, wherever the cursor is (for lines of another file). */
  waitForEntry(predicate: Predicate<Entry>, ms?: number): Promise<Entry>;
  expectNoEntry(predicate: Predicate<Entry>, ms: number, what?: string): Promise<void>;
  close(): void;
}

/** Matches an entry by its exact message; named so a timeout says what was awaited. */
export function byMessage(message: string): Predicate<Entry> {
  const predicate: Predicate<Entry> = (entry) => entry.message === message;
  Object.defineProperty(predicate, "name", { value: `message === ${JSON.stringify(message.slice(0, 80))}` });
  return predicate;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A log entry is a JSON object with a source and a message; heartbeats and events are not. */
export function asEntry(value: unknown): Entry | undefined {
  if (!isObject(value) || value.type === "heartbeat") return undefined;
  return typeof value.source === "string" && typeof value.message === "string"
    ? (value as unknown as Entry)
    : undefined;
}

// ---------------------------------------------------------------------------------------------- SSE

export interface SseEvent {
  readonly event?: string;
  readonly data?: string;
  readonly id?: string;
  /** Text of a `:` comment line, without the colon and one following space. */
  readonly comment?: string;
}

export interface SseClient extends EntryStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: Inbox<SseEvent>;
  /** Stops reading the response (Node then stops reading the socket), like a client that fell behind. */
  pause(): void;
  resume(): void;
}

/** Parses the SSE wire format incrementally; comments are reported as their own items. */
export class SseParser {
  #buffer = "";
  #event: { event?: string; data?: string[]; id?: string } = {};

  constructor(private readonly emit: (event: SseEvent) => void) {}

  feed(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const newline = this.#buffer.search(/\r\n|\r|\n/);
      if (newline < 0) return;
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + width);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === "") {
      const { event, data, id } = this.#event;
      if (event !== undefined || data !== undefined || id !== undefined) {
        this.emit({
          ...(event !== undefined ? { event } : {}),
          ...(data !== undefined ? { data: data.join("\n") } : {}),
          ...(id !== undefined ? { id } : {}),
        });
      }
      this.#event = {};
      return;
    }
    if (line.startsWith(":")) {
      this.emit({ comment: line.slice(1).replace(/^ /, "") });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") this.#event.event = value;
    else if (field === "data") this.#event.data = [...(this.#event.data ?? []), value];
    else if (field === "id") this.#event.id = value;
  }
}

/** A data message with no event name (or "message") whose data is a log entry. */
export function sseEntry(event: SseEvent): Entry | undefined {
  if (event.data === undefined || (event.event !== undefined && event.event !== "message")) return undefined;
  return asEntry(parseJson(event.data));
}

/**
 * Opens `GET url` as an SSE stream; resolves once the response headers arrived. `localAddress` picks the
 * client's own address (`127.0.0.2`: another loopback address, for per-address limits).
 */
export function openSse(
  url: string,
  headers: Record<string, string> = {},
  ms = DEFAULT_TIMEOUT_MS,
  localAddress?: string,
): Promise<SseClient> {
  const label = `SSE client of ${url}${localAddress ? ` from ${localAddress}` : ""}`;
  const events = new Inbox<SseEvent>(label, (event) => JSON.stringify(event));
  const parser = new SseParser((event) => events.push(event));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        headers: { accept: "text/event-stream", ...headers },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        clearTimeout(timer);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => parser.feed(chunk));
        res.on("end", () => events.end("server ended the response"));
        res.on("error", (error) => events.end(`response error: ${error.message}`));
        res.on("close", () => events.end("connection closed"));
        const entryCursor = new EntryCursor(label, events, sseEntry);
        resolve({
          label,
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          nextEntry: (predicate, waitMs) => entryCursor.next(predicate, waitMs),
          entries: () => entryCursor.all(),
          waitForEntry: (predicate, waitMs) => entryCursor.find(predicate, waitMs),
          expectNoEntry: (predicate, waitMs, what) => entryCursor.expectNone(predicate, waitMs, what),
          close: () => req.destroy(),
          pause: () => res.pause(),
          resume: () => res.resume(),
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${label}: no response headers within ${ms} ms`));
    }, ms);
    req.on("error", (error) => {
      clearTimeout(timer);
      events.end(`request error: ${error.message}`);
      reject(new Error(`${label}: ${error.message}`));
    });
    req.end();
    onCleanup(() => {
      req.destroy();
    });
  });
}

/**
 * Walks the log entries inside a transport's inbox with its own cursor, so waiting for an entry does not
 * consume the heartbeats or events a case may look for afterwards. Parses each item once.
 */
class EntryCursor<T> {
  #cursor = 0;
  #parsed = 0;
  readonly #entries: Entry[] = [];

  constructor(
    private readonly label: string,
    private readonly inbox: Inbox<T>,
    private readonly toEntry: (item: T) => Entry | undefined,
  ) {}

  all(): Entry[] {
    this.#sync();
    return [...this.#entries];
  }

  next(predicate: Predicate<Entry> = () => true, ms = DEFAULT_TIMEOUT_MS): Promise<Entry> {
    let scanned = this.#cursor;
    return this.inbox.until(
      () => {
        this.#sync();
        for (; scanned < this.#entries.length; scanned += 1) {
          const entry = this.#entries[scanned] as Entry;
          if (predicate(entry)) {
            this.#cursor = scanned + 1;
            return entry;
          }
        }
        return undefined;
      },
      ms,
      `a log entry${predicate.name ? ` (${predicate.name})` : ""} after entry #${this.#cursor} on ${this.label}`,
    );
  }

  find(predicate: Predicate<Entry>, ms = DEFAULT_TIMEOUT_MS): Promise<Entry> {
    let scanned = 0;
    return this.inbox.until(
      () => {
        this.#sync();
        for (; scanned < this.#entries.length; scanned += 1) {
          const entry = this.#entries[scanned] as Entry;
          if (predicate(entry)) return entry;
        }
        return undefined;
      },
      ms,
      `a log entry${predicate.name ? ` (${predicate.name})` : ""} on ${this.label}`,
    );
  }

  expectNone(predicate: Predicate<Entry>, ms: number, what = "matching log entry"): Promise<void> {
    return this.inbox.expectNone(
      (item) => {
        const entry = this.toEntry(item);
        return entry !== undefined && predicate(entry);
      },
      ms,
      what,
    );
  }

  #sync(): void {
    const items = this.inbox.items;
    for (; this.#parsed < items.length; this.#parsed += 1) {
      const entry = this.toEntry(items[this.#parsed] as T);
      if (entry !== undefined) this.#entries.push(entry);
    }
  }
}

// ---------------------------------------------------------------------------------------------- TCP

export interface TcpLine {
  readonly raw: string;
  /** The parsed line, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface TcpClient extends EntryStream {
  readonly lines: Inbox<TcpLine>;
  readonly socket: Socket;
  send(text: string | Uint8Array): Promise<void>;
}

/**
 * Connects like `nc 127.0.0.1 PORT` and splits what arrives into JSON lines. `localAddress` picks the
 * client's own address (`127.0.0.2`: another loopback address, for per-address limits). With `tls`, like
 * `openssl s_client -CAfile <test cert>`: resolves once the handshake is done and the server verified.
 */
export function openTcp(
  port: number,
  host = "127.0.0.1",
  ms = DEFAULT_TIMEOUT_MS,
  localAddress?: string,
  tls = false,
): Promise<TcpClient> {
  const label = `${tls ? "TLS " : ""}TCP client of ${host}:${port}${localAddress ? ` from ${localAddress}` : ""}`;
  const lines = new Inbox<TcpLine>(label, (line) => line.raw);
  return new Promise((resolve, reject) => {
    const address = { host, port, ...(localAddress ? { localAddress } : {}) };
    const socket = tls ? tlsConnect({ ...address, ca: TEST_CA }) : connect(address);
    onCleanup(() => {
      socket.destroy();
    });
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const raw = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push({ raw, json: parseJson(raw) });
        newline = buffer.indexOf("\n");
      }
    });
    socket.on("end", () =>
      lines.end(`server ended the connection${buffer ? ` (unterminated: ${buffer})` : ""}`),
    );
    socket.on("close", () => lines.end("connection closed"));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${label}: not connected within ${ms} ms`));
    }, ms);
    // A permanent listener: an unhandled socket error (a reset) would crash the test process.
    socket.on("error", (error) => {
      clearTimeout(timer);
      lines.end(`socket error: ${error.message}`);
      reject(new Error(`${label}: ${error.message}`));
    });
    socket.once(tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      const entryCursor = new EntryCursor(label, lines, (line) => asEntry(line.json));
      resolve({
        label,
        lines,
        socket,
        nextEntry: (predicate, waitMs) => entryCursor.next(predicate, waitMs),
        entries: () => entryCursor.all(),
        waitForEntry: (predicate, waitMs) => entryCursor.find(predicate, waitMs),
        expectNoEntry: (predicate, waitMs, what) => entryCursor.expectNone(predicate, waitMs, what),
        send: (text) =>
          new Promise((done, fail) => socket.write(text, (error) => (error ? fail(error) : done()))),
        close: () => socket.destroy(),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------- HTTP

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json(): unknown;
}

/** One GET on a fresh connection (`Connection: close`), like curl. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  ms = DEFAULT_TIMEOUT_MS,
): Promise<HttpResponse> {
  return httpRequest("GET", url, headers, ms);
}

/** One request with any method on a fresh connection (`Connection: close`). */
export function httpRequest(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  ms = DEFAULT_TIMEOUT_MS,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options = { method, agent: false, headers: { connection: "close", ...headers } };
    const req = request(url, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => {
            try {
              return JSON.parse(body);
            } catch {
              throw new Error(`${method} ${url}: body is not JSON: ${body.slice(0, 500)}`);
            }
          },
        });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${url}: no complete response within ${ms} ms`));
    }, ms);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${method} ${url}: ${error.message}`));
    });
    req.end();
  });
}

/** Resolves true when something accepts a TCP connection on host:port, false when refused. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
