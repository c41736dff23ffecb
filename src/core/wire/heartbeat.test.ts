import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { HeartbeatStats } from "./contract.ts";
import { encodeSseHeartbeat, encodeTcpHeartbeat, type HeartbeatOptions, heartbeatText } from "./heartbeat.ts";

const decoder = new TextDecoder();
const NOW_MS = Date.UTC(2024, 0, 1, 12, 0, 0, 789);
const STATS: HeartbeatStats = { activeClients: 5, uptimeSeconds: 3600.9 };

// [include_timestamp, include_stats, comment text, JSON]: the seed's examples and their subsets
const cases: [boolean, boolean, string, string][] = [
  [
    true,
    true,
    "heartbeat 2024-01-01T12:00:00Z clients=5 uptime=3600s",
    '{"type":"heartbeat","timestamp":"2024-01-01T12:00:00Z","active_clients":5,"uptime_seconds":3600}',
  ],
  [true, false, "heartbeat 2024-01-01T12:00:00Z", '{"type":"heartbeat","timestamp":"2024-01-01T12:00:00Z"}'],
  [
    false,
    true,
    "heartbeat clients=5 uptime=3600s",
    '{"type":"heartbeat","active_clients":5,"uptime_seconds":3600}',
  ],
  [false, false, "heartbeat", '{"type":"heartbeat"}'],
];

for (const [include_timestamp, include_stats, comment, json] of cases) {
  describe(`include_timestamp=${include_timestamp} include_stats=${include_stats}`, () => {
    const asComment: HeartbeatOptions = { include_timestamp, include_stats, format: "comment" };
    const asJson: HeartbeatOptions = { include_timestamp, include_stats, format: "json" };

    test("heartbeatText, comment", () => assert.equal(heartbeatText(asComment, STATS, NOW_MS), comment));
    test("heartbeatText, json", () => assert.equal(heartbeatText(asJson, STATS, NOW_MS), json));
    test("SSE comment", () => {
      assert.equal(decoder.decode(encodeSseHeartbeat(asComment, STATS, NOW_MS)), `: ${comment}\n\n`);
    });
    test("SSE json", () => {
      assert.equal(decoder.decode(encodeSseHeartbeat(asJson, STATS, NOW_MS)), `data: ${json}\n\n`);
    });
    test("TCP is JSON whatever the format", () => {
      assert.equal(decoder.decode(encodeTcpHeartbeat(asComment, STATS, NOW_MS)), `${json}\n`);
      assert.equal(decoder.decode(encodeTcpHeartbeat(asJson, STATS, NOW_MS)), `${json}\n`);
    });
  });
}

describe("uptime in whole seconds", () => {
  const opts: HeartbeatOptions = { include_timestamp: false, include_stats: true, format: "json" };
  const uptimes: [number, number][] = [
    [0, 0],
    [0.999, 0],
    [59.99, 59],
    [3600, 3600],
    [-1, 0],
    [Number.NaN, 0],
  ];
  for (const [uptimeSeconds, expected] of uptimes) {
    test(`${uptimeSeconds} → ${expected}`, () => {
      const parsed = JSON.parse(heartbeatText(opts, { activeClients: 0, uptimeSeconds }, NOW_MS)) as {
        uptime_seconds: number;
      };
      assert.equal(parsed.uptime_seconds, expected);
    });
  }
});
