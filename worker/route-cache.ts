// The isolate's route replica (src/edge/route-replica.ts; docs/protocols/store-api.md §4): one per
// bindings object, i.e. per isolate, on the isolate's platform (the Wasm LPM table of its hot path, its
// clock, its metrics). Its source is every shard's routeSync over RPC. Created on the first /v1/route;
// its first lookups share one load.
import { RouteReplica } from "../src/edge/index.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { platformFor } from "./platform.ts";
import { storeLayout } from "./store-layout.ts";

const replicas = new WeakMap<Env, RouteReplica>();

export function routeReplicaFor(env: Env): RouteReplica {
  let r = replicas.get(env);
  if (!r) {
    const platform = platformFor(env);
    const layout = storeLayout(env, platform);
    const config = workerConfig(env);
    r = new RouteReplica({
      source: { shards: layout.shards, sync: (s, since) => layout.stub(s).routeSync(layout.ref(s), since) },
      lpm: () => platform.hotpath.lpm(),
      now: () => platform.clock.now(),
      refreshMs: config.routeRefreshMs,
      maxAgeMs: Math.max(config.routeMaxAgeMs, config.routeRefreshMs),
      metrics: platform.metrics,
    });
    replicas.set(env, r);
  }
  return r;
}
