// serveRelay(platform, options): the worker side of the relay adapter (one meaning and one signature in
// both runtimes, see src/relay/service.ts). On Workers the relay is served by Durable Object shards: the
// returned RelayService's fetch() picks a shard for a /relay upgrade before the peer is known
// (placement.ts) and hands the upgrade to that shard object, which accepts the WebSocket with the
// hibernation API. The shard learns its own name from a header (Durable Objects do not know the name
// they were addressed by). metrics() gathers every shard's families, labelled shard="shard-N".
import type { Platform } from "../src/platform/index.ts";
import type { RelayService, ServeRelayOptions } from "../src/relay/index.ts";
import { withLabels, type MetricFamily } from "../src/util/index.ts";
import { workerConfig } from "./config.ts";
import { chooseShard, shardName } from "./placement.ts";
import { platformEnv } from "./platform.ts";

export const SHARD_NAME_HEADER = "x-gossamer-shard-name";

const json = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify({ error: { code, message } }), { status, headers: { "content-type": "application/json" } });

/** Serves the NetBird relay through the shard objects of the platform's bindings. */
export function serveRelay(platform: Platform, options: ServeRelayOptions): Promise<RelayService> {
  const env = platformEnv(platform);
  const config = workerConfig(env);
  const random = () => platform.random.next();
  const service: RelayService = {
    instanceUrl: options.instanceUrl ?? config.relayInstanceUrl,
    async fetch(req: Request): Promise<Response> {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return json(426, "upgrade_required", "the relay speaks WebSocket only");
      }
      if (!options.authSecret) {
        // Production without `wrangler secret put RELAY_AUTH_SECRET` (and the dev var removed).
        return json(503, "relay_unconfigured", "RELAY_AUTH_SECRET is not set");
      }
      const shard = chooseShard(req, config.relayShards, random);
      const headers = new Headers(req.headers);
      headers.set(SHARD_NAME_HEADER, shard);
      return env.RELAY_SHARD.getByName(shard).fetch(new Request(req.url, { method: "GET", headers }));
    },
    async metrics(): Promise<MetricFamily[]> {
      const jobs: Promise<MetricFamily[]>[] = [];
      for (let i = 0; i < config.relayShards; i++) {
        const name = shardName(i);
        jobs.push(
          env.RELAY_SHARD.getByName(name)
            .metricsSnapshot()
            .then((f) => withLabels(f, { shard: name }))
            .catch((): MetricFamily[] => []),
        );
      }
      return (await Promise.all(jobs)).flat();
    },
    close: () => Promise.resolve(), // the shards own their sockets
  };
  return Promise.resolve(service);
}
