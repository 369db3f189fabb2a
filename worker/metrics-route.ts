// /metrics: gathers each object's registry snapshot over RPC and renders one Prometheus page.
// Relay samples carry shard="shard-N", directory samples directory="dir-N". Scraping wakes every
// shard object (a hibernated shard is instantiated to answer), so scrape at a modest interval.
//
// Access: when METRICS_TOKEN is set (non-empty), a scrape must send `Authorization: Bearer <token>`
// (Prometheus `authorization: { credentials: ... }`); anything else gets 401 BEFORE any object is
// contacted, so unauthenticated requests cannot wake the shards. Unset or empty: open, as before.
import type { Context } from "hono";
import type { Env } from "./env.ts";
import { intVar } from "./env.ts";
import { bearerMatches } from "./auth.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels, type MetricFamily } from "../src/util/metrics.ts";
import { DIRECTORY_PREFIX, shardName } from "./placement.ts";
import { STORE_OBJECT_NAME } from "./store-route.ts";

export async function metricsRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const token = c.env.METRICS_TOKEN;
  if (token && !(await bearerMatches(c.req.header("authorization"), token))) {
    c.header("WWW-Authenticate", 'Bearer realm="gossamer-metrics"');
    return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401);
  }
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
