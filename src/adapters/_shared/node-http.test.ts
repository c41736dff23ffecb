import assert from "node:assert/strict";
import { get, type IncomingMessage } from "node:http";
import { test } from "node:test";
import type { BodyChunk, FetchHandler, Listener, PulledBody } from "../../core/runtime.ts";
import { serveHttp } from "./node-http.ts";

/** Calls `probe` every intervalMs until it returns a value, for up to ms. */
async function pollUntil<T>(
  probe: () => T | undefined,
  what: string,
  ms: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/** An endless body of 64 KiB chunks, counting what the adapter asked for and wrote. */
class CountingBody implements PulledBody {
  pulled = 0;
  writtenCount = 0;
  closedCount = 0;
  ended = false;
  next(): Promise<BodyChunk | undefined> {
    this.pulled++;
    return Promise.resolve(this.ended ? undefined : { bytes: CHUNK });
  }
  written(): void {
    this.writtenCount++;
  }
  readonly closed = (): void => {
    this.closedCount++;
  };
}

/** A server whose GET /pipe pipes `body`; the hang-up it got back is kept. */
async function servePiped(body: PulledBody): Promise<{ listener: Listener; hangUp: () => void }> {
  let hangUp: (() => void) | undefined;
  const handler: FetchHandler = (request, info) => {
    if (new URL(request.url).pathname !== "/pipe" || !info.pipeBody) {
      return new Response(`no pipe for ${request.method}`, { status: 404 });
    }
    hangUp = info.pipeBody(body);
    return new Response(null, {
      status: 200,
      headers: { "content-type": "text/event-stream", "x-seen": "1" },
    });
  };
  const listener = await serveHttp(handler, { host: "127.0.0.1", port: 0 });
  return { listener, hangUp: () => hangUp?.() };
}

function request(port: number, method = "GET"): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/pipe", method }, resolve);
    req.on("error", reject);
  });
}

test("a piped body is written with the handler's headers, and a client that does not read stops the pulls", async () => {
  const body = new CountingBody();
  const { listener } = await servePiped(body);
  try {
    const response = await request(listener.port);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-type"], "text/event-stream");
    assert.equal(response.headers["x-seen"], "1");
    // not read: the kernel's buffers fill, then the response's, then the adapter waits for drain
    response.pause();
    let previous = -1;
    const stuck = await pollUntil(
      () => {
        const settled = body.pulled === previous && body.pulled === body.writtenCount + 1;
        previous = body.pulled;
        return settled ? body.pulled : undefined;
      },
      "the pulls to stop while the client does not read",
      20_000,
      200,
    );
    // what the socket and the kernel hold, not an unbounded queue
    assert.ok(stuck * CHUNK.length < 64 * 1024 * 1024, `${stuck} chunks pulled`);
    // reading again lets the adapter pull again
    let received = 0;
    response.on("data", (data: Buffer) => {
      received += data.length;
    });
    response.resume();
    await pollUntil(
      () => (body.pulled > stuck + 4 ? true : undefined),
      "the pulls to go on once the client reads",
      20_000,
    );
    assert.ok(received > 0);
    assert.equal(body.closedCount, 0);
    response.destroy();
    await pollUntil(() => (body.closedCount > 0 ? true : undefined), "closed() once the client left", 10_000);
  } finally {
    await listener.close();
  }
});

test("the hang-up the adapter returns closes the connection at once, and the body is told", async () => {
  const body = new CountingBody();
  const { listener, hangUp } = await servePiped(body);
  try {
    const response = await request(listener.port);
    response.pause();
    const closed = new Promise<void>((resolve) => response.once("close", () => resolve()));
    await pollUntil(() => (body.writtenCount > 0 ? true : undefined), "a first chunk written", 10_000);
    hangUp();
    response.resume();
    await closed;
    await pollUntil(() => (body.closedCount > 0 ? true : undefined), "closed() after the hang-up", 10_000);
  } finally {
    await listener.close();
  }
});

test("a body that ends ends the response; HEAD gets no pipe", async () => {
  const body = new CountingBody();
  body.ended = true;
  const { listener } = await servePiped(body);
  try {
    const response = await request(listener.port);
    assert.equal(response.statusCode, 200);
    let text = "";
    for await (const data of response) text += String(data);
    assert.equal(text, "");
    assert.ok(body.closedCount > 0);
    const head = await request(listener.port, "HEAD");
    assert.equal(head.statusCode, 404, "HEAD is answered without a pipe");
    head.resume();
  } finally {
    await listener.close();
  }
});
