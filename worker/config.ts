// The worker's configuration: every [vars] binding parsed once, with its default, in ONE place. Every
// module reads config through workerConfig(env), never env.* strings. Parsed once per env object (per
// isolate); unset or invalid values fall back to the defaults below.
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
}

export const CONFIG_DEFAULTS = {
  relayShards: 4,
  directoryShards: 1,
  relayBatching: true,
  logLevel: "info",
  relayInstanceUrl: "rel://127.0.0.1:8787",
} as const satisfies Partial<WorkerConfig>;

/** A positive integer var in 1..max, else `def`. */
export function intVar(v: string | undefined, def: number, max = 1024): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : def;
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
  });
}

const parsed = new WeakMap<object, WorkerConfig>();

/** The config of these bindings (parsed on first use, then cached for the env object). */
export function workerConfig(env: Env): WorkerConfig {
  let c = parsed.get(env);
  if (!c) parsed.set(env, (c = parseConfig(env)));
  return c;
}
