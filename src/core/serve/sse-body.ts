// One SSE client's response body: its `connected` frame, then its subscriber's batches, each taken only once
// the connection took the one before (backpressure is the transport's own). An adapter that writes bodies
// itself pulls it (FetchInfo.pipeBody: Node and Bun, straight to node:http); otherwise it is wrapped in a
// ReadableStream (Deno, tests). Frames are the hub's shared bytes (encoded once per entry), which is why this
// is not hono's per-call `writeSSE`.

import type { Batch, Subscriber } from "../fanout/hub.ts";
import type { PulledBody } from "../runtime.ts";
import { encodeNamedEvent } from "../wire/framing.ts";
import type { StreamServer } from "./stream-server.ts";

const nothing = (): void => undefined;

export class SseBody implements PulledBody<Batch> {
  private first: Batch | undefined;
  private over = false;
  /** How the transport closes the connection at once (set by attach). */
  private hangUpConnection: () => void = nothing;

  /** Opens the client's session: the server's shutdown waits for it, and may hang up on it. */
  constructor(
    private readonly server: StreamServer,
    private readonly subscriber: Subscriber,
    private readonly releaseSlot: () => void,
  ) {
    this.first = { bytes: encodeNamedEvent("connected", { client_id: subscriber.id }), entries: 0 };
    server.track(subscriber, this.hangUp);
  }

  /** The transport's hang-up: closes the connection at once, what it still holds discarded. */
  attach(hangUp: () => void): void {
    this.hangUpConnection = hangUp;
  }

  next(): Promise<Batch | undefined> {
    const first = this.first;
    if (first === undefined) return this.subscriber.next();
    this.first = undefined;
    return Promise.resolve(first);
  }

  written(batch: Batch): void {
    this.subscriber.markDelivered(batch.entries);
  }

  /** The client is gone or the stream ended: it leaves the hub and frees its slot (once). */
  readonly closed = (): void => {
    if (this.over) return;
    this.over = true;
    this.subscriber.close();
    this.releaseSlot();
    this.server.ended(this.subscriber);
  };

  /**
   * Hanging up (a stalled client, or a shutdown whose grace ran out): the connection is closed instead of
   * waiting for a client that does not read.
   */
  readonly hangUp = (): void => {
    this.hangUpConnection();
    this.closed();
  };
}

/** The body as a ReadableStream, pulled by the runtime, for an adapter that does not pipe bodies itself. */
export function sseStream(body: SseBody): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      body.attach(() => abortQuietly(controller));
    },
    async pull(controller) {
      const batch = await body.next();
      if (!batch) {
        body.closed();
        closeQuietly(controller);
        return;
      }
      controller.enqueue(batch.bytes);
      body.written(batch);
    },
    cancel: body.closed,
  });
}

/** The reason a runtime may print (Node's adapter logs a body's error): one line, no stack. */
const HANG_UP = Object.assign(
  new Error("SSE client disconnected by the server: it did not read its stream"),
  {
    stack: "SSE client disconnected by the server: it did not read its stream",
  },
);

function abortQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.error(HANG_UP);
  } catch {
    // already closed
  }
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // already closed by the client or by the end of the queue
  }
}
