// The live view (GET /, GET /app.js): served by every runtime from the built dist/web, without the token
// when auth is on (it holds no log data), and self-contained (its policy allows no other origin). The
// page itself is driven in a browser by test/browser/.
import assert from "node:assert/strict";
import { httpGet } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { serve } from "../_harness/serve.ts";

export const liveViewCases = [
  defineCase("live view: GET / and GET /app.js are served, without the token when auth is on", async (rt) => {
    const served = await serve(rt, { env: { LOGWISP_AUTH_TOKEN: "tok-live-view" } });
    const url = served.proc.httpUrl;
    const page = await httpGet(`${url}/`);
    assert.equal(page.status, 200, page.body.slice(0, 500));
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.match(page.body, /<script src="app\.js"><\/script>/);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
    // nothing in the page points anywhere but here (a data: icon is part of the page)
    assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//);
    const script = await httpGet(`${url}/app.js`);
    assert.equal(script.status, 200, script.body.slice(0, 500));
    assert.equal(script.headers["content-type"], "text/javascript; charset=utf-8");
    // the page reads /stream itself (fetch + its own SSE parser), resuming with the Last-Event-ID header
    assert.match(script.body, /last-event-id/);
    assert.equal((await httpGet(`${url}/status`)).status, 401, "the data still needs the token");
  }),
];
