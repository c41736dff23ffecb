import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFIG_KEYS, CONFIG_SECTIONS, envNameOf, findKey, findKeyByEnv, keySpec } from "./keys.ts";

test("the catalogue lists every leaf key with its env name and kind", () => {
  assert.deepEqual(
    CONFIG_KEYS.map((spec) => [spec.key, spec.env, spec.kind]),
    [
      ["monitor.check_interval_ms", "LOGWISP_MONITOR_CHECK_INTERVAL_MS", "integer"],
      ["monitor.rotate_wait_ms", "LOGWISP_MONITOR_ROTATE_WAIT_MS", "integer"],
      ["monitor.batch_ms", "LOGWISP_MONITOR_BATCH_MS", "integer"],
      ["monitor.max_line_bytes", "LOGWISP_MONITOR_MAX_LINE_BYTES", "integer"],
      ["monitor.follow_symlinks", "LOGWISP_MONITOR_FOLLOW_SYMLINKS", "boolean"],
      ["monitor.format", "LOGWISP_MONITOR_FORMAT", "choice"],
      ["monitor.targets", "LOGWISP_MONITOR_TARGETS", "targets"],
      ["monitor.replay_size", "LOGWISP_MONITOR_REPLAY_SIZE", "integer"],
      ["monitor.replay_max_bytes", "LOGWISP_MONITOR_REPLAY_MAX_BYTES", "integer"],
      ["monitor.hostname", "LOGWISP_MONITOR_HOSTNAME", "string"],
      ["monitor.direct_reads", "LOGWISP_MONITOR_DIRECT_READS", "boolean"],
      ["monitor.read_from", "LOGWISP_MONITOR_READ_FROM", "choice"],
      ...(["TCP", "HTTP"] as const).flatMap((protocol) => {
        const section = `${protocol.toLowerCase()}server`;
        const env = `LOGWISP_${protocol}SERVER_`;
        return [
          [`${section}.enabled`, `${env}ENABLED`, "boolean"],
          [`${section}.host`, `${env}HOST`, "string"],
          [`${section}.port`, `${env}PORT`, "integer"],
          [`${section}.buffer_size`, `${env}BUFFER_SIZE`, "integer"],
          [`${section}.max_clients`, `${env}MAX_CLIENTS`, "integer"],
          [`${section}.max_clients_per_ip`, `${env}MAX_CLIENTS_PER_IP`, "integer"],
          [`${section}.stall_timeout_seconds`, `${env}STALL_TIMEOUT_SECONDS`, "integer"],
          [`${section}.ssl_enabled`, `${env}SSL_ENABLED`, "boolean"],
          [`${section}.ssl_cert_file`, `${env}SSL_CERT_FILE`, "string"],
          [`${section}.ssl_key_file`, `${env}SSL_KEY_FILE`, "string"],
          ...(protocol === "HTTP"
            ? [
                [`${section}.cors_origins`, `${env}CORS_ORIGINS`, "list"],
                [`${section}.allowed_hosts`, `${env}ALLOWED_HOSTS`, "list"],
              ]
            : []),
          [`${section}.heartbeat.enabled`, `${env}HEARTBEAT_ENABLED`, "boolean"],
          [`${section}.heartbeat.interval_seconds`, `${env}HEARTBEAT_INTERVAL_SECONDS`, "integer"],
          [`${section}.heartbeat.include_timestamp`, `${env}HEARTBEAT_INCLUDE_TIMESTAMP`, "boolean"],
          [`${section}.heartbeat.include_stats`, `${env}HEARTBEAT_INCLUDE_STATS`, "boolean"],
          [`${section}.heartbeat.format`, `${env}HEARTBEAT_FORMAT`, "choice"],
        ];
      }),
      ["auth.token", "LOGWISP_AUTH_TOKEN", "string"],
      ["state.enabled", "LOGWISP_STATE_ENABLED", "boolean"],
      ["state.dir", "LOGWISP_STATE_DIR", "string"],
      ["state.checkpoint_interval_ms", "LOGWISP_STATE_CHECKPOINT_INTERVAL_MS", "integer"],
      ["config.watch", "LOGWISP_CONFIG_WATCH", "boolean"],
      ["nats.url", "LOGWISP_NATS_URL", "string"],
      ["nats.stream", "LOGWISP_NATS_STREAM", "string"],
      ["nats.subject_prefix", "LOGWISP_NATS_SUBJECT_PREFIX", "string"],
      ["nats.publish", "LOGWISP_NATS_PUBLISH", "boolean"],
      ["nats.serve", "LOGWISP_NATS_SERVE", "boolean"],
      ["nats.token", "LOGWISP_NATS_TOKEN", "string"],
      ["nats.user", "LOGWISP_NATS_USER", "string"],
      ["nats.password", "LOGWISP_NATS_PASSWORD", "string"],
      ["nats.creds_file", "LOGWISP_NATS_CREDS_FILE", "string"],
      ["nats.tls_ca", "LOGWISP_NATS_TLS_CA", "string"],
      ["nats.tls_cert", "LOGWISP_NATS_TLS_CERT", "string"],
      ["nats.tls_key", "LOGWISP_NATS_TLS_KEY", "string"],
      ["nats.max_bytes", "LOGWISP_NATS_MAX_BYTES", "integer"],
      ["nats.max_age_seconds", "LOGWISP_NATS_MAX_AGE_SECONDS", "integer"],
      ["nats.duplicate_window_seconds", "LOGWISP_NATS_DUPLICATE_WINDOW_SECONDS", "integer"],
    ],
  );
});

test("sections are the tables of the schema", () => {
  assert.deepEqual(
    [...CONFIG_SECTIONS],
    [
      "monitor",
      "tcpserver",
      "tcpserver.heartbeat",
      "httpserver",
      "httpserver.heartbeat",
      "auth",
      "state",
      "config",
      "nats",
    ],
  );
});

test("key facts come from the schema: defaults, descriptions, expected text", () => {
  const port = keySpec("httpserver.port");
  assert.equal(port.defaultValue, 8080);
  assert.equal(port.expected, "an integer from 0 to 65535");
  assert.match(port.description, /HTTP port/);
  assert.equal(keySpec("tcpserver.port").defaultValue, 9090);
  assert.equal(keySpec("monitor.check_interval_ms").expected, "an integer >= 10");
  assert.equal(keySpec("httpserver.heartbeat.format").defaultValue, "comment");
  assert.deepEqual(keySpec("monitor.targets").defaultValue, [{ path: "./", pattern: "*.log" }]);
  assert.equal(keySpec("auth.token").defaultValue, undefined);
  assert.deepEqual(keySpec("httpserver.cors_origins").defaultValue, []);
});

test("lookups by key and env name", () => {
  assert.equal(findKey("tcpserver.heartbeat.format")?.env, "LOGWISP_TCPSERVER_HEARTBEAT_FORMAT");
  assert.equal(findKey("tcpserver.heartbeat"), undefined);
  assert.equal(findKeyByEnv("LOGWISP_HTTPSERVER_BUFFER_SIZE")?.key, "httpserver.buffer_size");
  assert.equal(findKeyByEnv("LOGWISP_HTTPSERVER_PROT"), undefined);
  assert.equal(envNameOf("a.b_c"), "LOGWISP_A_B_C");
});
