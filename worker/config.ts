// The worker's configuration: every [vars] binding parsed once, with its default, in ONE place. Every
// module reads config through workerConfig(env), never env.* strings. Parsed once per env object (per
// isolate); unset or invalid values fall back to the defaults below.
import { isRelayTokenMode, type RelayTokenMode } from "../src/relay/index.ts";
import { isLogLevel, type LogLevel } from "../src/util/index.ts";
import type { Env } from "./env.ts";

export interface WorkerConfig {
  /** RELAY_SHARDS: relay shard objects shard-0 .. shard-{N-1} (1..1024). */
  readonly relayShards: number;
  /** DIRECTORY_SHARDS: peer-directory objects (1..1024). */
  readonly directoryShards: number;
  /** RELAY_BATCHING: "off" sends one RPC per cross-shard packet (to measure what batching buys). */
  readonly relayBatching: boolean;
  readonly logLevel: LogLevel;
  /** RELAY_INSTANCE_URL: sent in relay auth responses. */
  readonly relayInstanceUrl: string;
  /** RELAY_AUTH_SECRET: "" when unset (the relay route then answers 503). */
  readonly relayAuthSecret: string;
  /** STORE_TOKEN: bearer token of the store API ("" refuses every request). */
  readonly storeToken: string;
  /** METRICS_TOKEN: bearer token of /metrics; "" = open. */
  readonly metricsToken: string;
  /** STORE_SHARDS: gossip store objects the records are partitioned over (1..1024; docs/protocols/store-api.md §2). */
  readonly storeShards: number;
  /** STORE_SHARDS_PREVIOUS: comma-separated earlier STORE_SHARDS values whose records the shards copy
   * in on first use (a reshard, docs/protocols/store-api.md §5); the current value itself is ignored. */
  readonly storeShardsPrevious: readonly number[];
  /** ROUTE_REFRESH_MS: the isolate's route table refreshes in the background once this old (ms). */
  readonly routeRefreshMs: number;
  /** ROUTE_MAX_AGE_MS: a lookup waits for a refresh once the table is this old (ms). */
  readonly routeMaxAgeMs: number;
  /** RELAY_AUTH_MODE: "netbird" (default, unbound tokens) or "peer-bound" (docs/security.md). */
  readonly relayTokenMode: RelayTokenMode;
  /** RELAY_MAX_SUBSCRIPTIONS_PER_PEER: subscriptions one relay connection may hold. */
  readonly relayMaxSubscriptionsPerPeer: number;
  /** RELAY_MAX_SUBSCRIPTIONS: subscriptions one relay shard object holds in total (memory: well under 128 MB). */
  readonly relayMaxSubscriptions: number;
}

export const CONFIG_DEFAULTS = {
  relayShards: 4,
  directoryShards: 1,
  relayBatching: true,
  logLevel: "info",
  relayInstanceUrl: "rel://127.0.0.1:8787",
  storeShards: 1,
  routeRefreshMs: 200,
  routeMaxAgeMs: 800,
  relayTokenMode: "netbird",
  relayMaxSubscriptionsPerPeer: 8192,
  relayMaxSubscriptions: 100_000,
} as const satisfies Partial<WorkerConfig>;

/** A positive integer var in 1..max, else `def`. */
export function intVar(v: string | undefined, def: number, max = 1024): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : def;
}

/** STORE_SHARDS_PREVIOUS: distinct valid counts other than the current one, in the order given. */
function previousShards(v: string, current: number): number[] {
  const out: number[] = [];
  for (const part of v.split(",")) {
    const n = intVar(part.trim(), 0);
    if (n !== 0 && n !== current && !out.includes(n)) out.push(n);
  }
  return out;
}

export function parseConfig(env: Partial<Record<keyof Env, unknown>>): WorkerConfig {
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const level = str(env.LOG_LEVEL);
  return Object.freeze({
    relayShards: intVar(str(env.RELAY_SHARDS), CONFIG_DEFAULTS.relayShards),
    directoryShards: intVar(str(env.DIRECTORY_SHARDS), CONFIG_DEFAULTS.directoryShards),
    relayBatching: str(env.RELAY_BATCHING) !== "off",
    logLevel: isLogLevel(level) ? level : CONFIG_DEFAULTS.logLevel,
    relayInstanceUrl: str(env.RELAY_INSTANCE_URL) || CONFIG_DEFAULTS.relayInstanceUrl,
    relayAuthSecret: str(env.RELAY_AUTH_SECRET),
    storeToken: str(env.STORE_TOKEN),
    metricsToken: str(env.METRICS_TOKEN),
    storeShards: intVar(str(env.STORE_SHARDS), CONFIG_DEFAULTS.storeShards),
    storeShardsPrevious: previousShards(str(env.STORE_SHARDS_PREVIOUS), intVar(str(env.STORE_SHARDS), CONFIG_DEFAULTS.storeShards)),
    routeRefreshMs: intVar(str(env.ROUTE_REFRESH_MS), CONFIG_DEFAULTS.routeRefreshMs, 60_000),
    routeMaxAgeMs: intVar(str(env.ROUTE_MAX_AGE_MS), CONFIG_DEFAULTS.routeMaxAgeMs, 600_000),
    relayTokenMode: isRelayTokenMode(str(env.RELAY_AUTH_MODE)) ? (str(env.RELAY_AUTH_MODE) as RelayTokenMode) : CONFIG_DEFAULTS.relayTokenMode,
    relayMaxSubscriptionsPerPeer: intVar(str(env.RELAY_MAX_SUBSCRIPTIONS_PER_PEER), CONFIG_DEFAULTS.relayMaxSubscriptionsPerPeer, 1_000_000),
    relayMaxSubscriptions: intVar(str(env.RELAY_MAX_SUBSCRIPTIONS), CONFIG_DEFAULTS.relayMaxSubscriptions, 10_000_000),
  });
}

const parsed = new WeakMap<object, WorkerConfig>();

/** The config of these bindings (parsed on first use, then cached for the env object). */
export function workerConfig(env: Env): WorkerConfig {
  let c = parsed.get(env);
  if (!c) parsed.set(env, (c = parseConfig(env)));
  return c;
}
