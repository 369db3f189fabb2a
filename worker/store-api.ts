// The state-store HTTP API, served inside the GossipStore object (auth already done by the worker):
//   POST /v1/messages          one envelope or a JSON array of envelopes (all or nothing)
//                              -> { applied, changes, cursor }
//   GET  /v1/state             snapshot { cursor, endpoints, tombstones, nats, vips, routes }
//   GET  /v1/state?since=N     deltas { cursor, reset, changes } (reset: re-snapshot)
//   GET  /v1/route?ip=A        { ip, match } longest-prefix match over subnet routes and NAT entries
//   GET  /v1/watch[?since=N]   WebSocket of JSON frames: hello, then changes (see store-object.ts)
// Errors: 400 { error: { code, message, offset?, field?, index? } } with the typed error's stable code
// (gossip.decode.*, state.reject.*, ip.*); 413 over the body limit.
import { Hono } from "hono";
import type { Context } from "hono";
import { GossipDecodeError } from "../src/gossip/errors.ts";
import { StateRejectError, type StateStore } from "../src/state/index.ts";
import { GossamerError } from "../src/util/errors.ts";
import type { MetricsRegistry } from "../src/util/metrics.ts";

export const MAX_MESSAGES_BODY = 4 << 20;

export interface StoreHost {
  readonly store: StateStore;
  readonly metrics: MetricsRegistry;
  acceptWatch(since: number | null): Response;
}

function errorBody(e: GossamerError): { code: string; message: string; offset?: number; field?: string; index?: number } {
  const out: { code: string; message: string; offset?: number; field?: string; index?: number } = { code: e.code, message: e.message };
  if (e.offset !== undefined) out.offset = e.offset;
  if (e instanceof GossipDecodeError && e.field !== undefined) out.field = e.field;
  if (e instanceof StateRejectError && e.index !== undefined) out.index = e.index;
  return out;
}

function cursorParam(c: Context, name: string): number | null | "bad" {
  const s = c.req.query(name);
  if (s === undefined) return null;
  return /^\d{1,15}$/.test(s) ? Number(s) : "bad";
}

export function storeApi(host: StoreHost): Hono {
  const app = new Hono();
  const requests = host.metrics.counter("store_http_requests_total", "Store API requests by route and status.");
  app.use(async (c, next) => {
    await next();
    requests.inc({ route: new URL(c.req.url).pathname, status: String(c.res.status) });
  });

  app.post("/v1/messages", async (c) => {
    if (Number(c.req.header("content-length") ?? "0") > MAX_MESSAGES_BODY) {
      return c.json({ error: { code: "gossip.decode.too_large", message: "body over 4 MiB" } }, 413);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > MAX_MESSAGES_BODY) return c.json({ error: { code: "gossip.decode.too_large", message: "body over 4 MiB" } }, 413);
    try {
      const r = host.store.applyBatch(body);
      return c.json({ applied: r.applied, changes: r.changes.length, cursor: r.cursor });
    } catch (e) {
      if (e instanceof GossipDecodeError || e instanceof StateRejectError) return c.json({ error: errorBody(e) }, e instanceof GossipDecodeError && e.reason === "too_large" ? 413 : 400);
      throw e;
    }
  });

  app.get("/v1/state", (c) => {
    const since = cursorParam(c, "since");
    if (since === "bad") return c.json({ error: { code: "bad_cursor", message: "since must be a non-negative integer" } }, 400);
    return c.json(since === null ? host.store.snapshot() : host.store.deltas(since));
  });

  app.get("/v1/route", (c) => {
    const ip = c.req.query("ip");
    if (!ip) return c.json({ error: { code: "missing_ip", message: "query parameter ip is required" } }, 400);
    try {
      return c.json({ ip, match: host.store.route(ip) });
    } catch (e) {
      if (e instanceof GossamerError) return c.json({ error: errorBody(e) }, 400);
      throw e;
    }
  });

  app.get("/v1/watch", (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({ error: { code: "upgrade_required", message: "the watch stream is a WebSocket" } }, 426);
    }
    const since = cursorParam(c, "since");
    if (since === "bad") return c.json({ error: { code: "bad_cursor", message: "since must be a non-negative integer" } }, 400);
    return host.acceptWatch(since);
  });

  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such store route" } }, 404));
  return app;
}
