// Worker entry: the Hono app in front of the Durable Objects. It imports a platform (platform.ts, one per
// isolate for the stateless routes; each object builds its own) and the adapters, nothing deeper.
//   GET  /healthz            hot path loaded + build id (no auth)
//   POST /v1/gossip/decode   decode one Gravity envelope, report whether its V matches ours (no auth)
//   GET  /relay              NetBird relay WebSocket -> a relay shard (serveRelay, relay-route.ts)
//   POST /v1/messages, GET /v1/state, GET /v1/route, GET /v1/watch
//                            gossip state store (bearer STORE_TOKEN): the store front (store-front.ts) over
//                            STORE_SHARDS GossipStore objects; /v1/route answered in the isolate
//   GET  /metrics            Prometheus text: relay shards, directory, store (bearer METRICS_TOKEN if set)
//   GET  /ui                 live status page (ui-route.ts): store, relay shards and peers (STORE_TOKEN)
// Anything else is 404, a known path with the wrong method 405; both as JSON { error: { code } }.
import { Hono } from "hono";
import type { RelayService } from "../src/relay/index.ts";
import { workerConfig } from "./config.ts";
import { decodeRoute } from "./decode-route.ts";
import type { Env } from "./env.ts";
import { hotpathHealth } from "./health.ts";
import { metricsRoute } from "./metrics-route.ts";
import { platformFor } from "./platform.ts";
import { serveRelay } from "./relay-route.ts";
import { routeLookup } from "./route-fast.ts";
import { getRoute, getState, getWatch, postMessages, storeAuth } from "./store-route.ts";
import { uiApp, uiConfigured } from "./ui-route.ts";

export { RelayShard } from "./relay-shard.ts";
export { PeerDirectory } from "./peer-directory.ts";
export { GossipStore } from "./store-object.ts";

/** The relay served on this isolate's platform (one per bindings object). */
const relays = new WeakMap<Env, Promise<RelayService>>();
function relayFor(env: Env): Promise<RelayService> {
  let r = relays.get(env);
  if (!r) {
    const config = workerConfig(env);
    relays.set(env, (r = serveRelay(platformFor(env), { authSecret: config.relayAuthSecret, instanceUrl: config.relayInstanceUrl })));
  }
  return r;
}

const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => {
  const hp = hotpathHealth(platformFor(c.env));
  return c.json({ ok: hp.loaded, buildId: hp.buildId, hotpath: hp }, hp.loaded ? 200 : 503);
});
app.post("/v1/gossip/decode", decodeRoute);
app.get("/relay", async (c) => (await relayFor(c.env)).fetch(c.req.raw));

app.use("/v1/messages", storeAuth);
app.use("/v1/state", storeAuth);
app.use("/v1/route", storeAuth);
app.use("/v1/watch", storeAuth);
app.post("/v1/messages", postMessages);
app.get("/v1/state", getState);
app.get("/v1/route", getRoute);
app.get("/v1/watch", getWatch);
app.get("/metrics", async (c) => metricsRoute(c, await relayFor(c.env)));
app.use("/ui", uiConfigured);
app.use("/ui/*", uiConfigured);
app.route("/", uiApp);

const known = ["/healthz", "/v1/gossip/decode", "/relay", "/v1/messages", "/v1/state", "/v1/route", "/v1/watch", "/metrics", "/ui", "/ui/fragment", "/ui/data", "/ui/watch", "/ui/login", "/ui/logout"];
app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  if (known.includes(path)) return c.json({ error: { code: "method_not_allowed", message: `${c.req.method} not allowed on ${path}` } }, 405);
  return c.json({ error: { code: "not_found", message: "no such route" } }, 404);
});
app.onError((err, c) => {
  platformFor(c.env).logger.error({ err: err.message, path: new URL(c.req.url).pathname }, "unhandled error");
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
});

export default {
  fetch(req: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    // GET /v1/route is answered before the router: the hot read path (route-fast.ts).
    if (req.method === "GET") {
      const q = req.url.indexOf("?");
      const path = req.url.slice(0, q < 0 ? undefined : q);
      if (path.endsWith("/v1/route")) {
        const url = new URL(req.url);
        if (url.pathname === "/v1/route") return routeLookup(req, url, env, ctx);
      }
    }
    return app.fetch(req, env, ctx);
  },
} satisfies ExportedHandler<Env>;
