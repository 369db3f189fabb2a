// State-store routes in the worker: bearer auth (STORE_TOKEN) happens here, then the request goes
// unchanged to the single GossipStore object ("default"), which serves the API itself (store-api.ts).
import type { Context, Next } from "hono";
import { bearerMatches } from "./auth.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";

export const STORE_OBJECT_NAME = "default";

export async function storeAuth(c: Context<{ Bindings: Env }>, next: Next): Promise<Response | void> {
  if (!(await bearerMatches(c.req.header("authorization"), workerConfig(c.env).storeToken))) {
    c.header("WWW-Authenticate", 'Bearer realm="gossamer-store"');
    return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401);
  }
  await next();
}

export function storeForward(c: Context<{ Bindings: Env }>): Promise<Response> {
  return c.env.GOSSIP_STORE.getByName(STORE_OBJECT_NAME).fetch(c.req.raw);
}
