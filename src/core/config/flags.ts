// The command-line flags, as in the Go original, each mapped onto schema keys. What a flag's value means,
// its default and most descriptions come from the schema (keys.ts); only the flag spelling lives here.
import { keySpec } from "./keys.ts";
import type { ConfigKey } from "./schema.ts";

export type FlagAction =
  | { readonly kind: "set"; readonly keys: readonly [ConfigKey, ...ConfigKey[]]; readonly invert?: boolean }
  | { readonly kind: "config" | "help" | "version" | "print-config" | "check-config" };

export interface FlagSpec {
  /** Without dashes; `-name` and `--name` are both accepted, like Go's flag package. */
  readonly name: string;
  readonly alias?: string;
  /** Placeholder for the value in help (`PORT`); absent for a boolean flag, which takes only `=value`. */
  readonly valueName?: string;
  /** Help text when the first key's schema description does not fit the flag. */
  readonly help?: string;
  readonly action: FlagAction;
}

function set(...keys: [ConfigKey, ...ConfigKey[]]): FlagAction {
  return { kind: "set", keys };
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: "config",
    valueName: "FILE",
    help: "Config file path (default: ~/.config/logwisp.toml if present)",
    action: { kind: "config" },
  },
  { name: "watch-config", action: set("config.watch") },
  { name: "check-interval", valueName: "MS", action: set("monitor.check_interval_ms") },
  { name: "batch-ms", valueName: "MS", action: set("monitor.batch_ms") },
  { name: "rotate-wait", valueName: "MS", action: set("monitor.rotate_wait_ms") },
  { name: "max-line-bytes", valueName: "N", action: set("monitor.max_line_bytes") },
  { name: "follow-symlinks", action: set("monitor.follow_symlinks") },
  { name: "format", valueName: "FORMAT", action: set("monitor.format") },
  { name: "replay-size", valueName: "N", action: set("monitor.replay_size") },
  { name: "replay-max-bytes", valueName: "N", action: set("monitor.replay_max_bytes") },
  { name: "read-from", valueName: "WHERE", action: set("monitor.read_from") },
  { name: "direct-reads", action: set("monitor.direct_reads") },
  { name: "state", action: set("state.enabled") },
  { name: "state-dir", valueName: "DIR", action: set("state.dir") },
  { name: "checkpoint-interval", valueName: "MS", action: set("state.checkpoint_interval_ms") },
  { name: "hostname", valueName: "NAME", action: set("monitor.hostname") },
  {
    name: "host",
    valueName: "ADDR",
    help: "Listen address of both servers",
    action: set("tcpserver.host", "httpserver.host"),
  },
  { name: "enable-tcp", action: set("tcpserver.enabled") },
  { name: "tcp-port", valueName: "PORT", action: set("tcpserver.port") },
  { name: "tcp-buffer-size", valueName: "SIZE", action: set("tcpserver.buffer_size") },
  { name: "tcp-max-clients", valueName: "N", action: set("tcpserver.max_clients") },
  { name: "tcp-max-clients-per-ip", valueName: "N", action: set("tcpserver.max_clients_per_ip") },
  { name: "tcp-stall-timeout", valueName: "SECONDS", action: set("tcpserver.stall_timeout_seconds") },
  { name: "tcp-ssl-enabled", action: set("tcpserver.ssl_enabled") },
  { name: "tcp-ssl-cert-file", valueName: "FILE", action: set("tcpserver.ssl_cert_file") },
  { name: "tcp-ssl-key-file", valueName: "FILE", action: set("tcpserver.ssl_key_file") },
  { name: "enable-http", action: set("httpserver.enabled") },
  {
    name: "disable-http",
    help: "Disable HTTP server",
    action: { kind: "set", keys: ["httpserver.enabled"], invert: true },
  },
  { name: "http-port", valueName: "PORT", action: set("httpserver.port") },
  { name: "http-buffer-size", valueName: "SIZE", action: set("httpserver.buffer_size") },
  { name: "http-max-clients", valueName: "N", action: set("httpserver.max_clients") },
  { name: "http-max-clients-per-ip", valueName: "N", action: set("httpserver.max_clients_per_ip") },
  { name: "http-stall-timeout", valueName: "SECONDS", action: set("httpserver.stall_timeout_seconds") },
  { name: "http-ssl-enabled", action: set("httpserver.ssl_enabled") },
  { name: "http-ssl-cert-file", valueName: "FILE", action: set("httpserver.ssl_cert_file") },
  { name: "http-ssl-key-file", valueName: "FILE", action: set("httpserver.ssl_key_file") },
  { name: "http-cors-origins", valueName: "ORIGINS", action: set("httpserver.cors_origins") },
  { name: "http-allowed-hosts", valueName: "NAMES", action: set("httpserver.allowed_hosts") },
  { name: "auth-token", valueName: "TOKEN", action: set("auth.token") },
  { name: "nats-url", valueName: "URLS", action: set("nats.url") },
  { name: "nats-stream", valueName: "NAME", action: set("nats.stream") },
  { name: "nats-subject-prefix", valueName: "PREFIX", action: set("nats.subject_prefix") },
  { name: "nats-publish", action: set("nats.publish") },
  { name: "nats-serve", action: set("nats.serve") },
  { name: "nats-token", valueName: "TOKEN", action: set("nats.token") },
  { name: "nats-user", valueName: "USER", action: set("nats.user") },
  { name: "nats-password", valueName: "PASSWORD", action: set("nats.password") },
  { name: "nats-creds-file", valueName: "FILE", action: set("nats.creds_file") },
  { name: "nats-tls-ca", valueName: "FILE", action: set("nats.tls_ca") },
  { name: "nats-tls-cert", valueName: "FILE", action: set("nats.tls_cert") },
  { name: "nats-tls-key", valueName: "FILE", action: set("nats.tls_key") },
  { name: "nats-max-bytes", valueName: "N", action: set("nats.max_bytes") },
  { name: "nats-max-age", valueName: "SECONDS", action: set("nats.max_age_seconds") },
  { name: "nats-duplicate-window", valueName: "SECONDS", action: set("nats.duplicate_window_seconds") },
  {
    name: "print-config",
    help: "Print the effective config as TOML, each value with its source, and exit",
    action: { kind: "print-config" },
  },
  {
    name: "check-config",
    help: 'Check the config (file, env, flags) and exit: 0 with "config OK", or 2 with every problem',
    action: { kind: "check-config" },
  },
  { name: "help", alias: "h", help: "Show this help and exit", action: { kind: "help" } },
  { name: "version", alias: "v", help: "Print the version and exit", action: { kind: "version" } },
];

const BY_NAME = new Map<string, FlagSpec>(
  FLAGS.flatMap((flag) => [[flag.name, flag] as const, ...(flag.alias ? [[flag.alias, flag] as const] : [])]),
);

export function findFlag(name: string): FlagSpec | undefined {
  return BY_NAME.get(name);
}

export function flagHelp(flag: FlagSpec): string {
  if (flag.help !== undefined) return flag.help;
  return flag.action.kind === "set" ? keySpec(flag.action.keys[0]).description : flag.name;
}

/** `--tcp-port PORT`, `--enable-tcp[=BOOL]`, `-h, --help`. */
export function flagUsage(flag: FlagSpec): string {
  const alias = flag.alias === undefined ? "" : `-${flag.alias}, `;
  const value =
    flag.valueName !== undefined ? ` ${flag.valueName}` : flag.action.kind === "set" ? "[=BOOL]" : "";
  return `${alias}--${flag.name}${value}`;
}
