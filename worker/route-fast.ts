// GET /v1/route before the router: the edge's hot read path (docs/protocols/store-api.md §4) as little
// work as a request can be: one URL parse, the bearer check on the hot path's synchronous SHA-256, the
// lookup in the isolate's route replica, one JSON body. Same answers, errors and counters as the routed
// handler (store-front.ts routeAnswer); bench/edge.bench.ts holds it against GET /healthz.
import { bearerMatchesSync } from "./auth.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { platformFor } from "./platform.ts";
import { countRequest, routeAnswer } from "./store-front.ts";

const UNAUTHORIZED = JSON.stringify({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });

export function routeLookup(req: Request, url: URL, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const sha = platformFor(env).hotpath.for("sha256");
  if (!bearerMatchesSync(req.headers.get("authorization"), workerConfig(env).storeToken, (d) => sha.sha256(d))) {
    // Not counted: the routed store API never counted refused requests either.
    return new Response(UNAUTHORIZED, { status: 401, headers: { "content-type": "application/json", "www-authenticate": 'Bearer realm="gossamer-store"' } });
  }
  const q = url.searchParams;
  const res = routeAnswer(env, q.get("ip"), q.get("after"), (p) => ctx.waitUntil(p));
  if (res instanceof Response) {
    countRequest(env, "/v1/route", res.status);
    return res;
  }
  return res.then((r) => (countRequest(env, "/v1/route", r.status), r));
}
