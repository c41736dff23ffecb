// `ssl_enabled`, `ssl_cert_file`, `ssl_key_file` in [httpserver] and [tcpserver]: HTTPS and TLS-wrapped TCP
// with the suite's test-only certificate, which every client here trusts explicitly as its CA.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { onCleanup } from "../_harness/cleanup.ts";
import { byMessage, httpGet, type TcpClient } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { openFdCount } from "../_harness/proc-stats.ts";
import { makeTempDir, runLogwisp } from "../_harness/process.ts";
import { connectedSse, connectedTcp, primeStream, type Served, serve } from "../_harness/serve.ts";
import { TLS_CERT_FILE, TLS_KEY_FILE } from "../_harness/tls.ts";
import { pollUntil, waitUntil } from "../_harness/wait.ts";

const TOKEN = "tls-s3cret";

/** `--tcp-ssl-enabled --tcp-ssl-cert-file … --tcp-ssl-key-file …` (or `--http-…`) with the test files. */
function tlsFlags(server: "tcp" | "http"): string[] {
  return [
    `--${server}-ssl-enabled`,
    `--${server}-ssl-cert-file`,
    TLS_CERT_FILE,
    `--${server}-ssl-key-file`,
    TLS_KEY_FILE,
  ];
}

/** The same through the environment, as a deployment would set it. */
const HTTPS_ENV = {
  LOGWISP_HTTPSERVER_SSL_ENABLED: "true",
  LOGWISP_HTTPSERVER_SSL_CERT_FILE: TLS_CERT_FILE,
  LOGWISP_HTTPSERVER_SSL_KEY_FILE: TLS_KEY_FILE,
};

/** Resolves when the socket is closed; everything it received, as text. */
function trackSocket(socket: Socket): { socket: Socket; closed: Promise<void>; received: () => string } {
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  socket.on("error", () => undefined);
  onCleanup(() => {
    socket.destroy();
  });
  return {
    socket,
    closed: new Promise((resolve) => socket.once("close", () => resolve())),
    received: () => received,
  };
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let value: { v: T } | undefined;
  let failure: { e: unknown } | undefined;
  promise.then(
    (v) => {
      value = { v };
    },
    (e: unknown) => {
      failure = { e };
    },
  );
  return waitUntil(
    () => {
      if (failure) throw failure.e;
      return value;
    },
    { ms, describe: () => `timed out after ${ms} ms waiting for ${what}` },
  ).then(({ v }) => v);
}

/**
 * Every way a client can get a TLS port wrong, five times each: hang up at once, send plain text, send half
 * a ClientHello and vanish, cut the handshake right after the TCP connect, and refuse the certificate (no
 * CA given: verification fails and the client aborts with an alert). Resolves once all are closed; none
 * may have received a byte of the stream.
 */
async function misbehave(port: number): Promise<void> {
  const clients: Array<{ closed: Promise<void>; received: () => string }> = [];
  for (let round = 0; round < 5; round++) {
    const hangUp = await rawSocket(port);
    clients.push(trackSocket(hangUp));
    hangUp.end();
    const plain = await rawSocket(port);
    clients.push(trackSocket(plain));
    plain.write("GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const half = await rawSocket(port);
    clients.push(trackSocket(half));
    half.write(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01));
    half.destroy();
    const cut = tlsConnect({ host: "127.0.0.1", port });
    clients.push(trackSocket(cut));
    cut.once("connect", () => cut.destroy());
    clients.push(trackSocket(tlsConnect({ host: "127.0.0.1", port })));
  }
  await within(
    Promise.all(clients.map((client) => client.closed)),
    10_000,
    "every misbehaving client to be closed",
  );
  for (const client of clients) {
    assert.doesNotMatch(client.received(), /logwisp|"source"/, "a stream byte reached a client without TLS");
  }
}

async function openFds(served: Served): Promise<number> {
  return openFdCount(served.proc.pid);
}

export const tlsCases = [
  defineCase("tls: HTTPS serves /stream, /status and the rest; TLS TCP serves JSON lines", async (rt) => {
    const served = await serve(rt, {
      tcp: true,
      env: HTTPS_ENV,
      args: tlsFlags("tcp"),
      files: { "app.log": "" },
    });
    const stderr = served.proc.stderr();
    assert.match(stderr, /^logwisp: http server listening on 127\.0\.0\.1:\d+ \(https\)$/m);
    assert.match(stderr, /^logwisp: tcp server listening on 127\.0\.0\.1:\d+ \(tls\)$/m);
    assert.ok(served.proc.httpUrl.startsWith("https://"));
    const status = await httpGet(`${served.proc.httpUrl}/status`);
    assert.equal(status.status, 200);
    const servers = (status.json() as { servers: Record<string, { ssl_enabled: boolean }> }).servers;
    assert.equal(servers.http?.ssl_enabled, true);
    assert.equal(servers.tcp?.ssl_enabled, true);
    assert.doesNotMatch(
      status.body,
      /PRIVATE KEY|BEGIN|key\.pem/,
      "/status shows neither the key nor its file",
    );
    const missing = await httpGet(`${served.proc.httpUrl}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers["content-type"]?.startsWith("application/json"), true);

    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    await served.logs.appendLines("app.log", ["ERROR over tls"]);
    const [overSse, overTcp] = await Promise.all([
      sse.nextEntry(byMessage("ERROR over tls")),
      tcp.nextEntry(byMessage("ERROR over tls")),
    ]);
    assert.deepEqual(overSse, overTcp);
    assert.equal(overTcp.level, "error");
    assert.match(tcp.lines.items.at(-1)?.raw ?? "", /^\{"time":"[^"]+","source":"app\.log","level":"error"/);
  }),

  defineCase(
    "tls: auth, heartbeats and limits work on TLS TCP as in plain mode, next to plain HTTP",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        args: [...tlsFlags("tcp"), "--tcp-max-clients", "2"],
        env: {
          LOGWISP_AUTH_TOKEN: TOKEN,
          LOGWISP_TCPSERVER_HEARTBEAT_ENABLED: "true",
          LOGWISP_TCPSERVER_HEARTBEAT_INTERVAL_SECONDS: "1",
        },
        files: { "app.log": "" },
      });
      assert.ok(served.proc.httpUrl.startsWith("http://"), "HTTP stays plain");
      assert.equal(served.proc.tcpTls, true);
      const status = await httpGet(`${served.proc.httpUrl}/status`, { authorization: `Bearer ${TOKEN}` });
      const servers = (status.json() as { servers: Record<string, { ssl_enabled: boolean }> }).servers;
      assert.deepEqual([servers.http?.ssl_enabled, servers.tcp?.ssl_enabled], [false, true]);

      const reader = await served.tcp();
      await reader.send(`${TOKEN}\n`);
      await primeStream(reader, served.logs, "app.log");
      await reader.lines.next(
        (line) => (line.json as { type?: string } | undefined)?.type === "heartbeat",
        5000,
        "a heartbeat over TLS",
      );
      await served.logs.appendLines("app.log", ["after auth"]);
      await reader.nextEntry(byMessage("after auth"));

      // two places taken (the reader and one more): a third client is refused with one JSON line
      const second = await served.tcp();
      const third = await served.tcp();
      const refusal = await third.lines.next(() => true, 5000, "the refusal line");
      assert.deepEqual(refusal.json, { error: "too many clients", max_clients: 2 });
      await third.lines.waitForEnd();
      second.close();

      // a wrong token: closed, having received nothing (retried while the freed place is given back)
      const wrong = await pollUntil(async () => {
        const client = await served.tcp();
        await client.send("not-the-token\n");
        await client.lines.waitForEnd();
        if (client.lines.items.length === 0) return client;
        client.close();
        return undefined;
      }, "a wrong-token client let in far enough to be refused for its token");
      assert.equal(wrong.entries().length, 0);
    },
  ),

  defineCase("tls: HTTPS next to plain TCP: each server as configured", async (rt) => {
    const served = await serve(rt, { tcp: true, env: HTTPS_ENV, files: { "app.log": "" } });
    assert.match(served.proc.stderr(), /^logwisp: tcp server listening on 127\.0\.0\.1:\d+$/m);
    assert.equal(served.proc.tcpTls, false);
    const status = await served.status();
    assert.deepEqual([status.servers.http.ssl_enabled, status.servers.tcp.ssl_enabled], [true, false]);
    const sse = await connectedSse(served);
    const tcp = await connectedTcp(served);
    await served.logs.appendLines("app.log", ["mixed"]);
    await Promise.all([sse.nextEntry(byMessage("mixed")), tcp.nextEntry(byMessage("mixed"))]);
  }),

  defineCase(
    "tls: plain text, a cut or refused handshake on a TLS port harm no one and leak no descriptor",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        env: HTTPS_ENV,
        args: tlsFlags("tcp"),
        files: { "app.log": "" },
      });
      const sse = await connectedSse(served);
      const tcp = await connectedTcp(served);
      const before = await openFds(served);
      await misbehave(served.proc.httpPort);
      await misbehave(served.proc.tcpPort);
      // a client that connects and never starts its handshake is dropped after the handshake timeout (10 s)
      // a client that connects and never starts its handshake is dropped after the handshake timeout (10 s);
      // Deno closes a TLS connection only once its handshake is over, so there it stays until it hangs up
      // (README, Security), never reaching the stream
      const silent = trackSocket(await rawSocket(served.proc.tcpPort));
      if (rt.name === "deno") silent.socket.destroy();
      else await within(silent.closed, 15_000, "the silent client of the TLS TCP port to be closed");

      await served.logs.appendLines("app.log", ["still here"]);
      await sse.nextEntry(byMessage("still here"));
      await tcp.nextEntry(byMessage("still here"));
      const after = await pollUntil(async () => {
        const count = await openFds(served);
        return count <= before ? count : undefined;
      }, `logwisp's open descriptors to come back to ${before}`);
      console.log(
        `[${rt.name}] tls: open descriptors ${before} before 50 misbehaving clients, ${after} after`,
      );
    },
    { timeoutMs: 60_000 },
  ),

  defineCase(
    "tls: SIGTERM with TLS clients (and one still before its handshake) ends every stream and exits 0",
    async (rt) => {
      const served = await serve(rt, { tcp: true, env: HTTPS_ENV, args: tlsFlags("tcp") });
      const sse = await connectedSse(served);
      const tcp: TcpClient = await connectedTcp(served);
      // clients stuck before their handshake must not hold the shutdown (Node's listeners would wait for them)
      trackSocket(await rawSocket(served.proc.httpPort));
      trackSocket(await rawSocket(served.proc.tcpPort));
      served.proc.signal("SIGTERM");
      await tcp.lines.waitForEnd();
      await sse.events.waitForEnd();
      // shutdown gives clients 2 s; a listener waiting on a handshake would hold it 10 s
      const exit = await within(served.proc.exit, 8000, "logwisp to exit after SIGTERM");
      assert.deepEqual(exit, { code: 0, signal: null }, served.proc.stderr());
      assert.ok(
        sse.events.items.some((event) => event.event === "disconnect"),
        "event: disconnect reached the HTTPS client",
      );
    },
  ),

  defineCase(
    "tls: a missing, unreadable or refused certificate stops start-up with the key, its source and what is expected",
    async (rt) => {
      const base = ["--host", "127.0.0.1", "--http-port", "0"];
      const missing = await runLogwisp(rt, {
        args: [
          ...base,
          "--http-ssl-enabled",
          "--http-ssl-cert-file",
          "nope.pem",
          "--http-ssl-key-file",
          TLS_KEY_FILE,
        ],
      });
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(
        missing.stderr,
        /^logwisp: invalid httpserver\.ssl_cert_file from flag --http-ssl-cert-file: got "nope\.pem", expected a PEM certificate file \(-----BEGIN CERTIFICATE-----\) that logwisp can read \(.+\)$/m,
      );
      assert.doesNotMatch(missing.stderr, /listening|\n\s+at /);

      const unset = await runLogwisp(rt, {
        args: [...base, "--enable-tcp", "--tcp-port", "0", "--check-config"],
        env: { LOGWISP_TCPSERVER_SSL_ENABLED: "true" },
      });
      assert.equal(unset.code, 2, unset.stderr);
      assert.match(
        unset.stderr,
        /^logwisp: invalid tcpserver\.ssl_key_file from default: expected the path of a PEM private key file .*, since tcpserver\.ssl_enabled is true \(env LOGWISP_TCPSERVER_SSL_ENABLED\)$/m,
      );

      // a key that is not the certificate's: only the runtime's TLS library can tell
      const dir = await makeTempDir();
      const otherKey = join(dir, "other-key.pem");
      // of the certificate's type (RSA): a key of another type would be taken for another certificate slot
      const { privateKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      await writeFile(otherKey, privateKey);
      const refused = await runLogwisp(rt, {
        args: [
          ...base,
          "--http-ssl-enabled",
          "--http-ssl-cert-file",
          TLS_CERT_FILE,
          "--http-ssl-key-file",
          otherKey,
        ],
      });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /^logwisp: cannot start: httpserver\.ssl_cert_file ".+cert\.pem" and httpserver\.ssl_key_file ".+other-key\.pem" were refused \(.+\): expected a PEM certificate and the private key it was made for$/m,
      );
      assert.doesNotMatch(refused.stderr, /listening|ready|\n\s+at /);

      const printed = await runLogwisp(rt, { args: [...base, ...tlsFlags("http"), "--print-config"] });
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /^ssl_enabled = true +# flag --http-ssl-enabled$/m);
      assert.ok(printed.stdout.includes(`ssl_key_file = ${JSON.stringify(TLS_KEY_FILE)}`), printed.stdout);
      assert.doesNotMatch(printed.stdout, /PRIVATE KEY|BEGIN/);
    },
    // four runs of the CLI one after the other
    { timeoutMs: 60_000 },
  ),
];
