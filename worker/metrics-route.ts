// /metrics: gathers each object's registry snapshot over RPC and renders one Prometheus page.
// Relay samples carry shard="shard-N", directory samples directory="dir-N". Scraping wakes every
// shard object (a hibernated shard is instantiated to answer), so scrape at a modest interval.
import type { Context } from "hono";
import type { Env } from "./env.ts";
import { intVar } from "./env.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels, type MetricFamily } from "./metrics.ts";
import { DIRECTORY_PREFIX, shardName } from "./placement.ts";
import { STORE_OBJECT_NAME } from "./store-route.ts";

export async function metricsRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const jobs: Promise<MetricFamily[]>[] = [];
  const soft = (p: Promise<MetricFamily[]>) => p.catch((): MetricFamily[] => []);
  for (let i = 0; i < intVar(c.env.RELAY_SHARDS, 4); i++) {
    const name = shardName(i);
    jobs.push(soft(c.env.RELAY_SHARD.getByName(name).metricsSnapshot().then((f) => withLabels(f, { shard: name }))));
  }
  for (let i = 0; i < intVar(c.env.DIRECTORY_SHARDS, 1); i++) {
    const name = `${DIRECTORY_PREFIX}${i}`;
    jobs.push(soft(c.env.PEER_DIRECTORY.getByName(name).metricsSnapshot().then((f) => withLabels(f, { directory: name }))));
  }
  jobs.push(soft(c.env.GOSSIP_STORE.getByName(STORE_OBJECT_NAME).metricsSnapshot()));
  const families = (await Promise.all(jobs)).flat();
  return new Response(renderPrometheus(families), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
}
