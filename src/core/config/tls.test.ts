import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { issues, run } from "../../_testing/fake-runtime.ts";
import { formatIssue } from "./errors.ts";

// the conformance suite's test-only certificate (see its README.txt)
const fixture = new URL("../../../conformance-tests/fixtures/tls/", import.meta.url);
const CERT = readFileSync(new URL("cert.pem", fixture), "utf8");
const KEY = readFileSync(new URL("key.pem", fixture), "utf8");

test("ssl_enabled with both files: their PEM text per server, the paths in the config", async () => {
  const result = await run({
    files: { "c.pem": CERT, "k.pem": KEY },
    env: { LOGWISP_HTTPSERVER_SSL_ENABLED: "true" },
    argv: ["--http-ssl-cert-file", "c.pem", "--http-ssl-key-file", "k.pem"],
  });
  assert.deepEqual(result.tls, { httpserver: { cert: CERT, key: KEY } });
  assert.equal(result.config.httpserver.ssl_cert_file, "c.pem");
  assert.equal(result.config.tcpserver.ssl_enabled, false);
});

test("without ssl_enabled, or on a disabled server, the files are neither needed nor read", async () => {
  const result = await run({
    argv: ["--http-ssl-cert-file", "missing.pem", "--tcp-ssl-enabled", "--tcp-ssl-key-file", "missing.pem"],
  });
  assert.deepEqual(result.tls, {});
});

test("ssl_enabled without the file keys names each missing key and who turned TLS on", async () => {
  const found = await issues({ argv: ["--enable-tcp", "--tcp-ssl-enabled"] });
  assert.deepEqual(found.map(formatIssue), [
    "invalid tcpserver.ssl_cert_file from default: expected the path of a PEM certificate file (-----BEGIN CERTIFICATE-----), since tcpserver.ssl_enabled is true (flag --tcp-ssl-enabled)",
    "invalid tcpserver.ssl_key_file from default: expected the path of a PEM private key file (-----BEGIN PRIVATE KEY-----, or RSA/EC PRIVATE KEY), since tcpserver.ssl_enabled is true (flag --tcp-ssl-enabled)",
  ]);
});

test("an unreadable, non-PEM or encrypted file is an issue on its key, from where it was set", async () => {
  const found = await issues({
    files: {
      "logwisp.toml":
        '[httpserver]\nssl_enabled = true\nssl_cert_file = "key.pem"\nssl_key_file = "enc.pem"\n',
      "key.pem": KEY,
      "enc.pem": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n",
    },
    env: { LOGWISP_TCPSERVER_ENABLED: "true", LOGWISP_TCPSERVER_SSL_ENABLED: "1" },
    argv: ["--config", "logwisp.toml", "--tcp-ssl-cert-file", "nope.pem", "--tcp-ssl-key-file=key.pem"],
  });
  assert.equal(found.length, 3);
  const [tcpCert, httpCert, httpKey] = found;
  assert.equal(tcpCert?.key, "tcpserver.ssl_cert_file");
  assert.equal(tcpCert?.source, "flag");
  assert.equal(tcpCert?.value, "nope.pem");
  assert.match(tcpCert?.expected ?? "", /^a PEM certificate file .* that logwisp can read \(.*ENOENT/);
  assert.equal(httpCert?.key, "httpserver.ssl_cert_file");
  assert.equal(httpCert?.source, "file");
  assert.match(httpCert?.expected ?? "", /^a PEM certificate file .*; this file has no such line$/);
  assert.equal(httpKey?.key, "httpserver.ssl_key_file");
  assert.match(httpKey?.expected ?? "", /^an unencrypted PEM private key file/);
});
