// What a web page on another origin can read of logwisp, in Chromium: a small page served by this test
// (127.0.0.1, another port: another origin) fetches /status and /stream from a logwisp (node, from the
// sources). With the defaults it reads nothing; with its origin in cors_origins (and a token, as the README
// advises) it reads a secret line. DNS rebinding is played by Chromium's own resolver: `rebind.example`
// maps to 127.0.0.1, so the browser sends `Host: rebind.example` to logwisp.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { runUnscopedCleanups } from "../../conformance-tests/_harness/cleanup.ts";
import { httpGet } from "../../conformance-tests/_harness/clients.ts";
import { LogDir } from "../../conformance-tests/_harness/files.ts";
import { type LogwispProcess, makeTempDir, startLogwisp } from "../../conformance-tests/_harness/process.ts";
import { node } from "../../conformance-tests/_harness/runtimes.ts";
import { pollUntil } from "../../conformance-tests/_harness/wait.ts";
import { chromiumArgs, chromiumPath } from "./chromium.ts";
import { PAGE_TIMEOUT_MS } from "./live-page.ts";

const SECRET = "ERROR db password=SECRET-hunter2";
const TOKEN = "tok-browser-7c2e";
const REBIND_HOST = "rebind.example";

/**
 * Put in every page the test opens (the other origin's, and logwisp's own answers on the rebound name):
 * `read(url, headers, until)` fetches with the page's own fetch, so CORS applies, and reads the body
 * until `until` shows up (a stream never ends) or to its end; a refused read is `{ error }`. Plain script
 * text, not a function sent from here: tsx would wrap a named function in a helper the page lacks.
 */
const READ_SCRIPT = `
window.read = async (url, headers, until) => {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(${PAGE_TIMEOUT_MS}) });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (until === undefined || !text.includes(until)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return { status: response.status, text };
  } catch (error) {
    return { error: String(error) };
  }
};`;

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>dashboard</title><p>a page on another origin</p>`;

type ReadResult = { status: number; text: string } | { error: string };

let browser: Browser;
let context: BrowserContext;
let pageServer: Server;
let pageOrigin = "";
/** Defaults: no CORS, no auth. */
let plain: LogwispProcess;
/** cors_origins naming the page's origin, and a token. */
let listed: LogwispProcess;

function read(page: Page, url: string, headers: Record<string, string> = {}, until?: string) {
  return page.evaluate(
    ([url, headers, until]) =>
      (window as unknown as { read: (...args: unknown[]) => Promise<ReadResult> }).read(url, headers, until),
    [url, headers, until] as const,
  );
}

async function openPage(url: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(url);
  return page;
}

async function startPageServer(): Promise<void> {
  pageServer = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(PAGE_HTML);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
}

before(async () => {
  await startPageServer();
  const logs = new LogDir(await makeTempDir("logwisp-browser-cors-"));
  await logs.write("app.log", "");
  const args = ["--host", "127.0.0.1", "--http-port", "0", "--check-interval", "20", `${logs.path}:*.log`];
  [plain, listed] = await Promise.all([
    startLogwisp(node, { cwd: logs.path, args }),
    startLogwisp(node, {
      cwd: logs.path,
      args: [...args, "--http-cors-origins", pageOrigin],
      // two instances on the same targets: each its own state directory, or the second would be refused
      env: { LOGWISP_AUTH_TOKEN: TOKEN, XDG_STATE_HOME: `${logs.path}/state-listed` },
    }),
  ]);
  await logs.appendLines("app.log", [SECRET]);
  // both hold the line for a backlog before any page asks
  for (const proc of [plain, listed]) {
    await pollUntil(
      async () => {
        const status = await httpGet(`${proc.httpUrl}/status`, { authorization: `Bearer ${TOKEN}` });
        return (status.json() as { replay: { entries: number } }).replay.entries >= 1 || undefined;
      },
      "the secret line in the replay ring",
      10_000,
    );
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs, `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`],
    headless: true,
  });
  context = await browser.newContext();
  await context.addInitScript({ content: READ_SCRIPT });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await runUnscopedCleanups();
});

describe("a page on another origin", { concurrency: false }, () => {
  test("reads neither /stream nor /status of a logwisp with the defaults", async () => {
    const page = await openPage(pageOrigin);
    for (const path of ["/stream?backlog=5", "/status"]) {
      const result = await read(page, `${plain.httpUrl}${path}`, {}, SECRET);
      assert.ok("error" in result, `${path} was readable: ${JSON.stringify(result)}`);
      assert.match(result.error, /TypeError: Failed to fetch/);
    }
    await page.close();
  });

  test("reads the secret line once cors_origins names its origin (with the token)", async () => {
    const page = await openPage(pageOrigin);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    // the Authorization header makes Chromium send a preflight first: logwisp's answer lets it through
    const stream = await read(page, `${listed.httpUrl}/stream?backlog=5`, bearer, SECRET);
    assert.ok("text" in stream, JSON.stringify(stream));
    assert.equal(stream.status, 200);
    assert.ok(stream.text.includes(SECRET), stream.text);
    const status = await read(page, `${listed.httpUrl}/status`, bearer);
    assert.ok("text" in status, JSON.stringify(status));
    assert.equal((JSON.parse(status.text) as { service: string }).service, "logwisp");
    await page.close();
  });
});

describe("a page on a name rebound to 127.0.0.1", { concurrency: false }, () => {
  test("gets 403 from a logwisp without auth, the stream included", async () => {
    const page = await openPage(`http://${REBIND_HOST}:${plain.httpPort}/`);
    assert.match((await page.textContent("body")) ?? "", /"error":"host not allowed".*allowed_hosts/);
    // same origin for the browser now: only the Host check stands between the page and the logs
    const stream = await read(page, "/stream?backlog=5", {}, SECRET);
    assert.ok("status" in stream && stream.status === 403, JSON.stringify(stream));
    assert.ok(!stream.text.includes("SECRET"), stream.text);
    await page.close();
  });

  test("is served with the token by a logwisp with auth, and not without it", async () => {
    const page = await openPage(`http://${REBIND_HOST}:${listed.httpPort}/status`);
    assert.match((await page.textContent("body")) ?? "", /"error":"unauthorized"/);
    const status = await read(page, "/status", { authorization: `Bearer ${TOKEN}` });
    assert.ok("status" in status && status.status === 200, JSON.stringify(status));
    await page.close();
  });
});
