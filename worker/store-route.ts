// State-store routes in the worker: bearer auth (STORE_TOKEN) happens here, before the store front
// (store-front.ts) spreads the request over the GossipStore shards (store-layout.ts).
import type { Context, Next } from "hono";
import { bearerMatches } from "./auth.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";

export { STORE_OBJECT_NAME } from "./store-layout.ts";
export { getRoute, getState, getWatch, postMessages } from "./store-front.ts";

export async function storeAuth(c: Context<{ Bindings: Env }>, next: Next): Promise<Response | void> {
  if (!(await bearerMatches(c.req.header("authorization"), workerConfig(c.env).storeToken))) {
    c.header("WWW-Authenticate", 'Bearer realm="gossamer-store"');
    return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401);
  }
  await next();
}
