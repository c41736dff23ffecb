import assert from "node:assert/strict";
import { test } from "node:test";
import { DropTally, StatusPoller, type StatusResult, summarizeStatus } from "./server-status.ts";

const document = {
  version: "0.1.0",
  runtime: { name: "node", version: "20.19.0" },
  monitor: {
    files: [
      { path: "/logs/a.log", source: "a.log" },
      { path: "/logs/b.log", source: "b.log" },
      { path: "/old/a.log", source: "a.log" },
    ],
  },
  clients: [
    { id: "sse-1", dropped: 4 },
    { id: "tcp-2", dropped: 9 },
  ],
  totals: { dropped: 13 },
};

test("the summary names the server and finds this page's client by its id", () => {
  assert.deepEqual(summarizeStatus(document, "sse-1"), {
    version: "0.1.0",
    runtime: "node 20.19.0",
    files: 3,
    clients: 2,
    clientDropped: 4,
    totalDropped: 13,
    sources: ["a.log", "b.log"],
  });
  assert.equal(summarizeStatus(document, "sse-7").clientDropped, undefined);
  assert.equal(summarizeStatus({}, undefined).totalDropped, 0, "an unexpected document is read as zeros");
});

test("drops add up over the page's connections: each reconnect is a new client", () => {
  const tally = new DropTally();
  tally.update("sse-1", 3);
  tally.update("sse-1", 5);
  assert.equal(tally.total, 5);
  tally.update("sse-2", 2);
  assert.equal(tally.total, 7);
});

test("the poller asks, reports, and asks again after the interval; now() asks at once", async () => {
  const scheduled: (() => void)[] = [];
  const results: StatusResult[] = [];
  let asked = 0;
  const poller = new StatusPoller(
    {
      fetchStatus: async () => {
        asked++;
        return { kind: "ok", document: { n: asked } };
      },
      schedule: (run) => {
        scheduled.push(run);
        return () => scheduled.splice(scheduled.indexOf(run), 1);
      },
    },
    (result) => results.push(result),
  );
  poller.start();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(asked, 1);
  assert.equal(scheduled.length, 1);
  poller.now();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(asked, 2);
  assert.equal(scheduled.length, 1, "one next poll, not two");
  poller.stop();
  assert.equal(scheduled.length, 0);
  assert.equal(results.length, 2);
});
