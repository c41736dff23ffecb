// The one NATS connection of an instance, shared by its publisher and its consumer: [nats] keys → connect
// options and stream config, and the first connection, retried with a growing wait while no server answers
// (a clear line each time, never a crash). Wrong credentials are not retried: they will not get better.

import { parseNatsServers } from "../config/nats-servers.ts";
import type { Config } from "../config/schema.ts";
import {
  NatsAuthError,
  type NatsConnectOptions,
  type NatsConnector,
  type NatsLink,
  type NatsStreamConfig,
} from "../nats-port.ts";
import { allEntriesSubject } from "../wire/nats-subject.ts";

/** NATS is on when `[nats] url` is set. */
export function natsEnabled(config: Config): boolean {
  return config.nats.url !== undefined;
}

export function natsConnectOptions(config: Config, name: string): NatsConnectOptions {
  const nats = config.nats;
  const options: NatsConnectOptions = { servers: parseNatsServers(nats.url ?? "") ?? [], name };
  if (nats.token !== undefined) options.token = nats.token;
  if (nats.user !== undefined) options.user = nats.user;
  if (nats.password !== undefined) options.password = nats.password;
  if (nats.creds_file !== undefined) options.credsFile = nats.creds_file;
  if (nats.tls_ca !== undefined || nats.tls_cert !== undefined || nats.tls_key !== undefined) {
    options.tls = {
      ...(nats.tls_ca === undefined ? {} : { ca: nats.tls_ca }),
      ...(nats.tls_cert === undefined ? {} : { cert: nats.tls_cert }),
      ...(nats.tls_key === undefined ? {} : { key: nats.tls_key }),
    };
  }
  return options;
}

/** The stream as logwisp creates it when it is missing: every subject under the prefix, with the limits. */
export function natsStreamConfig(config: Config): NatsStreamConfig {
  const nats = config.nats;
  return {
    name: nats.stream,
    subjects: [allEntriesSubject(nats.subject_prefix)],
    maxBytes: nats.max_bytes,
    maxAgeMs: nats.max_age_seconds * 1000,
    duplicateWindowMs: nats.duplicate_window_seconds * 1000,
  };
}

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10_000;

export interface OpenNatsOptions {
  readonly log: (line: string) => void;
  /** True once the instance is shutting down: stop retrying (resolves undefined). */
  readonly cancelled: () => boolean;
  /** The wait between attempts (tests shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects, retrying while no server answers (each failure said on stderr, the wait doubling up to 10 s).
 * Rejects with NatsAuthError (naming the server) when the credentials are refused; undefined once cancelled.
 */
export async function openNatsLink(
  connector: NatsConnector,
  options: NatsConnectOptions,
  { log, cancelled, sleep = defaultSleep }: OpenNatsOptions,
): Promise<NatsLink | undefined> {
  let waitMs = FIRST_RETRY_MS;
  for (let attempt = 1; !cancelled(); attempt++) {
    try {
      const link = await connector.connect(options);
      if (attempt > 1) log(`NATS: connected to ${link.server ?? options.servers.join(", ")}`);
      return link;
    } catch (error) {
      if (error instanceof NatsAuthError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      log(`NATS: ${detail}; retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${attempt})`);
      await sleep(waitMs);
      waitMs = Math.min(waitMs * 2, LONGEST_RETRY_MS);
    }
  }
  return undefined;
}
