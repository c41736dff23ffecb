// What a reload changes: the leaf keys whose value differs between the running config and the new one, and
// what each part of the service must do about them. Pure, so every case is a table row in diff.test.ts.
import { CONFIG_KEYS, valueAt } from "./keys.ts";
import type { Config, ConfigKey } from "./schema.ts";
import type { TlsMaterial, TlsServer } from "./tls.ts";

/** What one server does on a reload; several may be true at once. */
export interface ServerPlan {
  /** Host, port, enabled or ssl_enabled changed: a new listener replaces the old one. */
  readonly rebind: boolean;
  /** Still TLS on the same address, with another certificate or key (the files' text, not only their paths). */
  readonly rotateTls: boolean;
  /** Buffer size, limits, stall timeout or heartbeats changed: applied to the running server. */
  readonly reconfigure: boolean;
}

export interface ReloadPlan {
  /** Every leaf key whose value changed, in schema order (`auth.token` named, never its value). */
  readonly changed: readonly ConfigKey[];
  /** Targets, filters, formats or the poll settings: the monitor takes the new ones. */
  readonly monitor: boolean;
  readonly replay: boolean;
  /** The token, CORS origins or allowed host names: the HTTP app is rebuilt, the TCP check swapped. */
  readonly access: boolean;
  readonly servers: Readonly<Record<TlsServer, ServerPlan>>;
  /** `[config] watch` changed. */
  readonly watch: boolean;
}

const REBIND_KEYS = ["enabled", "host", "port", "ssl_enabled"] as const;
const ACCESS_KEYS: readonly string[] = ["auth.token", "httpserver.cors_origins", "httpserver.allowed_hosts"];
const REPLAY_KEYS: readonly string[] = ["monitor.replay_size", "monitor.replay_max_bytes"];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function changedKeys(before: Config, after: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((spec) => !same(valueAt(before, spec.key), valueAt(after, spec.key))).map(
    (spec) => spec.key,
  );
}

function serverPlan(
  server: TlsServer,
  changed: readonly ConfigKey[],
  tls: { before: TlsMaterial; after: TlsMaterial },
): ServerPlan {
  const own = changed
    .filter((key) => key.startsWith(`${server}.`))
    .map((key) => key.slice(server.length + 1));
  const rebind = own.some((key) => (REBIND_KEYS as readonly string[]).includes(key));
  const before = tls.before[server];
  const after = tls.after[server];
  const rotateTls =
    !rebind &&
    before !== undefined &&
    after !== undefined &&
    (before.cert !== after.cert || before.key !== after.key);
  const reconfigure = own.some(
    (key) =>
      !(REBIND_KEYS as readonly string[]).includes(key) &&
      !key.startsWith("ssl_") &&
      key !== "cors_origins" &&
      key !== "allowed_hosts",
  );
  return { rebind, rotateTls, reconfigure };
}

/** `tls`: the certificate and key text read for the running config and for the new one. */
export function planReload(
  before: Config,
  after: Config,
  tls: { before: TlsMaterial; after: TlsMaterial },
): ReloadPlan {
  const changed = changedKeys(before, after);
  return {
    changed,
    monitor: changed.some((key) => key.startsWith("monitor.") && !REPLAY_KEYS.includes(key)),
    replay: changed.some((key) => REPLAY_KEYS.includes(key)),
    access: changed.some((key) => ACCESS_KEYS.includes(key)),
    servers: {
      tcpserver: serverPlan("tcpserver", changed, tls),
      httpserver: serverPlan("httpserver", changed, tls),
    },
    watch: changed.includes("config.watch"),
  };
}
