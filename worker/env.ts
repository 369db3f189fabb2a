// Bindings of the gossamer worker (wrangler.toml is the source of truth; keep the two in step).
// Secrets (STORE_TOKEN, RELAY_AUTH_SECRET, and the optional METRICS_TOKEN) come from .dev.vars in development
// and from `wrangler secret put` in production; all arrive as plain strings on env. Their parsed form,
// with the defaults, is worker/config.ts (the one place that reads them). The Durable Object namespaces
// are typed by their RPC interfaces (rpc.ts), so this module depends on no object.
import type { GossipStoreRpc, PeerDirectoryRpc, RelayShardRpc } from "./rpc.ts";

export interface Env {
  RELAY_SHARD: DurableObjectNamespace<RelayShardRpc>;
  PEER_DIRECTORY: DurableObjectNamespace<PeerDirectoryRpc>;
  GOSSIP_STORE: DurableObjectNamespace<GossipStoreRpc>;
  STORE_TOKEN: string;
  RELAY_AUTH_SECRET: string;
  RELAY_INSTANCE_URL: string;
  RELAY_SHARDS: string;
  DIRECTORY_SHARDS: string;
  RELAY_BATCHING: string;
  LOG_LEVEL: string;
  /** Gossip store shards (worker/config.ts storeShards) and the reshard source (storeShardsPrevious). */
  STORE_SHARDS?: string;
  STORE_SHARDS_PREVIOUS?: string;
  /** Route replica freshness (worker/config.ts routeRefreshMs, routeMaxAgeMs). */
  ROUTE_REFRESH_MS?: string;
  ROUTE_MAX_AGE_MS?: string;
  /** Optional bearer token for GET /metrics; unset or empty = /metrics is open (metrics-route.ts). */
  METRICS_TOKEN?: string;
  /** Optional relay hardening (config.ts): token mode, subscription caps. */
  RELAY_AUTH_MODE?: string;
  RELAY_MAX_SUBSCRIPTIONS_PER_PEER?: string;
  RELAY_MAX_SUBSCRIPTIONS?: string;
}

type GossamerEnv = Env;

// The same bindings as the ambient Cloudflare.Env (what `env` from cloudflare:test and workers' globals see).
declare global {
  namespace Cloudflare {
    interface Env extends GossamerEnv {}
  }
}
