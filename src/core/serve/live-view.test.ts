import assert from "node:assert/strict";
import { test } from "node:test";
import { testSseServer } from "../../_testing/sse-server.ts";
import { TokenCheck } from "./auth.ts";
import { createHttpApp } from "./http-app.ts";
import { type LiveViewFileName, liveViewFiles } from "./live-view.ts";

const BUILT: Record<LiveViewFileName, string> = {
  "page.html": "<!doctype html><title>logwisp</title>",
  "app.js": "console.log('live')",
};

function missing(name: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, open '/pkg/dist/web/${name}'`), { code: "ENOENT" });
}

function makeApp(files: Partial<Record<LiveViewFileName, string>>, token?: string) {
  const reads: string[] = [];
  const sse = testSseServer();
  const liveView = liveViewFiles(async (name) => {
    reads.push(name);
    const text = files[name];
    if (text === undefined) throw missing(name);
    return text;
  }, "/pkg/dist/web");
  const app = createHttpApp({
    sse,
    status: () => ({}),
    auth: token === undefined ? undefined : new TokenCheck(token),
    liveView,
  });
  const fetch = (path: string, init: RequestInit = {}) =>
    Promise.resolve(app(new Request(`http://logwisp${path}`, init), { remoteAddress: "127.0.0.1" }));
  return { fetch, reads, files };
}

test("GET / is the page and GET /app.js its script, with a policy that allows no other origin", async () => {
  const { fetch } = makeApp(BUILT);
  const page = await fetch("/");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await page.text(), BUILT["page.html"]);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const script = await fetch("/app.js");
  assert.equal(script.status, 200);
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await script.text(), BUILT["app.js"]);
  assert.equal((await fetch("/", { method: "HEAD" })).status, 200);
});

test("with a token set, the page and script are served without it; the data is not", async () => {
  const { fetch } = makeApp(BUILT, "s3cret");
  assert.equal((await fetch("/")).status, 200);
  assert.equal((await fetch("/app.js")).status, 200);
  assert.equal((await fetch("/status")).status, 401);
  assert.equal((await fetch("/stream")).status, 401);
  assert.equal((await fetch("/page.html")).status, 401, "nothing else of the folder is reachable");
});

test("files are read once and kept", async () => {
  const { fetch, reads } = makeApp(BUILT);
  await fetch("/");
  await fetch("/");
  await fetch("/app.js");
  assert.deepEqual(reads.sort(), ["app.js", "page.html"]);
});

test("a missing build answers 503 with a page that says how to build it, and is read again next time", async () => {
  const files: Partial<Record<LiveViewFileName, string>> = { "page.html": BUILT["page.html"] };
  const { fetch } = makeApp(files);
  const page = await fetch("/");
  assert.equal(page.status, 503);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  const text = await page.text();
  assert.match(text, /The live view is not built/);
  assert.match(text, /npm run build:web/);
  assert.match(text, /\/pkg\/dist\/web/);
  const script = await fetch("/app.js");
  assert.equal(script.status, 503);
  assert.match(await script.text(), /^\/\* logwisp: the live view is not built/);
  files["app.js"] = BUILT["app.js"];
  assert.equal((await fetch("/")).status, 200, "built meanwhile: served without a restart");
});

test("another read error (a permission) is shown as it is, escaped", async () => {
  const sse = testSseServer();
  const liveView = liveViewFiles(async () => {
    throw Object.assign(new Error("deno needs --allow-read for <dist/web>"), { code: "EACCES" });
  }, "dist/web");
  const app = createHttpApp({ sse, status: () => ({}), liveView });
  const page = await app(new Request("http://logwisp/"), { remoteAddress: "127.0.0.1" });
  assert.equal(page.status, 503);
  assert.match(await page.text(), /deno needs --allow-read for &#60;dist\/web&#62;/);
});

test("other methods on / are 405; the 404 lists / among the endpoints", async () => {
  const { fetch } = makeApp(BUILT);
  const post = await fetch("/", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET");
  const notFound = (await (await fetch("/nope")).json()) as { endpoints: string[] };
  assert.deepEqual(notFound.endpoints, ["/", "/stream", "/status"]);
});
