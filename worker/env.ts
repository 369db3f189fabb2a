// Bindings of the gossamer worker (wrangler.toml is the source of truth; keep the two in step).
// Secrets (STORE_TOKEN, RELAY_AUTH_SECRET) come from [vars] in development and from
// `wrangler secret put` in production; both arrive as plain strings on env.
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
}

declare global {
  namespace Cloudflare {
    interface Env {
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
    }
  }
}

/** Parses a positive integer var, falling back to `def` when unset or invalid. */
export function intVar(v: string | undefined, def: number, max = 1024): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : def;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export function logLevel(v: string | undefined): LogLevel {
  return v === "debug" || v === "warn" || v === "error" ? v : "info";
}
