// The worker's status page (/ui): the portable UI (src/ui/) fed from the Durable Objects: the state store
// (the store front's GET /v1/state and /v1/route, so a sharded store shows merged, and routes come from the
// isolate's replica), relay shards and their peers (each peer-directory object's listPeers), and the hot
// path's build. Behind STORE_TOKEN (the page shows the whole store): a bearer header or the session cookie
// from the login form; with STORE_TOKEN unset the UI answers 503 like the relay without its secret. Live
// updates: /ui/watch is the store front's watch stream (merged over shards), plus a 5 s poll for relay peers.
import { Hono, type Context, type Next } from "hono";
import type { RouteMatch, StateSnapshot } from "../src/state/index.ts";
import { uiRoutes, type UiData, type UiHost, type UiLookup, type UiRelay } from "../src/ui/index.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { hotpathHealth } from "./health.ts";
import { DIRECTORY_PREFIX, shardName } from "./placement.ts";
import { platformFor } from "./platform.ts";
import { getRoute, getState, getWatch } from "./store-route.ts";

/** Relay peers listed on the page (the count per shard is always complete). */
const PEERS_LISTED = 200;

type C = Context<{ Bindings: Env }>;

/** 503 in the JSON error shape while STORE_TOKEN is unset (production without its secret). */
export async function uiConfigured(c: C, next: Next): Promise<Response | void> {
  if (!workerConfig(c.env).storeToken) return c.json({ error: { code: "ui_unconfigured", message: "STORE_TOKEN is not set: the status page needs it" } }, 503);
  await next();
}

async function relayData(env: Env): Promise<UiRelay> {
  const config = workerConfig(env);
  const listings = await Promise.all(
    Array.from({ length: config.directoryShards }, (_, i) => env.PEER_DIRECTORY.getByName(`${DIRECTORY_PREFIX}${i}`).listPeers(PEERS_LISTED)),
  );
  const byShard = new Map<string, number>();
  for (let i = 0; i < config.relayShards; i++) byShard.set(shardName(i), 0);
  for (const l of listings) for (const [s, n] of Object.entries(l.byShard)) byShard.set(s, (byShard.get(s) ?? 0) + n);
  const peers = listings
    .flatMap((l) => l.peers)
    .sort((a, b) => a.since - b.since)
    .slice(0, PEERS_LISTED);
  const total = [...byShard.values()].reduce((a, b) => a + b, 0);
  return { shards: [...byShard].map(([name, n]) => ({ name, peers: n })), peers, total };
}

/** The store front's read routes, called by the page after its own authentication (no bearer check here). */
const front = new Hono<{ Bindings: Env }>().get("/v1/state", getState).get("/v1/route", getRoute).get("/v1/watch", getWatch);

function frontFetch(c: C, path: string, headers?: Headers): Promise<Response> {
  let ctx: C["executionCtx"] | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    /* no execution context (a direct app.fetch in tests) */
  }
  return Promise.resolve(front.fetch(new Request(new URL(path, c.req.url), headers ? { headers } : {}), c.env, ctx));
}

async function storeJson<T>(c: C, path: string): Promise<T> {
  const res = await frontFetch(c, path);
  return (await res.json()) as T;
}

export const workerUiHost: UiHost = {
  token: (c) => workerConfig((c as C).env).storeToken,
  tokenSetting: "STORE_TOKEN (wrangler secret put STORE_TOKEN)",
  pollMs: 5000,
  watch(c) {
    return frontFetch(c as C, "/v1/watch", c.req.raw.headers);
  },
  async data(c, ip): Promise<UiData> {
    const env = (c as C).env;
    const config = workerConfig(env);
    const [store, lookup, relay] = await Promise.all([
      storeJson<StateSnapshot>(c as C, "/v1/state"),
      ip === undefined
        ? Promise.resolve(undefined)
        : storeJson<{ match?: RouteMatch | null; error?: { code: string; message: string } }>(c as C, `/v1/route?ip=${encodeURIComponent(ip)}`),
      relayData(env),
    ]);
    const hp = hotpathHealth(platformFor(env));
    const look: UiLookup | undefined = lookup === undefined || ip === undefined ? undefined : lookup.error ? { ip, error: lookup.error } : { ip, match: lookup.match ?? null };
    return {
      kind: "edge",
      title: "gossamer · edge",
      facts: [
        ["runtime", "Cloudflare Workers"],
        ["hot path", hp.loaded ? `Wasm build ${hp.buildId}` : `TS twins (${hp.error ?? "no Wasm"})`],
        ["relay shards", String(config.relayShards)],
        ["relay peers", String(relay.total)],
        ["store cursor", String(store.cursor)],
      ],
      store,
      ...(look ? { lookup: look } : {}),
      relay,
      absent: [{ panel: "Members", why: "The edge holds no memberlist; agents show their members on their own /ui (gossamer agent --http)." }],
    };
  },
};

export const uiApp = uiRoutes(workerUiHost);
