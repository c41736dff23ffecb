// GET /metrics: the Prometheus text, as a scraper reads it — behind the token like /status, clean under
// the real `promtool check metrics` (Debian's `prometheus` package, which .ci/run installs), and with
// counters that move by exactly the lines appended.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { byMessage, httpGet } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { serve } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

const TOKEN = "tok-metrics-51c2";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `promtool check metrics` with the document on stdin: its exit code and what it printed. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new Error(
              "promtool is not installed: apt-get install -y --no-install-recommends prometheus (Debian's package; .ci/run installs it when missing)",
            )
          : error,
      ),
    );
    child.on("close", (code) => resolve({ code, output }));
    // promtool may exit before reading everything (a parse error): the close event reports that
    child.stdin.on("error", () => undefined);
    child.stdin.end(text);
  });
}

/** The value of the one sample of `name` whose labels include `labels` (all of `name`'s when empty). */
function sampleValue(text: string, name: string, labels = ""): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!line.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const response = await httpGet(`${url}/metrics`, BEARER);
  assert.equal(response.status, 200, response.body);
  assert.equal(response.headers["content-type"], CONTENT_TYPE);
  return response.body;
}

export const metricsCases = [
  defineCase(
    "metrics: GET /metrics needs the token, passes promtool check metrics, and counts appended lines exactly",
    async (rt) => {
      const served = await serve(rt, {
        tcp: true,
        env: { LOGWISP_AUTH_TOKEN: TOKEN },
        files: { "app.log": "old line\n" },
        args: ["--replay-size", "100"],
      });
      const url = served.proc.httpUrl;
      for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
        const refused = await httpGet(`${url}/metrics`, headers);
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.match(String(refused.headers["www-authenticate"]), /^Bearer/);
      }
      const reader = await served.sse("/stream", BEARER);
      await reader.events.next((event) => event.event === "connected", undefined, "the connected event");

      const file = 'source="app.log"';
      const before = await scrape(url);
      const linesBefore = sampleValue(before, "logwisp_file_lines_read_total", file);
      const publishedBefore = sampleValue(before, "logwisp_entries_published_total");
      assert.equal(linesBefore, 0, `app.log is followed from its end:\n${before}`);
      assert.equal(typeof publishedBefore, "number", before);

      const appended = ["metrics one", "metrics two", "metrics three"];
      await served.logs.appendLines("app.log", appended);
      await reader.nextEntry(byMessage("metrics three"));
      const after = await pollUntil(async () => {
        const text = await scrape(url);
        const delivered = sampleValue(text, "logwisp_entries_delivered_total", 'server="sse"') ?? 0;
        return delivered >= appended.length ? text : undefined;
      }, "the SSE client's deliveries to reach /metrics");
      assert.equal(sampleValue(after, "logwisp_file_lines_read_total", file), appended.length);
      assert.equal(
        sampleValue(after, "logwisp_entries_published_total"),
        (publishedBefore ?? 0) + appended.length,
      );
      assert.equal(sampleValue(after, "logwisp_clients", 'server="sse"'), 1);
      assert.equal(sampleValue(after, "logwisp_clients", 'server="tcp"'), 0);
      assert.equal(
        sampleValue(after, "logwisp_build_info", `runtime="${rt.name}"`),
        1,
        `build_info names the runtime:\n${after}`,
      );

      const lint = await promtoolCheck(after);
      assert.equal(
        lint.code,
        0,
        `promtool check metrics failed:\n${lint.output}\n--- the document:\n${after}`,
      );
      assert.equal(lint.output.trim(), "", "promtool printed problems");
      reader.close();
    },
  ),
];
