// /relay in the worker: pick a shard before the peer is known (placement.ts) and hand the upgrade to
// that shard object, which accepts the WebSocket with the hibernation API. The shard learns its own
// name from a header (Durable Objects do not know the name they were addressed by).
import type { Context } from "hono";
import type { Env } from "./env.ts";
import { intVar } from "./env.ts";
import { chooseShard } from "./placement.ts";

export const SHARD_NAME_HEADER = "x-gossamer-shard-name";

/** The relay endpoint (same name as the Node adapter's `serveRelay` in src/node/relay-server.ts). */
export function serveRelay(c: Context<{ Bindings: Env }>): Response | Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json({ error: { code: "upgrade_required", message: "the relay speaks WebSocket only" } }, 426);
  }
  if (!c.env.RELAY_AUTH_SECRET) {
    // Production without `wrangler secret put RELAY_AUTH_SECRET` (and the dev var removed).
    return c.json({ error: { code: "relay_unconfigured", message: "RELAY_AUTH_SECRET is not set" } }, 503);
  }
  const shard = chooseShard(c.req.raw, intVar(c.env.RELAY_SHARDS, 4));
  const headers = new Headers(c.req.raw.headers);
  headers.set(SHARD_NAME_HEADER, shard);
  return c.env.RELAY_SHARD.getByName(shard).fetch(new Request(c.req.raw.url, { method: "GET", headers }));
}
