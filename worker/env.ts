// Bindings of the gossamer worker (wrangler.toml is the source of truth; keep the two in step).
// Secrets (STORE_TOKEN, RELAY_AUTH_SECRET, and the optional METRICS_TOKEN) come from [vars] in development
// and from `wrangler secret put` in production; all arrive as plain strings on env.
import { isLogLevel, type LogLevel } from "../src/util/logger.ts";
import type { GossipStore } from "./store-object.ts";
import type { PeerDirectory } from "./peer-directory.ts";
import type { RelayShard } from "./relay-shard.ts";

export interface Env {
  RELAY_SHARD: DurableObjectNamespace<RelayShard>;
  PEER_DIRECTORY: DurableObjectNamespace<PeerDirectory>;
  GOSSIP_STORE: DurableObjectNamespace<GossipStore>;
  STORE_TOKEN: string;
  RELAY_AUTH_SECRET: string;
  RELAY_INSTANCE_URL: string;
  RELAY_SHARDS: string;
  DIRECTORY_SHARDS: string;
  RELAY_BATCHING: string;
  LOG_LEVEL: string;
  /** Optional bearer token for GET /metrics; unset or empty = /metrics is open (metrics-route.ts). */
  METRICS_TOKEN?: string;
}

type GossamerEnv = Env;

// The same bindings as the ambient Cloudflare.Env (what `env` from cloudflare:test and workers' globals see).
declare global {
  namespace Cloudflare {
    interface Env extends GossamerEnv {}
  }
}

/** Parses a positive integer var, falling back to `def` when unset or invalid. */
export function intVar(v: string | undefined, def: number, max = 1024): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : def;
}

/** LOG_LEVEL as a level; unset or unknown is "info". */
export function logLevel(v: string | undefined): LogLevel {
  return v !== undefined && isLogLevel(v) ? v : "info";
}
