// A TCP client's first line, read before a deadline: the token line with auth, the options line without.
// Both ask the same question — the line, or why there is none — so each session reads as straight-line
// code over the answer instead of timers and flags of its own.

import type { TcpConnection } from "../runtime.ts";
import { yieldToEventLoop } from "../util/event-loop.ts";

/** The longest first line read (a token or an options object); a client that sends more is refused. */
export const FIRST_LINE_MAX_BYTES = 4096;

export type FirstLine =
  | { readonly kind: "line"; readonly line: string }
  /** `startWithinMs` passed with nothing sent, or the line began with something other than `startsWith`. */
  | { readonly kind: "not-started" }
  /** The line began but did not end (with a newline) within `timeoutMs`. */
  | { readonly kind: "timeout" }
  /** More than `maxBytes` arrived without a newline. */
  | { readonly kind: "too-long" }
  | { readonly kind: "closed" };

export interface FirstLineOptions {
  /** From the connection (or, with `startWithinMs`, from the line's first byte) until the newline. */
  readonly timeoutMs: number;
  readonly maxBytes?: number;
  /**
   * Wait this long for the line to start (its first byte other than a space or tab); without it the
   * answer is `not-started`. A busy server finds this timer and the client's bytes due together, and
   * timers run first: one more turn with I/O lets a line that already arrived be read before giving up.
   */
  readonly startWithinMs?: number;
  /** The byte the line must start with (after spaces and tabs); any other means `not-started`. */
  readonly startsWith?: number;
}

/**
 * Reads the client's first line. The connection's later bytes are still delivered to its data listeners
 * (and ignored by this reader), so a socket never stalls on unread input.
 */
export function readFirstLine(connection: TcpConnection, options: FirstLineOptions): Promise<FirstLine> {
  return new Promise((resolve) => {
    const reader = new FirstLineReader(options.maxBytes);
    let settled = false;
    let started = options.startWithinMs === undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (answer: FirstLine): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const lineDeadline = (): void => {
      timer = setTimeout(() => settle({ kind: "timeout" }), options.timeoutMs);
    };
    if (options.startWithinMs === undefined) lineDeadline();
    else {
      timer = setTimeout(
        () => void yieldToEventLoop().then(() => started || settle({ kind: "not-started" })),
        options.startWithinMs,
      );
    }
    connection.onClose(() => settle({ kind: "closed" }));
    connection.onData((bytes) => {
      if (settled) return;
      if (!started) {
        const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09);
        if (first === undefined) return;
        if (options.startsWith !== undefined && first !== options.startsWith) {
          return settle({ kind: "not-started" });
        }
        started = true;
        clearTimeout(timer);
        lineDeadline();
      }
      const line = reader.push(bytes);
      if (line === null) settle({ kind: "too-long" });
      else if (line !== undefined) settle({ kind: "line", line });
    });
  });
}

/**
 * Collects a first line from the chunks a client sends. `push` returns the line (without its `\n` or
 * `\r\n`) once complete, `null` when the client sent more than `maxBytes` without a newline, and
 * undefined while the line is still incomplete.
 */
export class FirstLineReader {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly maxBytes = FIRST_LINE_MAX_BYTES) {}

  push(bytes: Uint8Array): string | null | undefined {
    const newline = bytes.indexOf(0x0a);
    const head = newline === -1 ? bytes : bytes.subarray(0, newline);
    if (this.size + head.length > this.maxBytes) return null;
    // copied: a runtime may reuse its read buffer for the next chunk
    this.chunks.push(head.slice());
    this.size += head.length;
    if (newline === -1) return undefined;
    const line = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      line.set(chunk, offset);
      offset += chunk.length;
    }
    return new TextDecoder().decode(line).replace(/\r$/, "");
  }
}
