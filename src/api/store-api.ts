// The state-store HTTP API, one module for both runtimes: mounted inside the worker's GossipStore Durable
// Object and served by the Node agent on its --http listener (docs/protocols/store-api.md):
//   POST /v1/messages            one envelope or a JSON array of envelopes (all or nothing)
//                                -> { applied, changes, cursor }
//   GET  /v1/state               snapshot { cursor, endpoints, tombstones, nats, vips, routes }
//   GET  /v1/state?since=N       deltas { cursor, reset, changes } (reset: re-snapshot)
//   GET  /v1/state?format=envelopes[&since=N]
//                                { cursor, messages } (every live record and tombstone as its Gravity
//                                envelope), or with since: { cursor, reset, messages } of changed records
//   GET  /v1/route?ip=A          { ip, match } longest-prefix match over subnet routes and NAT entries
//   GET  /v1/watch[?since=N][&format=changes|envelopes]   WebSocket change stream (watch.ts)
// Errors: {"error":{"code","message",offset?,field?,index?}} with the typed error's stable code; 400 bad
// input, 413 over the body limit (MAX_MESSAGES_BODY, 4 MiB, checked while reading: body.ts), 426 watch
// without an upgrade. Authentication is the host's business
// (the worker checks STORE_TOKEN before the object; the agent mounts auth.ts's policy in front).
import { Hono } from "hono";
import type { Context } from "hono";
import { GossipDecodeError } from "../gossip/index.ts";
import { StateRejectError, type StateStore } from "../state/index.ts";
import { GossamerError } from "../util/index.ts";
import type { MetricsRegistry } from "../util/index.ts";
import { readBodyLimited } from "./body.ts";
import { errorBody } from "./errors.ts";
import { changedEnvelopes, isWatchFormat, type WatchFormat } from "./watch.ts";

export const MAX_MESSAGES_BODY = 4 << 20;

export interface StoreHost {
  readonly store: StateStore;
  readonly metrics: MetricsRegistry;
  /** Upgrades the request to a watch socket (hello, then the catch-up frame when `since` is given). */
  acceptWatch(c: Context, since: number | null, format: WatchFormat): Response | Promise<Response>;
}

function cursorParam(c: Context, name: string): number | null | "bad" {
  const s = c.req.query(name);
  if (s === undefined) return null;
  return /^\d{1,15}$/.test(s) ? Number(s) : "bad";
}

function formatParam(c: Context): WatchFormat | "bad" {
  const f = c.req.query("format") ?? "changes";
  return isWatchFormat(f) ? f : "bad";
}

const badCursor = (c: Context) => c.json({ error: { code: "bad_cursor", message: "since must be a cursor this store issued (a non-negative integer)" } }, 400);
const badFormat = (c: Context) => c.json({ error: { code: "bad_format", message: "format must be changes or envelopes" } }, 400);

export function storeApi(host: StoreHost): Hono {
  const app = new Hono();
  const requests = host.metrics.counter("store_http_requests_total", "Store API requests by route and status.");
  app.use(async (c, next) => {
    await next();
    requests.inc({ route: new URL(c.req.url).pathname, status: String(c.res.status) });
  });

  app.post("/v1/messages", async (c) => {
    // Read with a running size check (body.ts): a chunked body past 4 MiB is cancelled, not buffered.
    const body = await readBodyLimited(c.req.raw, MAX_MESSAGES_BODY);
    if (body === null) return c.json({ error: { code: "gossip.decode.too_large", message: "body over 4 MiB" } }, 413);
    try {
      const r = host.store.applyBatch(body, { maxBytes: MAX_MESSAGES_BODY });
      return c.json({ applied: r.applied, changes: r.changes.length, cursor: r.cursor });
    } catch (e) {
      if (e instanceof GossipDecodeError || e instanceof StateRejectError) {
        return c.json({ error: errorBody(e) }, e instanceof GossipDecodeError && e.reason === "too_large" ? 413 : 400);
      }
      throw e;
    }
  });

  app.get("/v1/state", (c) => {
    const since = cursorParam(c, "since");
    if (since === "bad") return badCursor(c);
    const format = formatParam(c);
    if (format === "bad") return badFormat(c);
    const store = host.store;
    if (format === "changes") return c.json(since === null ? store.snapshot() : store.deltas(since));
    const json = (text: string) => c.body(text, 200, { "content-type": "application/json" });
    if (since === null) {
      const cursor = store.cursor;
      return json(`{"cursor":${cursor},"messages":[${store.envelopes().envelopes.join(",")}]}`);
    }
    const d = store.deltas(since);
    if (d.reset) return json(`{"cursor":${d.cursor},"reset":true,"messages":[]}`);
    return json(`{"cursor":${d.cursor},"reset":false,"messages":[${changedEnvelopes(store, d.changes).join(",")}]}`);
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
    if (since === "bad") return badCursor(c);
    const format = formatParam(c);
    if (format === "bad") return badFormat(c);
    return host.acceptWatch(c, since, format);
  });

  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such store route" } }, 404));
  return app;
}
