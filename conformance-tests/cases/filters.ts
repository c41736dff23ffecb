// Issue 8, filters: the same filter on /stream (query parameters) and TCP (an options line), bad filters
// refused with a reason, and a target's include / exclude applied before anything is published.
import assert from "node:assert/strict";
import { byMessage, type Entry, type EntryStream, httpGet } from "../_harness/clients.ts";
import { defineCase } from "../_harness/define.ts";
import { runLogwisp } from "../_harness/process.ts";
import { connectedSse, prepareDir, type Served, serve, writeConfig } from "../_harness/serve.ts";
import { pollUntil } from "../_harness/wait.ts";

/** Lines of two files, each named by its message; published api.log first, then app.log, then markers. */
const API_LINES = [
  "WARN slow request /api/orders",
  JSON.stringify({ level: "debug", msg: "cache miss", user: "alice" }),
  "ERROR Timeout talking to upstream",
];
const APP_LINES = [
  JSON.stringify({ level: "info", msg: "user login", user: "alice" }),
  JSON.stringify({ level: "error", msg: "db timeout", user: "bob", http: { status: 503 } }),
];
/** Published next to last, in api.log: passes every filter below but the app.log one. */
const API_MARKER = JSON.stringify({
  level: "fatal",
  msg: "ERROR timeout marker",
  user: "alice",
  http: { status: 503 },
});
/** Published last, in app.log: passes the app.log filter and level=warn, no other. */
const APP_MARKER = JSON.stringify({ level: "error", msg: "app marker" });

const FILTERS: ReadonlyArray<readonly [query: string, expected: readonly string[]]> = [
  [
    "level=warn",
    [
      "WARN slow request /api/orders",
      "ERROR Timeout talking to upstream",
      "db timeout",
      "ERROR timeout marker",
      "app marker",
    ],
  ],
  [
    "source=api*.log",
    [
      "WARN slow request /api/orders",
      "cache miss",
      "ERROR Timeout talking to upstream",
      "ERROR timeout marker",
    ],
  ],
  ["q=TIMEOUT", ["ERROR Timeout talking to upstream", "db timeout", "ERROR timeout marker"]],
  [
    `q=${encodeURIComponent("/^(WARN|ERROR) /")}`,
    ["WARN slow request /api/orders", "ERROR Timeout talking to upstream", "ERROR timeout marker"],
  ],
  ["fields.user=alice", ["cache miss", "user login", "ERROR timeout marker"]],
  ["fields.http.status=503", ["db timeout", "ERROR timeout marker"]],
  ["level=error&source=app.log&source=none.log", ["db timeout", "app marker"]],
];

/** Appends the lines of one file and waits until the witness (an unfiltered client) has them all. */
async function publishInOrder(served: Served, witness: EntryStream, file: string, lines: readonly string[]) {
  await served.logs.appendLines(file, lines);
  const last = lines[lines.length - 1] as string;
  await witness.waitForEntry(byMessage(messageOf(last)));
}

function messageOf(line: string): string {
  try {
    return (JSON.parse(line) as { msg: string }).msg;
  } catch {
    return line;
  }
}

const messages = (entries: readonly Entry[]) => entries.map((entry) => entry.message);

export const filterCases = [
  defineCase(
    "filters: SSE level, source, q, /regex/ and fields each pass exactly their entries",
    async (rt) => {
      const served = await serve(rt, { files: { "api.log": "", "app.log": "" } });
      const witness = await connectedSse(served);
      const clients = await Promise.all(
        FILTERS.map(async ([query]) => {
          const client = await served.sse(`/stream?${query}`);
          assert.equal(client.status, 200, query);
          await client.events.next((event) => event.event === "connected", undefined, "the connected event");
          return client;
        }),
      );
      await publishInOrder(served, witness, "api.log", API_LINES);
      await publishInOrder(served, witness, "app.log", APP_LINES);
      await publishInOrder(served, witness, "api.log", [API_MARKER]);
      await publishInOrder(served, witness, "app.log", [APP_MARKER]);
      for (const [i, [query, expected]] of FILTERS.entries()) {
        const client = clients[i] as EntryStream;
        await client.waitForEntry(byMessage(expected[expected.length - 1] as string));
        assert.deepEqual(messages(client.entries()), expected, query);
      }
    },
  ),

  defineCase("filters: an invalid filter is a 400 naming the parameter and what is expected", async (rt) => {
    const served = await serve(rt);
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["level=loud", /^level: got "loud", expected one of trace, debug, info, warn, error, fatal/],
      [`q=${encodeURIComponent("/(unclosed/")}`, /^q: .*missing closing \): .*; expected RE2 syntax: .+/],
      [`source=${encodeURIComponent("[z-a]")}`, /^source: got "\[z-a\]", expected a glob/],
      ["backlog=-5", /^backlog: got "-5", expected a non-negative integer$/],
      ["colour=red", /^colour: unknown parameter, expected level, source, q, fields\.<key>, backlog/],
      ["level=warn&level=info", /^level: given more than once/],
    ];
    for (const [query, detail] of cases) {
      const response = await httpGet(`${served.proc.httpUrl}/stream?${query}`);
      assert.equal(response.status, 400, `${query}: ${response.body}`);
      const body = response.json() as { error?: string; detail?: string };
      assert.equal(body.error, "invalid filter", query);
      assert.match(body.detail ?? "", detail, query);
    }
    const status = await served.status();
    assert.equal(status.servers.http.total_connections, 0, "no stream was opened for a refused filter");
  }),

  defineCase("filters: a TCP options line filters the stream; nc without one gets everything", async (rt) => {
    const served = await serve(rt, { tcp: true, files: { "api.log": "", "app.log": "" } });
    const witness = await connectedSse(served);
    const filtered = await served.tcp();
    await filtered.send(
      `${JSON.stringify({ filter: { level: "warn", source: ["api*.log"], q: "timeout" } })}\n`,
    );
    const plain = await served.tcp();
    const typist = await served.tcp();
    await typist.send("hello there\n");
    await pollUntil(async () => {
      const status = await served.status();
      return status.servers.tcp.active_clients === 3 ? true : undefined;
    }, "the three TCP sessions to start");
    await publishInOrder(served, witness, "api.log", API_LINES);
    await publishInOrder(served, witness, "app.log", APP_LINES);
    await publishInOrder(served, witness, "api.log", [API_MARKER]);
    await filtered.waitForEntry(byMessage("ERROR timeout marker"));
    assert.deepEqual(messages(filtered.entries()), [
      "ERROR Timeout talking to upstream",
      "ERROR timeout marker",
    ]);
    for (const client of [plain, typist]) {
      await client.waitForEntry(byMessage("ERROR timeout marker"));
      assert.equal(client.entries().length, API_LINES.length + APP_LINES.length + 1, client.label);
    }
  }),

  defineCase("filters: an invalid TCP options line gets one error line and is closed", async (rt) => {
    const served = await serve(rt, { tcp: true });
    const lines: ReadonlyArray<readonly [string, RegExp]> = [
      ['{"filter":{"level":"loud"}}', /^filter\.level: got "loud", expected one of/],
      ['{"filter":{"q":"/[/"}}', /^filter\.q: .*missing closing \]: .*; expected RE2 syntax/],
      ['{"backlog":-1}', /^backlog: got -1, expected a non-negative integer$/],
      ['{"filters":{}}', /^filters: unknown key, expected filter, backlog, since or token$/],
      ["{not json", /^the first line is not valid JSON/],
    ];
    for (const [line, detail] of lines) {
      const client = await served.tcp();
      await client.send(`${line}\n`);
      await client.lines.waitForEnd();
      assert.equal(client.lines.items.length, 1, `${line}: ${client.lines.dump()}`);
      const body = client.lines.items[0]?.json as { error?: string; detail?: string };
      assert.equal(body.error, "invalid filter", line);
      assert.match(body.detail ?? "", detail, line);
    }
  }),

  defineCase("filters: with auth, the TCP options line carries the token", async (rt) => {
    const served = await serve(rt, { tcp: true, env: { LOGWISP_AUTH_TOKEN: "s3cret" } });
    const wrong = await served.tcp();
    await wrong.send('{"token":"nope","filter":{"level":"error"}}\n');
    await wrong.lines.waitForEnd();
    assert.equal(wrong.lines.items.length, 0, "a wrong token gets nothing, not even an error line");
    const client = await served.tcp();
    await client.send('{"token":"s3cret","filter":{"level":"error"}}\n');
    const token = { authorization: "Bearer s3cret" };
    await pollUntil(async () => {
      const response = await httpGet(`${served.proc.httpUrl}/status`, token);
      return (response.json() as { servers: { tcp: { active_clients: number } } }).servers.tcp
        .active_clients === 1
        ? true
        : undefined;
    }, "the TCP session to start");
    await served.logs.appendLines("app.log", ["INFO not this", "ERROR this one"]);
    await client.waitForEntry(byMessage("ERROR this one"));
    assert.deepEqual(messages(client.entries()), ["ERROR this one"]);
  }),

  defineCase("filters: a target's include and exclude keep lines out, counted per file", async (rt) => {
    const served = await serve(rt, {
      files: { "app.log": "", "other.log": "" },
      config: [
        "[[monitor.targets]]",
        'path = "app.log"',
        'include = ["ERROR", "WARN"]',
        'exclude = ["healthcheck"]',
        "",
        "[[monitor.targets]]",
        'path = "other.log"',
      ].join("\n"),
    });
    const client = await connectedSse(served);
    await served.logs.appendLines("app.log", [
      "INFO started",
      "ERROR healthcheck failed",
      "WARN disk almost full",
      "DEBUG noise",
      "ERROR real trouble",
    ]);
    await served.logs.appendLines("other.log", ["INFO other file, no rules"]);
    await client.waitForEntry(byMessage("INFO other file, no rules"));
    await client.waitForEntry(byMessage("ERROR real trouble"));
    assert.deepEqual(messages(client.entries().filter((entry) => entry.source === "app.log")), [
      "WARN disk almost full",
      "ERROR real trouble",
    ]);
    const status = await served.status();
    const excluded = (name: string) =>
      (status.monitor.files.find((file) => file.source === name) as unknown as { excluded: number }).excluded;
    assert.equal(excluded("app.log"), 3);
    assert.equal(excluded("other.log"), 0);
    assert.equal(status.totals.published, 3, "excluded lines are never published");
  }),

  defineCase(
    "filters: a bad include/exclude regex stops start-up naming the key, its file and the error",
    async (rt) => {
      const logs = await prepareDir();
      const config = await writeConfig(
        logs,
        '[[monitor.targets]]\npath = "."\nexclude = ["ok", "(unclosed"]\n',
      );
      const result = await runLogwisp(rt, {
        args: ["--host", "127.0.0.1", "--http-port", "0", "--config", config],
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /^logwisp: invalid monitor\.targets\[0\]\.exclude\[1\] from file .*logwisp\.toml: got "\(unclosed", expected a regular expression that RE2 runs \(missing closing \): `\(unclosed`; RE2 syntax: .+\)$/m,
      );
      assert.doesNotMatch(result.stderr, /listening on/);
    },
  ),
];
