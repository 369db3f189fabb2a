// /metrics: gathers each object's registry snapshot over RPC and renders one Prometheus page. Relay
// samples carry shard="shard-N" (the relay adapter's metrics(), relay-route.ts), directory samples
// directory="dir-N", store shards store_shard="<object name>" (store-layout.ts), and the serving isolate's
// own families (its route replica: store_route_replica_*) come unlabelled. Scraping wakes every shard object (a hibernated shard is instantiated to answer), so
// scrape at a modest interval.
//
// Access: when METRICS_TOKEN is set (non-empty), a scrape must send `Authorization: Bearer <token>`
// (Prometheus `authorization: { credentials: ... }`); anything else gets 401 BEFORE any object is
// contacted, so unauthenticated requests cannot wake the shards. Unset or empty: open, as before.
import type { Context } from "hono";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels, type MetricFamily } from "../src/util/index.ts";
import { bearerMatches } from "./auth.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { DIRECTORY_PREFIX } from "./placement.ts";
import type { RelayService } from "../src/relay/index.ts";
import { platformFor } from "./platform.ts";
import { shardObjectName } from "./store-layout.ts";

export async function metricsRoute(c: Context<{ Bindings: Env }>, relay: RelayService): Promise<Response> {
  const config = workerConfig(c.env);
  if (config.metricsToken && !(await bearerMatches(c.req.header("authorization"), config.metricsToken))) {
    c.header("WWW-Authenticate", 'Bearer realm="gossamer-metrics"');
    return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401);
  }
  const soft = (p: Promise<MetricFamily[]>) => p.catch((): MetricFamily[] => []);
  const jobs: Promise<MetricFamily[]>[] = [soft(relay.metrics())];
  for (let i = 0; i < config.directoryShards; i++) {
    const name = `${DIRECTORY_PREFIX}${i}`;
    jobs.push(soft(c.env.PEER_DIRECTORY.getByName(name).metricsSnapshot().then((f) => withLabels(f, { directory: name }))));
  }
  for (let i = 0; i < config.storeShards; i++) {
    const name = shardObjectName(config.storeShards, i);
    const snap = c.env.GOSSIP_STORE.getByName(name).metricsSnapshot();
    jobs.push(soft(config.storeShards === 1 ? snap : snap.then((f) => withLabels(f, { store_shard: name }))));
  }
  jobs.push(Promise.resolve(platformFor(c.env).metrics.snapshot()));
  const families = (await Promise.all(jobs)).flat();
  return new Response(renderPrometheus(families), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
}
