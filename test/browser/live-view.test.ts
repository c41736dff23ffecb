// The live view as a user meets it: the real CLI (node, from the sources) follows a temp dir, headless
// Chromium opens GET /, and the test appends to files and reads what the page shows. Screenshots (light,
// dark, phone) go to artifacts/ (git-ignored). Figures for 100,000 lines are printed, never asserted on
// beyond generous deadlines.
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { runUnscopedCleanups } from "../../conformance-tests/_harness/cleanup.ts";
import { LogDir } from "../../conformance-tests/_harness/files.ts";
import { type LogwispProcess, makeTempDir, startLogwisp } from "../../conformance-tests/_harness/process.ts";
import { bun, deno, node, repoRoot } from "../../conformance-tests/_harness/runtimes.ts";
import { fetchStatus } from "../../conformance-tests/_harness/serve.ts";
import {
  heapUsedBytes,
  type LivePage,
  launchChromium,
  nextFrames,
  openLivePage,
  readCounts,
  visibleMessages,
  waitForReceived,
  waitForRow,
  waitForState,
} from "./live-page.ts";

const ARTIFACTS = join(repoRoot, "artifacts");
/** With LOGWISP_DOCS_SCREENSHOTS=1, the README's pictures are written to docs/ too (to commit them). */
const DOCS = process.env.LOGWISP_DOCS_SCREENSHOTS === "1" ? join(repoRoot, "docs") : undefined;
const BIG_BURST_LINES = 100_000;
/** The runtime logwisp runs on: node, or LOGWISP_BROWSER_RUNTIME=bun|deno to see the page against another. */
const runtime = { node, bun, deno }[process.env.LOGWISP_BROWSER_RUNTIME ?? "node"] ?? node;

let browser: Browser;
let logs: LogDir;
let server: LogwispProcess;
let port = 0;
let live: LivePage;
let page: Page;

/** The rows in the DOM, top to bottom: entries and markers, with their text. */
function rowsInOrder(page: Page): Promise<Array<{ kind: string; text: string }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("#spacer .row:not([hidden])")]
      .map((row) => ({ top: new DOMMatrixReadOnly(row.style.transform).m42, row }))
      .sort((a, b) => a.top - b.top)
      .map(({ row }) => ({ kind: row.dataset.kind ?? "", text: row.textContent ?? "" })),
  );
}

/** The marker rows the list shows (a gap, a reconnect without resume, a rotation). */
function markerTexts(page: Page): Promise<Array<string | null>> {
  return page.$$eval("#spacer .row[data-kind='marker']", (rows) => rows.map((row) => row.textContent));
}

function serverArgs(httpPort: number, extra: readonly string[] = []): string[] {
  return [
    "--host",
    "127.0.0.1",
    "--http-port",
    String(httpPort),
    "--check-interval",
    "20",
    // the page's queue on the server stays at its default (1000 entries): the page keeps up with a burst
    ...extra,
    `${logs.path}:*.log`,
  ];
}

/**
 * A small web service at work: JSON lines from the API (with fields), plain lines from a worker, an
 * access log (its level from the status). Five of them are warn or worse (one a 404), two error or worse.
 */
function sampleLines(): Record<string, string[]> {
  const json = (level: string, msg: string, fields: Record<string, unknown>) =>
    JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  return {
    "api.log": [
      json("info", "server listening", { port: 3000, pid: 4121 }),
      json("info", "GET /api/orders 200", { duration_ms: 12.4, user: "u-1842", request_id: "b7f1" }),
      json("debug", "cache hit orders:page:1", { ttl_s: 42 }),
      json("info", "GET /api/cart 200", { duration_ms: 8.2, user: "u-1842", request_id: "b7f2" }),
      json("warn", "slow query on orders", { duration_ms: 1840, table: "orders", rows: 51230 }),
      json("error", "payment provider timeout", { provider: "acme-pay", attempt: 3, order: 99121 }),
      json("info", "POST /api/checkout 201", { duration_ms: 88.1, user: "u-2210", request_id: "c01d" }),
      json("debug", "session refreshed", { user: "u-2210", ttl_s: 3600 }),
      json("info", "GET /api/orders/99121 200", { duration_ms: 15.9, user: "u-2210", request_id: "c01e" }),
    ],
    "worker.log": [
      "INFO  worker-2 picked job 7731 (resize-image)",
      "DEBUG worker-2 fetched s3://media/in/7731.jpg (2.1 MB)",
      "WARN  worker-1 retrying job 7729: connection reset by peer",
      "INFO  worker-2 finished job 7731 in 812 ms",
      "FATAL worker-3 out of memory: heap limit 512 MB reached, exiting",
      "INFO  supervisor restarted worker-3",
      "INFO  worker-1 picked job 7732 (send-email)",
      "INFO  worker-1 sent job 7732 after 95 ms",
    ],
    "access.log": Array.from({ length: 8 }, (_, index) => {
      const [method, path, status] = [
        ["GET", "/healthz", 200],
        ["GET", "/api/orders?page=1", 200],
        ["GET", "/static/app.css", 304],
        ["POST", "/api/checkout", 201],
        ["GET", "/api/cart", 200],
        ["GET", "/healthz", 200],
        ["GET", "/api/orders/99121", 200],
        ["GET", "/favicon.ico", 404],
      ][index] as [string, string, number];
      return `10.0.${index % 3}.${40 + index} - - [26/Nov/2026:09:14:${10 + index} +0000] "${method} ${path} HTTP/2.0" ${status} ${(index * 731) % 9000} "-" "Mozilla/5.0"`;
    }),
  };
}

async function screenshot(name: string, target: Page = page): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  // the picture of the page, not of the keyboard focus the test left somewhere
  await target.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const path = join(ARTIFACTS, name);
  await target.screenshot({ path });
  return path;
}

/**
 * A picture the README shows, of the top `heightPx` of the page (the toolbar and what opens from it; the
 * rows below would only make the file larger): in artifacts/, and in docs/ when asked for.
 */
async function docsScreenshot(name: string, heightPx: number): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({
    path,
    clip: { x: 0, y: 0, width: page.viewportSize()?.width ?? 1280, height: heightPx },
  });
  if (DOCS !== undefined) await copyFile(path, join(DOCS, name));
}

/** Milliseconds since the epoch, sub-millisecond: the same clock in the test and in the page. */
const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Watches the list's DOM for rows whose message holds `<tag>-<n>@<epoch ms>` and records, per n, how long
 * after that time the row was put in the DOM (a MutationObserver: it runs before the page paints).
 */
async function watchMarkedRows(tag: string): Promise<void> {
  await page.evaluate((wanted) => {
    const pattern = new RegExp(`${wanted}-(\\d+)@(\\d+(?:\\.\\d+)?)`);
    const seen = new Map<number, number>();
    (window as unknown as { marked: Map<number, number> }).marked = seen;
    const observer = new MutationObserver((records) => {
      const at = performance.timeOrigin + performance.now();
      for (const record of records) {
        for (const node of record.addedNodes) {
          const match = pattern.exec(node.textContent ?? "");
          if (match && !seen.has(Number(match[1]))) seen.set(Number(match[1]), at - Number(match[2]));
        }
      }
    });
    observer.observe(document.getElementById("spacer") as HTMLElement, { childList: true, subtree: true });
  }, tag);
}

/** The latencies recorded by watchMarkedRows so far, by n. */
function markedLatencies(): Promise<[number, number][]> {
  return page.evaluate(() => [...(window as unknown as { marked: Map<number, number> }).marked]);
}

/** Appends `total` marked lines to `name` at `perSecond`, in writes every 10 ms, as a logger would. */
async function appendAtRate(name: string, tag: string, total: number, perSecond: number): Promise<void> {
  const perWrite = Math.max(1, Math.round(perSecond / 100));
  const intervalMs = (perWrite * 1000) / perSecond;
  const started = nowMs();
  for (let n = 0, write = 0; n < total; write++) {
    const due = started + write * intervalMs;
    const wait = due - nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const lines: string[] = [];
    for (let i = 0; i < perWrite && n < total; i++, n++)
      lines.push(`${tag}-${n}@${nowMs().toFixed(3)} INFO ok`);
    await logs.appendLines(name, lines);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function describeLatencies(latencies: readonly number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (value: number) => value.toFixed(1);
  return `p50 ${f(percentile(sorted, 50))} ms, p90 ${f(percentile(sorted, 90))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1) ?? Number.NaN)} ms`;
}

/** Sets both filters; the footer's counts change at once, the rows with the next frame (nextFrames). */
async function setFilter(level: string, q: string): Promise<void> {
  await page.selectOption("#level", level);
  await page.fill("#q", q);
}

before(async () => {
  browser = await launchChromium();
  logs = new LogDir(await makeTempDir("logwisp-browser-"));
  for (const name of Object.keys(sampleLines())) await logs.write(name, "");
  server = await startLogwisp(runtime, { cwd: logs.path, args: serverArgs(0) });
  port = server.httpPort;
  live = await openLivePage(browser, `${server.httpUrl}/`);
  page = live.page;
});

after(async () => {
  await live?.close();
  await browser?.close();
  await runUnscopedCleanups();
});

describe("the live view at GET /", { concurrency: false }, () => {
  test("connects, and lines appended to files appear on the page", async () => {
    await waitForState(page, "live");
    const lines = sampleLines();
    // interleaved as the services would write them: each line is on the page before the next is written
    const files = Object.entries(lines);
    const longest = Math.max(...files.map(([, content]) => content.length));
    for (let index = 0; index < longest; index++) {
      for (const [name, content] of files) {
        const written = content[index];
        if (written === undefined) continue;
        // a JSON line carries its own time: the moment it is written, as a logger would stamp it
        const line = written.replace(/^\{"time":"[^"]*"/, `{"time":"${new Date().toISOString()}"`);
        await logs.appendLines(name, [line]);
        await waitForRow(
          page,
          line.startsWith("{") ? (JSON.parse(line) as { msg: string }).msg : line.slice(0, 40),
        );
      }
    }
    const counts = await readCounts(page);
    assert.equal(counts.shown, Object.values(lines).flat().length, JSON.stringify(counts));
    const messages = await visibleMessages(page);
    assert.ok(messages.includes("payment provider timeout"), messages.join("\n"));
    // levels are coloured per row; the JSON line's extra keys are behind its {n} chip
    const levels = await page.$$eval("#spacer .row[data-level]", (rows) =>
      [...new Set(rows.map((row) => (row as HTMLElement).dataset.level))].sort(),
    );
    assert.deepEqual(levels, ["debug", "error", "fatal", "info", "warn"]);
  });

  test("a row opens its details with every field; Escape closes them", async () => {
    await page.click("#spacer .row:has-text('slow query on orders')");
    const detail = await page.textContent("#detail-body");
    assert.match(detail ?? "", /"duration_ms": 1840/);
    assert.match(detail ?? "", /"table": "orders"/);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    await page.keyboard.press("End");
  });

  test("screenshots in light, dark and phone width (artifacts/)", async () => {
    await page.click("#spacer .row:has-text('payment provider timeout')");
    await screenshot("live-view-light.png");
    // the README's first picture: the toolbar, rows of three files and the open entry's fields
    await docsScreenshot("live-view.png", 460);
    await page.keyboard.press("t");
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    await screenshot("live-view-dark.png");
    await page.setViewportSize({ width: 390, height: 760 });
    await screenshot("live-view-phone.png");
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.keyboard.press("Escape");
    await page.keyboard.press("End");
    await page.waitForSelector("#follow[aria-pressed='true']");
    await page.keyboard.press("t");
    assert.equal(await page.getAttribute("html", "data-theme"), "light");
    // remembered: a reload keeps the choice
    assert.equal(await page.evaluate(() => localStorage.getItem("logwisp.theme")), "light");
  });

  test("the level and text filters hide what they should, at once and for new lines", async () => {
    await setFilter("warn", "");
    await page.waitForFunction(() => document.getElementById("counts")?.dataset.shown === "5");
    await nextFrames(page);
    let messages = await visibleMessages(page);
    assert.ok(!messages.some((message) => message.includes("GET /api/orders 200")), messages.join("\n"));
    assert.ok(messages.includes("slow query on orders"), messages.join("\n"));
    // an access log's level comes from its status: the 404 passes, the 200s do not
    assert.ok(
      messages.some((message) => message.includes('GET /favicon.ico HTTP/2.0" 404')),
      messages.join("\n"),
    );
    assert.ok(!messages.some((message) => message.includes("GET /healthz")), messages.join("\n"));
    assert.match(page.url(), /[?&]level=warn/);

    await setFilter("", "/job \\d+ in/");
    await page.waitForFunction(() => document.getElementById("counts")?.dataset.shown === "1");
    await nextFrames(page);
    assert.deepEqual(
      await page.$$eval("#spacer .row:not([hidden]) mark", (marks) => marks.map((m) => m.textContent)),
      ["job 7731 in"],
    );

    // fields are searched too, as JSON
    await setFilter("", "acme-pay");
    await page.waitForFunction(() => document.getElementById("counts")?.dataset.shown === "1");
    await nextFrames(page);
    assert.deepEqual(await visibleMessages(page), ["payment provider timeout"]);

    await setFilter("", "/unclosed(/");
    await page.waitForSelector("#q[aria-invalid='true']");
    assert.match((await page.textContent("#q-error")) ?? "", /regular expression/);

    // new lines under a filter: what passes appears, what does not stays hidden. The page hands the filter
    // to logwisp a moment later (a new stream that resumes after the last entry); the lines are written
    // once that stream is answered, so the server's filter is what keeps the info line out
    const filtered = page.waitForResponse((response) => /\/stream\?.*level=error/.test(response.url()));
    await setFilter("error", "");
    await filtered;
    await page.waitForFunction(() => document.getElementById("counts")?.dataset.shown === "2");
    await nextFrames(page);
    await logs.appendLines("worker.log", [
      "2026-11-26 09:15:00 INFO  worker-2 picked job 7740 (under the filter)",
      "2026-11-26 09:15:01 ERROR worker-2 job 7740 failed (under the filter)",
    ]);
    await waitForRow(page, "job 7740 failed (under the filter)");
    messages = await visibleMessages(page);
    assert.ok(!messages.some((message) => message.includes("picked job 7740")), messages.join("\n"));

    await setFilter("", "");
    await page.waitForFunction(() => !document.getElementById("counts")?.textContent?.includes(" of "));
    await nextFrames(page);
    messages = await visibleMessages(page);
    assert.ok(messages.includes("GET /api/orders 200"), "clearing the filter shows the held rows again");
    // the filter ran in logwisp too: the line it kept out never reached the page, so clearing cannot show it
    assert.ok(!messages.some((message) => message.includes("picked job 7740")), messages.join("\n"));
  });

  test("pause holds new lines back with a count; resume shows them", async () => {
    await page.focus("#log");
    await page.keyboard.press("Space");
    await page.waitForSelector("#pause[aria-pressed='true']");
    await logs.appendLines("api.log", ["held back one", "held back two"]);
    await page.waitForFunction(() => document.getElementById("paused-count")?.dataset.count === "2");
    assert.match((await page.textContent("#paused-count")) ?? "", /2 new while paused/);
    assert.ok(!(await visibleMessages(page)).includes("held back two"));
    await page.keyboard.press("Space");
    await waitForRow(page, "held back two");
  });

  test("scrolling up stops following; End follows again; shortcuts open help", async () => {
    await logs.appendLines(
      "worker.log",
      Array.from({ length: 200 }, (_, index) => `filler line ${index}`),
    );
    await waitForRow(page, "filler line 199");
    await page.mouse.move(600, 300);
    await page.mouse.wheel(0, -2000);
    await page.waitForSelector("#follow[aria-pressed='false']");
    await page.waitForSelector("#newest:not([hidden])");
    await page.keyboard.press("End");
    await page.waitForSelector("#follow[aria-pressed='true']");
    await page.keyboard.press("?");
    await page.waitForSelector("#help[open]");
    assert.match((await page.textContent("#help")) ?? "", /pause \/ resume/);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#help", { state: "hidden" });
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "q");
    await page.keyboard.press("Escape");
  });

  test("after a clean restart, the page resumes with no gap marker and shows the lines written while it was down", async () => {
    // issue 15, test 7: only what the user sees (rows and markers), whichever way the page reads its stream
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, server.stderr());
    await waitForState(page, "reconnecting");
    await logs.appendLines("api.log", ["written while down 1", "written while down 2"]);
    server = await startLogwisp(runtime, { cwd: logs.path, args: serverArgs(port) });
    await waitForState(page, "live");
    await waitForRow(page, "written while down 2");
    await logs.appendLines("api.log", ["after the clean restart"]);
    await waitForRow(page, "after the clean restart");
    const shown = await visibleMessages(page);
    for (const line of ["written while down 1", "written while down 2", "after the clean restart"])
      assert.equal(
        shown.filter((text) => text.includes(line)).length,
        1,
        `${line} once: ${shown.join(" | ")}`,
      );
    // a marker would sit where the stream broke off: just before the first line written while down
    const rows = await rowsInOrder(page);
    const first = rows.findIndex((row) => row.text.includes("written while down 1"));
    assert.ok(first > 0, JSON.stringify(rows.slice(-5)));
    const since = rows.slice(first - 1);
    assert.deepEqual(
      since.filter((row) => row.kind === "marker"),
      [],
      `no marker: nothing was missed or repeated (${JSON.stringify(since)})`,
    );
  });

  test("after a restart without state, the page reconnects, shows new lines and says the server restarted", async () => {
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, server.stderr());
    await waitForState(page, "reconnecting");
    server = await startLogwisp(runtime, { cwd: logs.path, args: serverArgs(port, ["--state=false"]) });
    await waitForState(page, "live");
    await logs.appendLines("api.log", ["after the restart"]);
    await waitForRow(page, "after the restart");
    // the page says what it could not see: a marker row (no resume on this server, or a gap event)
    const markers = await markerTexts(page);
    assert.ok(markers.length >= 1, "a marker row explains the reconnect");
    // the resumed stream's gap event says why lines may be missing: another server run
    assert.ok(
      markers.some((text) => /logwisp restarted/.test(text ?? "")),
      markers.join("\n"),
    );
  });

  test("the source picker shows one, several or all sources, kept in the address", async () => {
    await page.click("#sources-summary");
    await page.waitForSelector("#source-list input[value='worker.log']");
    await docsScreenshot("live-view-sources.png", 200);
    await page.check("#source-list input[value='worker.log']");
    await page.waitForFunction(
      () => document.getElementById("sources-summary")?.textContent === "worker.log",
    );
    await nextFrames(page);
    let sources = await page.$$eval("#spacer .row[data-kind='entry']:not([hidden]) .s", (cells) => [
      ...new Set(cells.map((cell) => cell.textContent)),
    ]);
    assert.deepEqual(sources, ["worker.log"]);
    assert.match(page.url(), /[?&]source=worker\.log/);
    // what the server is asked for: the same source, and only the picked one's new lines arrive
    await page.waitForResponse((response) => /\/stream\?source=worker\.log/.test(response.url()));
    await logs.appendLines("api.log", ["api line under the picker"]);
    await logs.appendLines("worker.log", ["worker line under the picker"]);
    await waitForRow(page, "worker line under the picker");
    await page.check("#source-list input[value='api.log']");
    await page.waitForFunction(() => document.getElementById("sources-summary")?.textContent === "2 sources");
    assert.match(page.url(), /source=api\.log&source=worker\.log/);
    // a reload keeps the choice
    await page.reload();
    await waitForState(page, "live");
    assert.equal(await page.textContent("#sources-summary"), "2 sources");
    await page.click("#sources-summary");
    assert.ok(await page.isChecked("#source-list input[value='api.log']"));
    await nextFrames(page);
    sources = await page.$$eval("#spacer .row[data-kind='entry']:not([hidden]) .s", (cells) => [
      ...new Set(cells.map((cell) => cell.textContent)),
    ]);
    assert.deepEqual(sources.sort(), ["api.log", "worker.log"]);
    await page.check("#source-all");
    await page.waitForFunction(
      () => document.getElementById("sources-summary")?.textContent === "all sources",
    );
    assert.doesNotMatch(page.url(), /source=/);
    await page.click("#sources-summary");
  });

  test("download saves what the page shows, after its filters, as NDJSON", async () => {
    await setFilter("", "under the picker");
    await page.waitForFunction(() => document.getElementById("counts")?.dataset.shown === "2");
    try {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      assert.match(download.suggestedFilename(), /^logwisp-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.ndjson$/);
      const text = await readFile((await download.path()) as string, "utf8");
      const entries = text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { source: string; message: string });
      assert.deepEqual(
        entries.map((entry) => [entry.source, entry.message]),
        [
          ["api.log", "api line under the picker"],
          ["worker.log", "worker line under the picker"],
        ],
      );
    } finally {
      await setFilter("", "");
      await page.waitForFunction(() => !document.getElementById("counts")?.textContent?.includes(" of "));
    }
  });

  test("since: the page starts over with the last 15 or 60 minutes the server holds", async () => {
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    await logs.appendLines("api.log", [
      JSON.stringify({ time: ago(30), level: "info", msg: "from half an hour ago" }),
      JSON.stringify({ time: ago(0), level: "info", msg: "from just now" }),
    ]);
    await waitForRow(page, "from just now");
    await page.selectOption("#since", "15m");
    await page.waitForResponse((response) => /\/stream\?.*since=15m/.test(response.url()));
    await waitForRow(page, "from just now");
    assert.ok(!(await visibleMessages(page)).includes("from half an hour ago"));
    assert.match(page.url(), /[?&]since=15m/);
    await page.selectOption("#since", "60m");
    await waitForRow(page, "from half an hour ago");
    await page.selectOption("#since", "");
    await waitForRow(page, "from just now");
    assert.doesNotMatch(page.url(), /since=/);
  });

  test("latency: marked lines at 100 and at 2,000 lines/s, from append to the row in the DOM", async (t) => {
    // the keys go to the list, not to the control the last test left focused
    await page.focus("#log");
    await page.keyboard.press("End");
    await page.waitForSelector("#follow[aria-pressed='true']");
    await watchMarkedRows("slow");
    const slow = 300;
    await appendAtRate("latency.log", "slow", slow, 100);
    // every marked line arrives in the DOM: one at a time, each is the newest row on screen
    await page.waitForFunction(
      (count) => (window as unknown as { marked: Map<number, number> }).marked.size >= count,
      slow,
      { timeout: 30_000, polling: 100 },
    );
    const slowFigures = describeLatencies((await markedLatencies()).map(([, ms]) => ms));

    const before = await readCounts(page);
    await watchMarkedRows("fast");
    const fast = 4000;
    await appendAtRate("latency.log", "fast", fast, 2000);
    // every line arrives (counted by the page); under load rows go in per frame, so only those on screen
    // when their frame is drawn are timed
    await waitForReceived(page, before.held + before.evicted + fast, 30_000);
    const fastSeen = (await markedLatencies()).map(([, ms]) => ms);
    await waitForRow(page, `fast-${fast - 1}@`);
    t.diagnostic(`100 lines/s: ${slow} lines, every one timed: ${slowFigures}`);
    t.diagnostic(
      `2,000 lines/s: ${fast} lines, all received; ${fastSeen.length} timed on screen: ${describeLatencies(fastSeen)}`,
    );
  });

  test(`${BIG_BURST_LINES.toLocaleString("en")} lines at the default buffer: none dropped, the page holds at most 100,000 and stays responsive`, async (t) => {
    const before = await readCounts(page);
    const droppedBefore = (await fetchStatus(server.httpUrl)).servers.http.dropped;
    const started = Date.now();
    const batch = 10_000;
    for (let first = 0; first < BIG_BURST_LINES; first += batch) {
      const lines = Array.from(
        { length: batch },
        (_, index) => `burst line ${first + index + 1} ${index % 7 === 0 ? "ERROR disk full" : "INFO ok"}`,
      );
      await logs.appendLines("burst.log", lines);
    }
    const appendedMs = Date.now() - started;
    try {
      await waitForReceived(page, before.held + before.evicted + BIG_BURST_LINES, 120_000);
    } catch (error) {
      // say why: entries dropped for the page, or a page that stopped reading
      const status = await fetchStatus(server.httpUrl);
      const counts = JSON.stringify({ before, now: await readCounts(page) });
      throw new Error(
        `${String(error)}; dropped for the page ${status.servers.http.dropped - droppedBefore}; ${counts}`,
      );
    }
    const receivedMs = Date.now() - started;
    await waitForRow(page, `burst line ${BIG_BURST_LINES} `);
    const shownMs = Date.now() - started;
    const counts = await readCounts(page);
    assert.equal(counts.held, 100_000, JSON.stringify(counts));
    // the page read its stream as fast as logwisp read the file: its 1000-entry queue never overflowed
    const droppedForBurst = (await fetchStatus(server.httpUrl)).servers.http.dropped - droppedBefore;
    assert.equal(droppedForBurst, 0, "/status: entries dropped for the page during the burst");
    // every line once: none lost, none shown twice
    assert.equal(counts.held + counts.evicted, before.held + before.evicted + BIG_BURST_LINES);
    assert.ok(counts.domRows < 200, `the list keeps few rows in the DOM: ${counts.domRows}`);

    await page.focus("#log");
    let mark = Date.now();
    await page.keyboard.press("Home");
    await page.waitForFunction(() => document.querySelector("#log")?.scrollTop === 0, undefined, {
      timeout: 5000,
    });
    await nextFrames(page);
    const topMs = Date.now() - mark;
    const top = await visibleMessages(page);
    assert.ok(top.length > 0 && top.length < 200, `rows at the top: ${top.length}`);
    mark = Date.now();
    await page.keyboard.press("End");
    await waitForRow(page, `burst line ${BIG_BURST_LINES} `, 5000);
    await nextFrames(page);
    const bottomMs = Date.now() - mark;

    mark = Date.now();
    await page.fill("#q", "disk full");
    await page.waitForFunction(
      () => document.getElementById("counts")?.textContent?.includes(" of "),
      undefined,
      {
        timeout: 5000,
      },
    );
    await nextFrames(page);
    const filterMs = Date.now() - mark;
    const filtered = await readCounts(page);
    assert.ok(filtered.shown > 10_000 && filtered.shown < 20_000, JSON.stringify(filtered));
    await page.fill("#q", "");
    const heap = await heapUsedBytes(page);
    t.diagnostic(
      `${BIG_BURST_LINES} lines: appended in ${appendedMs} ms, all received by the page in ${receivedMs} ms, ` +
        `last row on screen at ${shownMs} ms; held ${counts.held}, let go ${counts.evicted}, dropped by the ` +
        `server for the page ${droppedForBurst}; DOM rows ${counts.domRows}; Home ${topMs} ms, End ` +
        `${bottomMs} ms; text filter over 100,000 rows ${filterMs} ms (${filtered.shown} shown); ` +
        `JS heap ${(heap / 1024 / 1024).toFixed(1)} MiB`,
    );
    assert.ok(heap < 400 * 1024 * 1024, `JS heap ${heap} bytes`);
  });

  test("no request leaves 127.0.0.1, and the page logged no error", () => {
    const origin = `http://127.0.0.1:${port}/`;
    const elsewhere = live.requests.filter((url) => !url.startsWith(origin) && !url.startsWith("data:"));
    assert.deepEqual(elsewhere, []);
    assert.ok(live.requests.includes(`${origin}app.js`), live.requests.slice(0, 5).join("\n"));
    // the restart makes the browser report the failed reconnects as console errors; nothing else may
    const unexpected = live.errors.filter(
      (error) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(error),
    );
    assert.deepEqual(unexpected, []);
  });
});

describe("the live view with [auth] token", { concurrency: false }, () => {
  test("the page loads without the token, asks for it, and streams once it is given", async () => {
    const token = "browser-s3cret";
    const secured = await startLogwisp(runtime, {
      cwd: logs.path,
      args: serverArgs(0, ["--auth-token", token]),
    });
    const guest = await openLivePage(browser, `${secured.httpUrl}/`);
    try {
      await waitForState(guest.page, "unauthorized");
      await guest.page.waitForSelector("#token-dialog[open]");
      await guest.page.fill("#token-input", token);
      await guest.page.press("#token-input", "Enter");
      await waitForState(guest.page, "live");
      await logs.appendLines("api.log", ["seen with the token"]);
      await waitForRow(guest.page, "seen with the token");
      assert.equal(await guest.page.evaluate(() => sessionStorage.getItem("logwisp.token")), token);
    } finally {
      await guest.close();
    }
    // or in the URL's fragment, which the page removes from the address bar
    const linked = await openLivePage(browser, `${secured.httpUrl}/#token=${token}`);
    try {
      await waitForState(linked.page, "live");
      assert.equal(new URL(linked.page.url()).hash, "");
      // a new page starts with the server's backlog: the line written before it opened is there at once
      await waitForRow(linked.page, "seen with the token");
    } finally {
      await linked.close();
    }
    await secured.stop();
  });
});
