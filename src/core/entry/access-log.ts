// Web server access logs, nginx's and Apache's common and combined formats:
//   127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"
// client, identity (always `-` in practice), user, [time], "request line", status, bytes, and in the
// combined format "referrer" "user agent". What follows them (nginx's `"$http_x_forwarded_for"`, a
// request time) stays in the message only.

import type { Level } from "../wire/contract.ts";
import type { LogEntry } from "./entry.ts";

/** A quoted part: anything but a quote, or a backslash and what it escapes (Apache writes `\"`, nginx `\x22`). */
const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const ACCESS_LINE = new RegExp(
  String.raw`(\S+) \S+ (\S+) \[(\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\] ${QUOTED} (\d{3}) (\d+|-)(?: ${QUOTED} ${QUOTED})?(?= |$)`,
  "y",
);
const REQUEST_LINE = /^([A-Z][A-Z_-]*) (\S+)(?: (HTTP\/[\d.]+))?$/;

/**
 * Whether the line has the shape of one before any regex runs: its fourth blank-separated part opens with
 * `[` (three indexOf, on every line that reaches here).
 */
export function mayBeAccessLog(line: string): boolean {
  const first = line.indexOf(" ");
  if (first <= 0) return false;
  const second = line.indexOf(" ", first + 1);
  if (second === -1) return false;
  const third = line.indexOf(" ", second + 1);
  return third !== -1 && line.charCodeAt(third + 1) === 0x5b /* [ */;
}

/**
 * The entry of an access-log line, or undefined when it is not one. The message is the whole line (what
 * people grep for); fields, in the line's order: `remote_addr`, `user` (absent for `-`), `ts` (the bracketed
 * time, as written), `method`, `path`, `protocol` (absent when the request line has none), or `request`
 * when the request line is not `METHOD path [HTTP/x]`, `status` (a number), `bytes` (a number; `-`, which
 * Apache writes for no body, is 0), `referrer` and `user_agent` (absent for `-`). Level from the status:
 * 5xx error, 4xx warn, anything else info.
 */
export function accessLogEntry(line: string, source: string, time: string): LogEntry | undefined {
  ACCESS_LINE.lastIndex = 0;
  const match = ACCESS_LINE.exec(line);
  if (match === null) return undefined;
  const [, remoteAddr = "", user = "", ts = "", request = "", statusText = "", bytesText = ""] = match;
  const fields: Record<string, unknown> = { remote_addr: remoteAddr };
  if (user !== "-") fields.user = user;
  fields.ts = ts;
  const parts = REQUEST_LINE.exec(request);
  if (parts === null) {
    fields.request = request;
  } else {
    fields.method = parts[1];
    fields.path = parts[2];
    if (parts[3] !== undefined) fields.protocol = parts[3];
  }
  const status = Number(statusText);
  fields.status = status;
  fields.bytes = bytesText === "-" ? 0 : Number(bytesText);
  const [referrer, userAgent] = [match[7], match[8]];
  if (referrer !== undefined && referrer !== "-") fields.referrer = referrer;
  if (userAgent !== undefined && userAgent !== "-") fields.user_agent = userAgent;
  return { time, source, level: statusLevel(status), message: line, fields };
}

function statusLevel(status: number): Level {
  if (status >= 500 && status <= 599) return "error";
  return status >= 400 && status <= 499 ? "warn" : "info";
}
