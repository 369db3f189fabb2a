// Who may use the store routes on an agent (the worker always requires STORE_TOKEN, worker/store-route.ts):
// - a token is configured (--http-token): every store route needs `Authorization: Bearer <token>`;
// - no token: the store is read-only over HTTP: GET routes are open, writes answer 401 saying how to
//   enable them. Either way failures use the shared JSON error shape.
import type { MiddlewareHandler } from "hono";
import { bearerMatches } from "./auth.ts";

export interface StoreAuthOptions {
  token: string | undefined;
  /** Flag or setting that configures the token, named in the read-only message. */
  tokenSetting?: string;
}

export function storeAuthPolicy(o: StoreAuthOptions): MiddlewareHandler {
  const setting = o.tokenSetting ?? "--http-token";
  return async (c, next) => {
    const token = o.token;
    if (!token) {
      if (c.req.method === "GET" || c.req.method === "HEAD") return next();
      return c.json(
        { error: { code: "unauthorized", message: `the store API is read-only: writes need a bearer token, configure one with ${setting}` } },
        401,
        { "WWW-Authenticate": 'Bearer realm="gossamer-store"' },
      );
    }
    if (!(await bearerMatches(c.req.header("authorization"), token))) {
      return c.json({ error: { code: "unauthorized", message: "missing or wrong bearer token" } }, 401, { "WWW-Authenticate": 'Bearer realm="gossamer-store"' });
    }
    return next();
  };
}
