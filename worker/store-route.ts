// State-store routes in the worker: bearer auth (STORE_TOKEN) happens here, before the store front
// (store-front.ts) spreads the request over the GossipStore shards (store-layout.ts).
import type { Context, Next } from "hono";
import { bearerMatchesSync } from "./auth.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { platformFor } from "./platform.ts";

export { STORE_OBJECT_NAME } from "./store-layout.ts";
export { getRoute, getState, getWatch, postMessages } from "./store-front.ts";

export async function storeAuth(c: Context<{ Bindings: Env }>, next: Next): Promise<Response | void> {
  // The digest on the hot path's SHA-256 (synchronous): every route lookup pays this check.
  const sha = platformFor(c.env).hotpath.for("sha256");
  if (!bearerMatchesSync(c.req.header("authorization"), workerConfig(c.env).storeToken, (d) => sha.sha256(d))) {
    c.header("WWW-Authenticate", 'Bearer realm="gossamer-store"');
    return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401);
  }
  await next();
}
