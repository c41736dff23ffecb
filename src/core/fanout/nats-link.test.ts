import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeNatsServer } from "../../_testing/fake-nats.ts";
import { defaultConfig } from "../config/schema.ts";
import { NatsAuthError } from "../nats-port.ts";
import { natsConnectOptions, natsEnabled, natsStreamConfig, openNatsLink } from "./nats-link.ts";

function natsConfig() {
  const config = defaultConfig();
  config.nats.url = "127.0.0.1:4222,tls://nats.example";
  config.nats.user = "agent";
  config.nats.password = "pw";
  config.nats.tls_ca = "/ca.pem";
  config.nats.subject_prefix = "acme.logs";
  config.nats.max_age_seconds = 60;
  return config;
}

test("NATS is off without a url", () => {
  assert.equal(natsEnabled(defaultConfig()), false);
  assert.equal(natsEnabled(natsConfig()), true);
});

test("the keys become connect options and the stream's config", () => {
  const config = natsConfig();
  assert.deepEqual(natsConnectOptions(config, "logwisp web-1"), {
    servers: ["nats://127.0.0.1:4222", "tls://nats.example:4222"],
    name: "logwisp web-1",
    user: "agent",
    password: "pw",
    tls: { ca: "/ca.pem" },
  });
  assert.deepEqual(natsStreamConfig(config), {
    name: "LOGWISP",
    subjects: ["acme.logs.>"],
    maxBytes: 1073741824,
    maxAgeMs: 60_000,
    duplicateWindowMs: 120_000,
  });
});

test("openNatsLink retries while no server answers, saying so each time, then connects", async () => {
  const fake = new FakeNatsServer();
  fake.stop();
  const lines: string[] = [];
  const waits: number[] = [];
  const link = await openNatsLink(fake.connector, natsConnectOptions(natsConfig(), "t"), {
    log: (line) => lines.push(line),
    cancelled: () => false,
    sleep: async (ms) => {
      waits.push(ms);
      if (waits.length === 3) fake.start();
    },
  });
  assert.equal(link?.state, "connected");
  assert.deepEqual(waits, [500, 1000, 2000]);
  assert.equal(lines.length, 4);
  assert.match(
    lines[0] ?? "",
    /^NATS: no NATS server answered \(127\.0\.0\.1:4222\); retrying in 0\.5 s \(attempt 1\)$/,
  );
  assert.match(lines[3] ?? "", /^NATS: connected to 127\.0\.0\.1:4222$/);
});

test("openNatsLink does not retry refused credentials, and stops once cancelled", async () => {
  const fake = new FakeNatsServer();
  fake.refuseCredentials = true;
  const options = { log: () => undefined, cancelled: () => false, sleep: async () => undefined };
  await assert.rejects(
    openNatsLink(fake.connector, natsConnectOptions(natsConfig(), "t"), options),
    NatsAuthError,
  );
  fake.refuseCredentials = false;
  fake.stop();
  let calls = 0;
  const cancelled = () => ++calls > 2;
  assert.equal(
    await openNatsLink(fake.connector, { servers: [], name: "t" }, { ...options, cancelled }),
    undefined,
  );
});
