// The live view: GET / (the page) and GET /app.js (its one script), built from src/web into dist/web by
// `npm run build:web`. They hold no log data, so they are served without auth; the page asks for the token
// and sends it itself. The core reads them through a function the CLI hands in (it knows where dist/web is).

/** The files of the live view, read on first use and kept; a failed read is retried on the next request. */
export interface LiveViewFiles {
  read(name: LiveViewFileName): Promise<string>;
  /** Where the files are read from, named in the page that explains a missing build. */
  readonly location: string;
}

export type LiveViewFileName = "page.html" | "app.js";

export const LIVE_VIEW_ROUTES = {
  "/": { file: "page.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
} as const satisfies Record<string, { file: LiveViewFileName; type: string }>;

export type LiveViewPath = keyof typeof LIVE_VIEW_ROUTES;

// The browser enforces "no external requests": the script only from here, data only from here, no
// fonts, no frames; the styles are inline in the page. The favicon is a data: URL in the page.
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // an upgraded logwisp serves a new page: the browser asks again rather than running a stale script
  "cache-control": "no-cache",
};

/** Reads through `read` (a path relative to `location`), keeping each file once it was read. */
export function liveViewFiles(
  read: (name: LiveViewFileName) => Promise<string>,
  location: string,
): LiveViewFiles {
  const cache = new Map<LiveViewFileName, Promise<string>>();
  return {
    location,
    read(name) {
      let text = cache.get(name);
      if (text === undefined) {
        text = read(name);
        cache.set(name, text);
        // a file that is not built yet may be by the next request
        text.catch(() => cache.delete(name));
      }
      return text;
    },
  };
}

/** The page or the script; when either is missing, a page (or a script comment) that says how to build it. */
export async function serveLiveView(path: LiveViewPath, files: LiveViewFiles): Promise<Response> {
  const route = LIVE_VIEW_ROUTES[path];
  try {
    // the page is useless without its script: check both, so a half-built view explains itself
    const [body] = await Promise.all([files.read(route.file), files.read("app.js")]);
    return new Response(body, { status: 200, headers: { ...PAGE_HEADERS, "content-type": route.type } });
  } catch (error) {
    const reason = describeReadError(error, files.location);
    const body =
      path === "/" ? notBuiltPage(reason) : `/* logwisp: the live view is not built: ${reason} */\n`;
    return new Response(body, {
      status: 503,
      headers: { ...PAGE_HEADERS, "content-type": route.type, "cache-control": "no-store" },
    });
  }
}

function describeReadError(error: unknown, location: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") {
    return `${location} has no page.html or app.js. In a checkout, run "npm run build:web" (npm start and npm test run it first), then reload`;
  }
  return error instanceof Error ? error.message : String(error);
}

function notBuiltPage(reason: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>logwisp: live view not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem">
<h1>The live view is not built</h1>
<p>${escapeHtml(reason)}.</p>
<p><code>/stream</code> and <code>/status</code> work without it.</p>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
