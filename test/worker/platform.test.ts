// The worker platform: built in one place (workerPlatform), the hot path once per isolate and shared,
// storage over a Durable Object's SQLite when given its storage, the config parsed once with defaults.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STATE_STORAGE_NAME } from "../../src/state/index.ts";
import { CONFIG_DEFAULTS, parseConfig, workerConfig } from "../../worker/config.ts";
import { hotpathHealth } from "../../worker/health.ts";
import { platformFor, workerPlatform } from "../../worker/platform.ts";

describe("worker platform", () => {
  it("shares one hot path per isolate; each platform has its own metrics registry", () => {
    const a = workerPlatform(env, { component: "a" });
    const b = workerPlatform(env, { component: "b" });
    expect(a.runtime).toBe("workerd");
    expect(a.hotpath).toBe(b.hotpath);
    expect(a.metrics).not.toBe(b.metrics);
    expect(platformFor(env)).toBe(platformFor(env));
    expect(a.hotpath.for("memberlist-crc").kind).toBe("wasm");
    expect(a.storage.kind).toBe("memory");
    const h = hotpathHealth(a);
    expect(h).toEqual({ loaded: true, buildId: a.hotpath.wasm!.buildId });
  });

  it("opens the state store's storage on the Durable Object's SQLite (the one SQL layout)", async () => {
    const r = await runInDurableObject(env.GOSSIP_STORE.getByName(`platform-${Date.now()}`), (_obj, state) => {
      const p = workerPlatform(env, { component: "t", storage: state.storage });
      const s = p.storage.open(STATE_STORAGE_NAME);
      s.commit([{ kind: "nat", key: "k", cursor: 1, at: 1, state: "{}", value: null }], [], { cursor: 1, minCursor: 0 });
      const tables = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gossip_%'`).toArray().map((x) => x.name).sort();
      let other = "";
      try {
        p.storage.open("probe");
      } catch (e) {
        other = (e as Error).name;
      }
      return { kind: p.storage.kind, same: p.storage.open(STATE_STORAGE_NAME) === s, rows: [...s.load().rows].length, tables, other };
    });
    expect(r).toEqual({ kind: "durable-object", same: true, rows: 1, tables: ["gossip_cursors", "gossip_meta", "gossip_records"], other: "TypeError" });
  });
});

describe("worker config", () => {
  it("parses every binding once, with defaults for unset or invalid values", () => {
    expect(parseConfig({})).toEqual({
      relayShards: CONFIG_DEFAULTS.relayShards,
      directoryShards: CONFIG_DEFAULTS.directoryShards,
      relayBatching: true,
      logLevel: "info",
      relayInstanceUrl: CONFIG_DEFAULTS.relayInstanceUrl,
      relayAuthSecret: "",
      storeToken: "",
      metricsToken: "",
      storeShards: 1,
      storeShardsPrevious: [],
      routeRefreshMs: CONFIG_DEFAULTS.routeRefreshMs,
      routeMaxAgeMs: CONFIG_DEFAULTS.routeMaxAgeMs,
      relayTokenMode: "netbird",
      relayMaxSubscriptionsPerPeer: CONFIG_DEFAULTS.relayMaxSubscriptionsPerPeer,
      relayMaxSubscriptions: CONFIG_DEFAULTS.relayMaxSubscriptions,
    });
    expect(parseConfig({ RELAY_AUTH_MODE: "peer-bound", RELAY_MAX_SUBSCRIPTIONS_PER_PEER: "16", RELAY_MAX_SUBSCRIPTIONS: "0" })).toMatchObject({
      relayTokenMode: "peer-bound",
      relayMaxSubscriptionsPerPeer: 16,
      relayMaxSubscriptions: CONFIG_DEFAULTS.relayMaxSubscriptions,
    });
    expect(parseConfig({ RELAY_AUTH_MODE: "other" }).relayTokenMode).toBe("netbird");
    const c = parseConfig({ RELAY_SHARDS: "0", DIRECTORY_SHARDS: "3", RELAY_BATCHING: "off", LOG_LEVEL: "loud", METRICS_TOKEN: "t" });
    expect(c).toMatchObject({ relayShards: 4, directoryShards: 3, relayBatching: false, logLevel: "info", metricsToken: "t" });
    expect(parseConfig({ RELAY_SHARDS: "1025" }).relayShards).toBe(4);
    // STORE_SHARDS_PREVIOUS: distinct valid counts other than the current one, in the order given.
    expect(parseConfig({ STORE_SHARDS: "4", STORE_SHARDS_PREVIOUS: "1, 4,x,8,1,0,2000" })).toMatchObject({ storeShards: 4, storeShardsPrevious: [1, 8] });
    expect(parseConfig({ STORE_SHARDS: "0", ROUTE_REFRESH_MS: "50", ROUTE_MAX_AGE_MS: "-1" })).toMatchObject({ storeShards: 1, routeRefreshMs: 50, routeMaxAgeMs: CONFIG_DEFAULTS.routeMaxAgeMs });
    expect(workerConfig(env)).toBe(workerConfig(env));
    expect(workerConfig(env).relayShards).toBe(Number(env.RELAY_SHARDS));
  });
});
