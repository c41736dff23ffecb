import assert from "node:assert/strict";
import { test } from "node:test";
import { testSseServer } from "../../_testing/sse-server.ts";
import { findFlag } from "../config/flags.ts";
import { findKey, findKeyByEnv } from "../config/keys.ts";
import { TokenCheck } from "./auth.ts";
import { ALLOW_HOST_DETAIL, hostNameOf, isAlwaysAllowed } from "./host-guard.ts";
import { createHttpApp, type HttpAppOptions } from "./http-app.ts";
import { type LiveViewFileName, liveViewFiles } from "./live-view.ts";

test("the name in a Host header: lower case, without the port, brackets kept", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1:8080", "127.0.0.1"],
    ["127.0.0.1", "127.0.0.1"],
    ["[::1]:8080", "[::1]"],
    ["[::1]", "[::1]"],
    ["Logs.Example.COM:80", "logs.example.com"],
    ["localhost", "localhost"],
    ["[::1", "[::1"],
  ];
  for (const [header, name] of cases) assert.equal(hostNameOf(header), name, header);
});

test("IP literals, localhost and *.localhost are always allowed; every other name is not", () => {
  for (const name of ["127.0.0.1", "10.0.0.7", "0.0.0.0", "[::1]", "[fe80::1]", "[::ffff:127.0.0.1]"]) {
    assert.equal(isAlwaysAllowed(name), true, name);
  }
  for (const name of ["localhost", "app.localhost"]) assert.equal(isAlwaysAllowed(name), true, name);
  for (const name of [
    "rebind.example",
    "127.0.0.1.rebind.example",
    "localhost.rebind.example",
    "xlocalhost",
    "256.0.0.1",
    "1.2.3",
    "[evil.example]",
    "",
  ]) {
    assert.equal(isAlwaysAllowed(name), false, name);
  }
});

test("the 403 names a key, variable and flag that exist", () => {
  assert.ok(findKey("httpserver.allowed_hosts"));
  assert.equal(findKeyByEnv("LOGWISP_HTTPSERVER_ALLOWED_HOSTS")?.key, "httpserver.allowed_hosts");
  assert.ok(findFlag("http-allowed-hosts"));
  assert.ok(findKey("auth.token"));
  assert.match(
    ALLOW_HOST_DETAIL,
    /\[httpserver\] allowed_hosts \(LOGWISP_HTTPSERVER_ALLOWED_HOSTS, --http-allowed-hosts\)/,
  );
});

function makeApp(options: Partial<HttpAppOptions> = {}) {
  const sse = testSseServer();
  const page: Record<LiveViewFileName, string> = { "page.html": "<!doctype html>", "app.js": "" };
  const liveView = liveViewFiles(async (name) => page[name], "/dist/web");
  const app = createHttpApp({ sse, status: () => ({ ok: true }), liveView, ...options });
  return async (path: string, headers: Record<string, string>) => {
    const controller = new AbortController();
    const request = new Request(`http://127.0.0.1${path}`, { headers, signal: controller.signal });
    const response = await app(request, { remoteAddress: "127.0.0.1" });
    const body = response.headers.get("content-type")?.startsWith("application/json")
      ? ((await response.json()) as unknown)
      : undefined;
    await response.body?.cancel().catch(() => undefined);
    controller.abort();
    return { status: response.status, body };
  };
}

test("without auth, a Host that is not an IP, localhost or an allowed name is refused with 403", async () => {
  const fetch = makeApp({ allowedHosts: ["MyHost", "logs.example.com"] });
  const cases: Array<[string, number]> = [
    ["127.0.0.1:8080", 200],
    ["192.168.1.20:8080", 200],
    ["[::1]:8080", 200],
    ["localhost:8080", 200],
    ["LOCALHOST", 200],
    ["dash.localhost:8080", 200],
    ["myhost:8080", 200],
    ["LOGS.example.com", 200],
    ["rebind.example", 403],
    ["rebind.example:8080", 403],
    ["logs.example.com.rebind.example", 403],
    ["127.0.0.1.nip.io", 403],
  ];
  for (const [host, status] of cases) {
    assert.equal((await fetch("/status", { host })).status, status, host);
  }
  assert.equal((await fetch("/status", {})).status, 200, "no Host header: not a browser");
  const refused = await fetch("/status", { host: "Rebind.Example:8080" });
  assert.deepEqual(refused.body, {
    error: "host not allowed",
    host: "rebind.example",
    detail:
      "add it to [httpserver] allowed_hosts (LOGWISP_HTTPSERVER_ALLOWED_HOSTS, --http-allowed-hosts), or set [auth] token",
  });
});

test("the guard covers every path: the stream, the live view, a 404", async () => {
  const fetch = makeApp();
  for (const path of ["/stream", "/", "/app.js", "/nowhere"]) {
    const refused = await fetch(path, { host: "rebind.example" });
    assert.equal(refused.status, 403, path);
    assert.equal((await fetch(path, { host: "127.0.0.1:8080" })).status, path === "/nowhere" ? 404 : 200);
  }
});

test("with auth the token guards instead: any Host is served with the token, none without", async () => {
  const fetch = makeApp({ auth: new TokenCheck("s3cret") });
  const host = "rebind.example";
  assert.equal((await fetch("/status", { host })).status, 401);
  assert.equal((await fetch("/status", { host, authorization: "Bearer s3cret" })).status, 200);
  assert.equal((await fetch("/stream?token=s3cret", { host })).status, 200);
});
