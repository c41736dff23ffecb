// The one definition of every config key: its type, its bounds, its default and its one-line description.
// Env names (keys.ts), flag help (flags.ts, help.ts) and error wording ("expected …") are all read from here.
import * as v from "valibot";
import { linearRegexError, SUPPORTED_SYNTAX } from "../util/linear-regex.ts";
import { parseNatsServers } from "./nats-servers.ts";
import { hostNameProblem, originProblem } from "./web-names.ts";

/**
 * Marks a key as secret: put it in the key's pipe (`v.pipe(v.string(), secret<string>(), v.description(…))`) and
 * `--print-config` prints `"<redacted>"` instead of its value (`[auth] token`).
 */
export function secret<TInput>() {
  return v.metadata<TInput, { readonly secret: true }>({ secret: true });
}

/** Each builder puts the user-facing "expected …" text on every check, so a failed check says it directly. */
function integerKey(min: number, max: number, fallback: number, description: string) {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return v.optional(
    v.pipe(
      v.number(expected),
      v.integer(expected),
      v.minValue(min, expected),
      v.maxValue(max, expected),
      v.description(description),
    ),
    fallback,
  );
}

function atLeast(min: number, fallback: number, description: string) {
  return integerKey(min, Number.MAX_SAFE_INTEGER, fallback, description);
}

function portKey(fallback: number, description: string) {
  return integerKey(0, 65535, fallback, description);
}

function booleanKey(fallback: boolean, description: string) {
  return v.optional(v.pipe(v.boolean("true or false"), v.description(description)), fallback);
}

function textKey(fallback: string, description: string) {
  return v.optional(
    v.pipe(v.string("a non-empty string"), v.minLength(1, "a non-empty string"), v.description(description)),
    fallback,
  );
}

const HOSTNAME_EXPECTED = "a host name: 1 to 255 printable characters, no spaces";

function isHostLabel(text: string): boolean {
  return /^[\x21-\x7e\u00a0-\uffff]{1,255}$/.test(text);
}

/** A file path with no default (absent: not set). */
function optionalPath(description: string) {
  const expected = "a non-empty file path";
  return v.optional(v.pipe(v.string(expected), v.minLength(1, expected), v.description(description)));
}

function choiceKey<const TOptions extends readonly [string, ...string[]]>(
  options: TOptions,
  fallback: TOptions[number],
  description: string,
) {
  const expected = `one of ${options.map((option) => JSON.stringify(option)).join(", ")}`;
  return v.optional(v.pipe(v.picklist(options, expected), v.description(description)), fallback);
}

/**
 * How a target's lines become entries: `auto` tells JSON, logfmt, access logs, klog and plain text apart line
 * by line; the others take only that format (and keep a line that does not fit it as plain text).
 */
export const LINE_FORMATS = ["auto", "json", "logfmt", "text"] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];
const LINE_FORMAT_EXPECTED = `one of ${LINE_FORMATS.map((format) => JSON.stringify(format)).join(", ")}`;

/**
 * Where a file present at start is read from: `checkpoint` resumes where the last run stopped (with no state
 * yet, from the end), `end` and `beginning` ignore the checkpoints.
 */
export const READ_FROM = ["checkpoint", "end", "beginning"] as const;
export type ReadFrom = (typeof READ_FROM)[number];

/** One followed path: a file, or a directory whose entries matching `pattern` are followed. */
export const TargetSchema = v.strictObject(
  {
    // Relative paths stay relative to the process cwd, wherever they were written (file, env or argument).
    path: v.pipe(v.string("a non-empty path"), v.minLength(1, "a non-empty path")),
    pattern: v.optional(
      v.pipe(v.string("a non-empty glob pattern"), v.minLength(1, "a non-empty glob pattern")),
      "*.log",
    ),
    // Absent means "auto-detect from what is at `path` when monitoring starts".
    is_file: v.optional(v.boolean("true or false")),
    // Absent means [monitor] follow_symlinks. Only a directory target's matches are ever confined.
    follow_symlinks: v.optional(v.boolean("true or false")),
    // Server-wide line filters of this target: regular expressions (RE2, as a client's q=/…/) on the raw
    // line, checked here so a bad one stops start-up with its key and the construct RE2 cannot run.
    include: v.optional(regexList()),
    exclude: v.optional(regexList()),
    // Absent means [monitor] format.
    format: v.optional(v.picklist(LINE_FORMATS, LINE_FORMAT_EXPECTED)),
  },
  "a target table { path, pattern, is_file, follow_symlinks, include, exclude, format }",
);

function regexList() {
  return v.array(
    v.pipe(
      v.string("a regular expression as a string"),
      v.check(
        (source) => linearRegexError(source) === undefined,
        (issue) =>
          `a regular expression that RE2 runs (${linearRegexError(String(issue.input))}; ${SUPPORTED_SYNTAX})`,
      ),
    ),
    "a list of regular expressions",
  );
}

/** A list of strings, each checked by `problem` (undefined: valid); absent means an empty list. */
function stringListKey(problem: (text: string) => string | undefined, description: string) {
  const item = v.pipe(
    v.string("a string"),
    v.check(
      (text) => problem(text) === undefined,
      (issue) => problem(String(issue.input)) ?? "",
    ),
  );
  return v.optional(
    v.pipe(v.array(item, "a list of strings"), v.description(description)),
    (): string[] => [],
  );
}

const MonitorSchema = v.strictObject(
  {
    check_interval_ms: atLeast(10, 100, "File check interval in ms"),
    rotate_wait_ms: atLeast(0, 5000, "How long in ms to keep reading a rotated-away file"),
    // the monitor's MIN_POLL_SPACING_MS
    batch_ms: integerKey(
      0,
      1000,
      4,
      "While a file is written steadily, it is read at most every this many ms (its new lines go out together); higher: less CPU, more latency",
    ),
    max_line_bytes: atLeast(
      1024,
      1048576,
      "Longest line in bytes; a longer line is cut, marked truncated, and the rest skipped",
    ),
    follow_symlinks: booleanKey(
      false,
      "Follow a matched file whose real path (symlinks resolved) is outside its target directory",
    ),
    format: choiceKey(
      LINE_FORMATS,
      "auto",
      "How lines become entries: auto (JSON, logfmt, access log, klog or text, per line), json, logfmt or text",
    ),
    targets: v.optional(
      v.pipe(
        v.array(TargetSchema, "a list of targets"),
        v.minLength(1, "at least one target"),
        v.description("Paths to monitor"),
      ),
      () => [{ path: "./", pattern: "*.log" }],
    ),
    replay_size: integerKey(
      0,
      10_000_000,
      10000,
      "Entries kept for reconnecting clients and backlogs; 0 turns replay off",
    ),
    replay_max_bytes: integerKey(
      65536,
      1073741824,
      16777216,
      "Most bytes of entries (their JSON text) the replay ring holds; the oldest go first",
    ),
    // no default here: absent means the machine's host name (Runtime.hostName), and entries carry "host"
    // without NATS only when it is set
    hostname: v.optional(
      v.pipe(
        v.string(HOSTNAME_EXPECTED),
        v.check(isHostLabel, HOSTNAME_EXPECTED),
        v.description("This host's name in entries (\"host\") and NATS subjects; default: the machine's"),
      ),
    ),
    direct_reads: booleanKey(
      true,
      "Read a caught-up file on a local filesystem on the event loop's thread, not through the I/O threads; false: always through them",
    ),
    read_from: choiceKey(
      READ_FROM,
      "checkpoint",
      "Where files present at start are read from: checkpoint (where the last run stopped), end or beginning",
    ),
  },
  "a table",
);

/**
 * The state that outlives the process (checkpoints and the saved replay ring). `dir` has no default here:
 * absent means the platform's place for state ($XDG_STATE_HOME/logwisp, else ~/.local/state/logwisp),
 * which only the runtime's environment can tell (see fanout/state-dir.ts).
 */
const StateSchema = v.strictObject(
  {
    enabled: booleanKey(
      true,
      "Keep checkpoints and the replay ring across restarts; false: start fresh every time",
    ),
    dir: optionalPath("State directory (default: $XDG_STATE_HOME/logwisp, else ~/.local/state/logwisp)"),
    checkpoint_interval_ms: atLeast(
      10,
      1000,
      "Most often in ms that checkpoints and the replay ring are saved while lines flow",
    ),
  },
  "a table",
);

function heartbeatSchema<const TFormats extends readonly [string, ...string[]]>(
  enabled: boolean,
  formats: TFormats,
  format: TFormats[number],
  protocol: string,
) {
  return v.strictObject(
    {
      enabled: booleanKey(enabled, `Send ${protocol} heartbeats`),
      interval_seconds: atLeast(1, 30, `Seconds between ${protocol} heartbeats`),
      include_timestamp: booleanKey(true, `Put the current UTC time in ${protocol} heartbeats`),
      include_stats: booleanKey(false, `Put client count and uptime in ${protocol} heartbeats`),
      format: choiceKey(formats, format, `${protocol} heartbeat format`),
    },
    "a table",
  );
}

/** The keys both servers have, then `extra` (keys only this server has), then its heartbeat table. */
function serverSchema<
  const TFormats extends readonly [string, ...string[]],
  const TExtra extends v.ObjectEntries,
>(
  protocol: string,
  defaults: { enabled: boolean; port: number; heartbeatEnabled: boolean; format: TFormats[number] },
  formats: TFormats,
  extra: TExtra,
) {
  const { enabled, port, heartbeatEnabled, format } = defaults;
  return v.strictObject(
    {
      enabled: booleanKey(enabled, `Enable ${protocol} server`),
      host: textKey("0.0.0.0", `${protocol} listen address`),
      port: portKey(port, `${protocol} port; 0 picks any free port`),
      buffer_size: atLeast(1, 1000, `${protocol} per-client buffer size in entries`),
      max_clients: atLeast(0, 1000, `Most ${protocol} clients at once; 0 means no limit`),
      max_clients_per_ip: atLeast(
        0,
        0,
        `Most ${protocol} clients at once from one address; 0 means no limit`,
      ),
      stall_timeout_seconds: atLeast(
        0,
        60,
        `Seconds a ${protocol} client may leave its full queue untaken before it is disconnected; 0 means never`,
      ),
      ssl_enabled: booleanKey(false, `Serve ${protocol} over TLS (needs ssl_cert_file and ssl_key_file)`),
      ssl_cert_file: optionalPath(`${protocol} TLS certificate file (PEM; the chain may follow it)`),
      ssl_key_file: optionalPath(`${protocol} TLS private key file (PEM, unencrypted)`),
      ...extra,
      heartbeat: v.optional(heartbeatSchema(heartbeatEnabled, formats, format, protocol), {}),
    },
    "a table",
  );
}

const AuthSchema = v.strictObject(
  {
    // no default: absent means no auth, as in the seed
    token: v.optional(
      v.pipe(
        v.string("a non-empty string"),
        v.minLength(1, "a non-empty string"),
        secret<string>(),
        v.description(
          "Token every client must present (HTTP Bearer or ?token=, TCP first line); unset: no auth",
        ),
      ),
    ),
  },
  "a table",
);

const NATS_URL_EXPECTED =
  "a NATS server URL or a comma-separated list of them (nats://host:port, tls://host:port or host:port)";
const STREAM_EXPECTED = "a JetStream stream name: 1 to 64 letters, digits, - or _";
const SUBJECT_PREFIX_EXPECTED = "a NATS subject prefix: tokens of letters, digits, - or _, joined by dots";

const NatsSchema = v.strictObject(
  {
    // no default: absent means NATS is off (and its client is never loaded)
    url: v.optional(
      v.pipe(
        v.string(NATS_URL_EXPECTED),
        v.check((text) => parseNatsServers(text) !== undefined, NATS_URL_EXPECTED),
        v.description("NATS server URL(s), comma-separated; unset: NATS off"),
      ),
    ),
    stream: v.optional(
      v.pipe(
        v.string(STREAM_EXPECTED),
        v.regex(/^[A-Za-z0-9_-]{1,64}$/, STREAM_EXPECTED),
        v.description("JetStream stream of the entries (created when missing)"),
      ),
      "LOGWISP",
    ),
    subject_prefix: v.optional(
      v.pipe(
        v.string(SUBJECT_PREFIX_EXPECTED),
        v.regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, SUBJECT_PREFIX_EXPECTED),
        v.description("First tokens of the subjects: <prefix>.<host>.<source>"),
      ),
      "logwisp",
    ),
    publish: booleanKey(true, "Publish this instance's entries to the stream"),
    serve: booleanKey(true, "Stream the stream's entries (every host's) to this instance's clients"),
    token: v.optional(
      v.pipe(
        v.string("a non-empty string"),
        v.minLength(1, "a non-empty string"),
        secret<string>(),
        v.description("Token to authenticate to NATS"),
      ),
    ),
    user: v.optional(
      v.pipe(
        v.string("a non-empty string"),
        v.minLength(1, "a non-empty string"),
        v.description("User name to authenticate to NATS (with password)"),
      ),
    ),
    password: v.optional(
      v.pipe(
        v.string("a non-empty string"),
        v.minLength(1, "a non-empty string"),
        secret<string>(),
        v.description("Password to authenticate to NATS (with user)"),
      ),
    ),
    creds_file: optionalPath("NATS credentials file (JWT and NKey seed) to authenticate with"),
    tls_ca: optionalPath("CA certificate (PEM) that NATS servers' certificates are checked against"),
    tls_cert: optionalPath("Client certificate (PEM) for NATS servers that ask for one (with tls_key)"),
    tls_key: optionalPath("Client private key (PEM) for tls_cert"),
    max_bytes: atLeast(
      0,
      1073741824,
      "Most bytes the stream keeps when logwisp creates it (the oldest go first); 0 means no limit",
    ),
    max_age_seconds: atLeast(
      0,
      0,
      "Oldest entries the stream keeps, in seconds, when logwisp creates it; 0 means no limit",
    ),
    duplicate_window_seconds: atLeast(
      1,
      120,
      "Seconds within which a message published again (same Nats-Msg-Id) is stored once",
    ),
  },
  "a table",
);

/** How the config itself is read again while logwisp runs (SIGHUP always reloads it). */
const ReloadSchema = v.strictObject(
  {
    watch: booleanKey(false, "Reload the config when its file changes (as SIGHUP does)"),
  },
  "a table",
);

export const ConfigSchema = v.strictObject(
  {
    monitor: v.optional(MonitorSchema, {}),
    // TCP heartbeats are JSON lines: a comment has no meaning on a raw stream.
    tcpserver: v.optional(
      serverSchema(
        "TCP",
        { enabled: false, port: 9090, heartbeatEnabled: false, format: "json" },
        ["json"],
        {},
      ),
      {},
    ),
    httpserver: v.optional(
      serverSchema(
        "HTTP",
        { enabled: true, port: 8080, heartbeatEnabled: true, format: "comment" },
        ["comment", "json"],
        {
          // what a browser may do with the HTTP server: both are the server's answer to a web page
          cors_origins: stringListKey(
            originProblem,
            "Origins (scheme://host[:port], comma-separated) whose web pages may read the HTTP responses (CORS)",
          ),
          allowed_hosts: stringListKey(
            hostNameProblem,
            "Host names (comma-separated) a request may use without auth, besides IP addresses and localhost",
          ),
        },
      ),
      {},
    ),
    auth: v.optional(AuthSchema, {}),
    state: v.optional(StateSchema, {}),
    config: v.optional(ReloadSchema, {}),
    nats: v.optional(NatsSchema, {}),
  },
  "a table",
);

export type Config = v.InferOutput<typeof ConfigSchema>;
export type TargetConfig = Config["monitor"]["targets"][number];

type LeafPaths<T, TPrefix extends string = ""> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[] | string | number | boolean
    ? `${TPrefix}${K}`
    : LeafPaths<NonNullable<T[K]>, `${TPrefix}${K}.`>;
}[keyof T & string];

/** A leaf key path such as `"httpserver.heartbeat.format"`; `monitor.targets` is one leaf (replaced whole). */
export type ConfigKey = LeafPaths<Config>;

export function defaultConfig(): Config {
  return v.parse(ConfigSchema, {});
}
