// Drives the live view in headless Chromium (playwright-core, Debian's chromium): opening it, reading
// what it shows, and recording every request it makes. Reads only what a user sees (rows, footer,
// buttons) through the DOM, plus a heap figure from the DevTools protocol.
import { type Browser, chromium, type Page } from "playwright-core";
import { chromiumArgs, chromiumPath } from "./chromium.ts";

/** Generous deadlines: CI runs on two shared cores, and the page waits for the server's polls. */
export const PAGE_TIMEOUT_MS = 15_000;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

export interface LivePage {
  readonly page: Page;
  /** Every URL the page requested, in order. */
  readonly requests: string[];
  /** Uncaught errors and console errors of the page. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openLivePage(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<LivePage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? "light",
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const requests: string[] = [];
  const errors: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  return { page, requests, errors, close: () => context.close() };
}

/** The connection state the footer shows: connecting, live, reconnecting, error or unauthorized. */
export function waitForState(page: Page, state: string, timeout = PAGE_TIMEOUT_MS): Promise<unknown> {
  return page.waitForSelector(`#conn[data-state="${state}"]`, { timeout });
}

/** The messages of the rows in the DOM (the visible ones and a few around them), top to bottom. */
export function visibleMessages(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("#spacer .row:not([hidden])")]
      .map((row) => ({ top: new DOMMatrixReadOnly(row.style.transform).m42, row }))
      .sort((a, b) => a.top - b.top)
      .map(({ row }) => row.querySelector(".m")?.textContent ?? ""),
  );
}

/** Waits until a row whose message contains `text` is in the DOM. */
export async function waitForRow(page: Page, text: string, timeout = PAGE_TIMEOUT_MS): Promise<void> {
  await page.waitForFunction(
    (wanted) =>
      [...document.querySelectorAll("#spacer .row:not([hidden]) .m")].some((cell) =>
        cell.textContent?.includes(wanted),
      ),
    text,
    { timeout, polling: 50 },
  );
}

export interface Counts {
  readonly shown: number;
  readonly held: number;
  readonly evicted: number;
  readonly pausedNew: number;
  readonly droppedForPage: number;
  /** Row elements in the list's DOM: the virtualised list keeps this bounded. */
  readonly domRows: number;
}

export function readCounts(page: Page): Promise<Counts> {
  // no named helper inside: tsx would wrap it in a __name() call, which the page does not have
  return page.evaluate(() => {
    const counts = (document.getElementById("counts") as HTMLElement).dataset;
    const paused = (document.getElementById("paused-count") as HTMLElement).dataset;
    const drops = (document.getElementById("drops") as HTMLElement).dataset;
    return {
      shown: Number(counts.shown),
      held: Number(counts.held),
      evicted: Number(counts.evicted),
      pausedNew: Number(paused.count ?? 0),
      droppedForPage: Number(drops.page ?? 0),
      domRows: document.querySelectorAll("#spacer .row").length,
    };
  });
}

/** Waits until the page has received `total` rows in all (held now, or let go as the oldest). */
export async function waitForReceived(page: Page, total: number, timeout: number): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const data = (document.getElementById("counts") as HTMLElement).dataset;
      return Number(data.held) + Number(data.evicted) >= wanted;
    },
    total,
    { timeout, polling: 100 },
  );
}

/** The JS heap in use, from the DevTools protocol (Runtime.getHeapUsage), after a garbage collection. */
export async function heapUsedBytes(page: Page): Promise<number> {
  const session = await page.context().newCDPSession(page);
  try {
    await session.send("HeapProfiler.collectGarbage");
    const usage = await session.send("Runtime.getHeapUsage");
    return usage.usedSize;
  } finally {
    await session.detach();
  }
}

/** Resolves after the page rendered two more frames: it is not stuck in a long task. */
export function nextFrames(page: Page): Promise<void> {
  return page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}
