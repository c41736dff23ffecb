// ssl_enabled: each TLS server's certificate and key, read as PEM text through the runtime and checked while
// the config is, so a missing, unreadable or non-PEM file is a config error (key, where it was set, what is
// expected; exit 2) before anything listens, and --check-config catches it too.
import type { ConfigIssue } from "./errors.ts";
import type { ConfigRuntime } from "./file.ts";
import type { Provenance } from "./merge.ts";
import type { Config, ConfigKey } from "./schema.ts";

/** PEM text of a server's certificate (the chain may follow it) and of its private key. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export type TlsServer = "tcpserver" | "httpserver";

/** The files of each enabled server that has `ssl_enabled`; a server without TLS is absent. */
export type TlsMaterial = Readonly<Partial<Record<TlsServer, TlsFiles>>>;

type FileKey = "ssl_cert_file" | "ssl_key_file";

interface PemKind {
  readonly what: string;
  /** The BEGIN line a usable file has. */
  readonly begin: RegExp;
  /** A BEGIN line that shows a file of the right kind that logwisp still cannot use, and what it needs. */
  readonly refused?: { readonly begin: RegExp; readonly expected: string };
}

const PEM: Readonly<Record<FileKey, PemKind>> = {
  ssl_cert_file: {
    what: "a PEM certificate file (-----BEGIN CERTIFICATE-----)",
    begin: /-----BEGIN CERTIFICATE-----/,
  },
  ssl_key_file: {
    what: "a PEM private key file (-----BEGIN PRIVATE KEY-----, or RSA/EC PRIVATE KEY)",
    begin: /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/,
    refused: {
      begin: /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/,
      expected:
        "an unencrypted PEM private key file (nobody is there to type a passphrase when logwisp starts)",
    },
  },
};

function describeError(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? (message.split("\n")[0] ?? message) : String(error);
}

/** Reads and checks one file; the issue says what was wrong with it. */
async function readPem(
  runtime: ConfigRuntime,
  path: string,
  kind: PemKind,
): Promise<{ text: string } | { expected: string }> {
  let text: string;
  try {
    text = await runtime.fs.readText(runtime.resolvePath(path));
  } catch (error) {
    return { expected: `${kind.what} that logwisp can read (${describeError(error)})` };
  }
  if (kind.refused?.begin.test(text)) return { expected: kind.refused.expected };
  if (!kind.begin.test(text)) return { expected: `${kind.what}; this file has no such line` };
  return { text };
}

export async function readTlsFiles(
  runtime: ConfigRuntime,
  config: Config,
  provenance: Provenance,
): Promise<{ material: TlsMaterial; issues: ConfigIssue[] }> {
  const material: Partial<Record<TlsServer, TlsFiles>> = {};
  const issues: ConfigIssue[] = [];
  for (const server of ["tcpserver", "httpserver"] as const) {
    const settings = config[server];
    if (!settings.enabled || !settings.ssl_enabled) continue;
    const texts: Partial<Record<FileKey, string>> = {};
    for (const fileKey of ["ssl_cert_file", "ssl_key_file"] as const) {
      const key: ConfigKey = `${server}.${fileKey}`;
      const path = settings[fileKey];
      if (path === undefined) {
        const enabledBy = provenance[`${server}.ssl_enabled`];
        const where = enabledBy ? ` (${enabledBy.source} ${enabledBy.origin})` : "";
        issues.push({
          key,
          source: "default",
          origin: "default",
          expected: `the path of ${PEM[fileKey].what}, since ${server}.ssl_enabled is true${where}`,
        });
        continue;
      }
      const read = await readPem(runtime, path, PEM[fileKey]);
      if ("text" in read) {
        texts[fileKey] = read.text;
        continue;
      }
      const setting = provenance[key];
      issues.push({
        key,
        source: setting?.source ?? "default",
        origin: setting?.origin ?? "default",
        value: path,
        expected: read.expected,
      });
    }
    if (texts.ssl_cert_file !== undefined && texts.ssl_key_file !== undefined) {
      material[server] = { cert: texts.ssl_cert_file, key: texts.ssl_key_file };
    }
  }
  return { material, issues };
}
