// The suite's test-only certificate (fixtures/tls/README.txt): its paths for logwisp, and its text for the
// clients, which trust it explicitly as their one CA (never by turning verification off).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

export const TLS_CERT_FILE = fixture("cert.pem");
export const TLS_KEY_FILE = fixture("key.pem");
/** The `ca` option of every TLS client in the suite. */
export const TEST_CA = readFileSync(TLS_CERT_FILE, "utf8");
