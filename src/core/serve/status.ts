// GET /status: what an operator needs to know why a line did or did not arrive. It never shows file
// contents or the environment.

import type { Config } from "../config/schema.ts";
import type { Hub, Transport } from "../fanout/hub.ts";
import type { Listener, Runtime } from "../runtime.ts";
import type { TailerStatus } from "../tail/tailer.ts";
import type { DescriptorBudget } from "./descriptor-budget.ts";

export interface StatusInput {
  readonly runtime: Pick<Runtime, "name" | "version">;
  readonly version: string;
  readonly startedAtMs: number;
  readonly config: Config;
  readonly hub: Hub;
  readonly files: TailerStatus[];
  readonly listeners: { tcp?: Listener; http?: Listener };
  /** Connections refused by max_clients / max_clients_per_ip, the half-open cap or the descriptor budget, per server. */
  readonly rejected: Record<Transport, number>;
  /** Connections that have not yet sent a request or started their stream, per server. */
  readonly halfOpen: Record<Transport, number>;
  readonly descriptors: Pick<DescriptorBudget, "limit" | "capacity" | "held" | "refused">;
  /** Clients closed for staying stalled past stall_timeout_seconds, per server. */
  readonly stalledDisconnects: Record<Transport, number>;
}

export function buildStatus(input: StatusInput) {
  const { config, hub } = input;
  const now = Date.now();
  return {
    service: "logwisp",
    version: input.version,
    runtime: { name: input.runtime.name, version: input.runtime.version },
    started_at: new Date(input.startedAtMs).toISOString(),
    uptime_seconds: Math.floor((now - input.startedAtMs) / 1000),
    monitor: {
      check_interval_ms: config.monitor.check_interval_ms,
      rotate_wait_ms: config.monitor.rotate_wait_ms,
      max_line_bytes: config.monitor.max_line_bytes,
      follow_symlinks: config.monitor.follow_symlinks,
      targets: config.monitor.targets,
      files: input.files,
    },
    replay: hub.replayStatus(),
    servers: {
      tcp: serverStatus(hub, "tcp", config.tcpserver, input.listeners.tcp, {
        rejected: input.rejected.tcp,
        stalled_disconnects: input.stalledDisconnects.tcp,
        half_open: input.halfOpen.tcp,
      }),
      http: serverStatus(hub, "sse", config.httpserver, input.listeners.http, {
        rejected: input.rejected.sse,
        stalled_disconnects: input.stalledDisconnects.sse,
        half_open: input.halfOpen.sse,
      }),
    },
    descriptors: descriptorStatus(input.descriptors),
    clients: hub.clients().map((client) => ({
      id: client.id,
      transport: client.transport,
      remote_address: client.remoteAddress,
      connected_at: new Date(client.connectedAt).toISOString(),
      delivered: client.delivered,
      dropped: client.dropped,
      queued: client.queued,
    })),
    totals: {
      published: hub.published,
      delivered: hub.counters.tcp.delivered + hub.counters.sse.delivered,
      dropped: hub.counters.tcp.dropped + hub.counters.sse.dropped,
    },
  };
}

type ServerConfig = Config["tcpserver"] | Config["httpserver"];

function serverStatus(
  hub: Hub,
  transport: Transport,
  config: ServerConfig,
  listener: Listener | undefined,
  counts: { rejected: number; stalled_disconnects: number; half_open: number },
) {
  const counters = hub.counters[transport];
  return {
    enabled: config.enabled,
    host: config.host,
    // the bound port (port 0 asks for any free one); the configured one while the server is off
    port: listener?.port ?? config.port,
    buffer_size: config.buffer_size,
    max_clients: config.max_clients,
    max_clients_per_ip: config.max_clients_per_ip,
    stall_timeout_seconds: config.stall_timeout_seconds,
    // whether it serves TLS; the file paths and their contents stay out of /status
    ssl_enabled: config.ssl_enabled,
    heartbeat: config.heartbeat,
    active_clients: hub.activeClients(transport),
    total_connections: counters.connections,
    delivered: counters.delivered,
    dropped: counters.dropped,
    ...counts,
  };
}

/** The descriptor limit (null where the runtime cannot tell), the connections held against it, and those it cost. */
function descriptorStatus(budget: StatusInput["descriptors"]) {
  return {
    limit: budget.limit ?? null,
    max_connections: Number.isFinite(budget.capacity) ? budget.capacity : null,
    connections: budget.held,
    refused: budget.refused,
  };
}
