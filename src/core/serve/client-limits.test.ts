import assert from "node:assert/strict";
import { test } from "node:test";
import { type Admission, ClientLimits } from "./client-limits.ts";

function admitted(admission: Admission): () => void {
  assert.ok(admission.ok, JSON.stringify(admission));
  return admission.release;
}

test("max_clients refuses the client over the limit, and admits again once one leaves", () => {
  const limits = new ClientLimits(2, 0);
  const first = admitted(limits.admit("10.0.0.1"));
  admitted(limits.admit("10.0.0.2"));
  assert.deepEqual(limits.admit("10.0.0.3"), {
    ok: false,
    refusal: { error: "too many clients", max_clients: 2 },
  });
  assert.equal(limits.rejected, 1);
  first();
  first();
  assert.equal(limits.active, 1, "a release counts once");
  admitted(limits.admit("10.0.0.3"));
  assert.equal(limits.admit("10.0.0.4").ok, false);
  assert.equal(limits.rejected, 2);
});

test("max_clients_per_ip counts each address on its own, IPv4-mapped IPv6 as IPv4", () => {
  const limits = new ClientLimits(0, 2);
  admitted(limits.admit("127.0.0.1"));
  const second = admitted(limits.admit("::ffff:127.0.0.1"));
  assert.deepEqual(limits.admit("127.0.0.1"), {
    ok: false,
    refusal: { error: "too many clients from this address", max_clients_per_ip: 2 },
  });
  admitted(limits.admit("::1"));
  admitted(limits.admit("10.0.0.1"));
  second();
  admitted(limits.admit("127.0.0.1"));
  assert.equal(limits.rejected, 1);
});

test("limits of 0 admit everyone, and released addresses are forgotten", () => {
  const limits = new ClientLimits(0, 0);
  const releases = Array.from({ length: 5000 }, (_, i) =>
    admitted(limits.admit(`10.0.${i >> 8}.${i & 255}`)),
  );
  assert.equal(limits.active, 5000);
  for (const release of releases) release();
  assert.equal(limits.active, 0);
  assert.equal(limits.addresses, 0);
  assert.equal(limits.rejected, 0);
});

test("reconfigure: new limits hold for the next client; those connected keep their slot", () => {
  const limits = new ClientLimits(0, 0);
  const first = admitted(limits.admit("10.0.0.1"));
  admitted(limits.admit("10.0.0.1"));
  limits.reconfigure(5, 1);
  assert.deepEqual(limits.admit("10.0.0.1"), {
    ok: false,
    refusal: { error: "too many clients from this address", max_clients_per_ip: 1 },
  });
  assert.equal(limits.active, 2);
  admitted(limits.admit("10.0.0.2"));
  first();
  limits.reconfigure(0, 0);
  admitted(limits.admit("10.0.0.1"));
});
