// The store API in front of the shards (docs/protocols/store-api.md): the worker's isolate serves
// /v1/messages, /v1/state, /v1/route and /v1/watch over STORE_SHARDS GossipStore objects (store-layout.ts)
// with the same routes, bodies and errors as one store (src/api/store-api.ts, which each shard serves too).
//   POST /v1/messages  decode + check the batch here (a bad message refuses the whole batch, no shard is
//                      written), split it per shard (src/edge/partition.ts), apply the parts in parallel
//                      (each part all or nothing on its shard); 200 once every part is committed.
//   GET  /v1/state     every shard's snapshot or deltas, merged; cursors are tokens (src/edge/token.ts).
//   GET  /v1/route     answered HERE from the isolate's route replica (route-cache.ts): no object on the
//                      read path. Headers: x-gossamer-cursor (positions the table reflects, a token) and
//                      x-gossamer-age-ms; ?after=TOKEN waits until the table covers that token.
//   GET  /v1/watch     store-watch.ts.
// Bearer auth (STORE_TOKEN) runs before these (store-route.ts).
import type { Context } from "hono";
import { errorBody, errorResponse, isWatchFormat, MAX_MESSAGES_BODY } from "../src/api/index.ts";
import {
  CursorTokenError,
  checkMessages,
  formatToken,
  mergeDeltas,
  mergeEnvelopes,
  mergeSnapshots,
  parseToken,
  RouteReplicaError,
  splitBatch,
  type Positions,
  type RouteAnswer,
  type ShardEnvelopes,
} from "../src/edge/index.ts";
import { createGossipSchema, decodeBatch, GossipDecodeError, type DecodedMessage, type GossipSchema } from "../src/gossip/index.ts";
import type { Platform } from "../src/platform/index.ts";
import type { DeltaResult, StateSnapshot } from "../src/state/index.ts";
import { StateRejectError } from "../src/state/index.ts";
import { GossamerError } from "../src/util/index.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { platformFor } from "./platform.ts";
import { routeReplicaFor } from "./route-cache.ts";
import type { ApplyOutcome } from "./rpc.ts";
import { formatRef, LAYOUT_HEADER, storeLayout } from "./store-layout.ts";
import { relayWatch } from "./store-watch.ts";

type C = Context<{ Bindings: Env }>;

const schemas = new WeakMap<Platform, GossipSchema>();
function schemaOf(platform: Platform): GossipSchema {
  let s = schemas.get(platform);
  if (!s) schemas.set(platform, (s = createGossipSchema(platform)));
  return s;
}

const badCursor = (message: string) => errorResponse(400, "bad_cursor", message);

/** ?name= as positions of this layout, "other" (a token of another layout), null (absent), or a 400. */
function tokenParam(c: C, name: string, shards: number): Positions | "other" | null | Response {
  const s = c.req.query(name);
  if (s === undefined) return null;
  try {
    return parseToken(s, shards);
  } catch (e) {
    if (e instanceof CursorTokenError) return badCursor(`${name} must be a cursor this store issued`);
    throw e;
  }
}

/**
 * The message as it crosses the RPC: without its raw text (the shard never reads it; it would double the
 * bytes), and a heartbeat's owners (a null-prototype map, which structured clone refuses) as an ordinary
 * object with the same own keys ("__proto__" included: fromEntries defines, never assigns).
 */
function lean(m: DecodedMessage): DecodedMessage {
  if (m.type === 4 && m.payload.owners !== null) {
    return { ...m, raw: "", payload: { ...m.payload, owners: Object.fromEntries(Object.entries(m.payload.owners)) } } as DecodedMessage;
  }
  return m.raw === "" ? m : ({ ...m, raw: "" } as DecodedMessage);
}

async function postMessagesRoute(c: C): Promise<Response> {
  const tooLarge = () => errorResponse(413, "gossip.decode.too_large", "body over 4 MiB");
  if (Number(c.req.header("content-length") ?? "0") > MAX_MESSAGES_BODY) return tooLarge();
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > MAX_MESSAGES_BODY) return tooLarge();
  const platform = platformFor(c.env);
  let msgs: DecodedMessage[];
  try {
    msgs = decodeBatch(body, { maxBytes: MAX_MESSAGES_BODY, schema: schemaOf(platform) });
    checkMessages(msgs);
  } catch (e) {
    if (e instanceof GossipDecodeError || e instanceof StateRejectError) {
      return c.json({ error: errorBody(e) }, e instanceof GossipDecodeError && e.reason === "too_large" ? 413 : 400);
    }
    throw e;
  }
  const layout = storeLayout(c.env, platform);
  const parts = splitBatch(msgs, layout.shardOf);
  // One shard: an empty batch still answers with the store's cursor, as the unsharded store does.
  if (parts.length === 0 && layout.shards === 1) parts.push({ shard: 0, messages: [], indexes: [] });
  const results = await Promise.allSettled(parts.map((p) => layout.stub(p.shard).applyPart(layout.ref(p.shard), p.messages.map(lean))));
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [{ shard: parts[i]!.shard, err: r.reason as unknown }] : []));
  if (failed.length > 0) {
    const applied = results.flatMap((r, i) => (r.status === "fulfilled" && !("error" in r.value) ? [parts[i]!.shard] : []));
    platform.logger.warn({ failed: failed.map((f) => ({ shard: f.shard, err: String(f.err) })), applied }, "store: batch part failed");
    return errorResponse(
      503,
      "store.unavailable",
      `store shard(s) ${failed.map((f) => f.shard).join(",")} did not commit their part` +
        (applied.length > 0 ? ` (shards ${applied.join(",")} did); retrying the whole batch is safe` : "; retry"),
    );
  }
  const positions = new Array<number>(layout.shards).fill(0);
  let changes = 0;
  for (let i = 0; i < parts.length; i++) {
    const out = (results[i] as PromiseFulfilledResult<ApplyOutcome>).value;
    if ("error" in out) {
      // The front checks what the shards check, so this is a drift between the two: report it as the
      // store would, with the client's batch index.
      const e = out.error;
      if (e.index !== undefined) e.index = parts[i]!.indexes[e.index] ?? e.index;
      return c.json({ error: e }, out.status);
    }
    positions[parts[i]!.shard] = out.cursor;
    changes += out.changes;
  }
  return c.json({ applied: msgs.length, changes, cursor: formatToken(positions) });
}

async function getStateRoute(c: C): Promise<Response> {
  const platform = platformFor(c.env);
  const layout = storeLayout(c.env, platform);
  const since = tokenParam(c, "since", layout.shards);
  if (since instanceof Response) return since;
  const format = c.req.query("format") ?? "changes";
  if (!isWatchFormat(format)) return errorResponse(400, "bad_format", "format must be changes or envelopes");
  const answers = await Promise.all(
    Array.from({ length: layout.shards }, (_, s) =>
      layout.stub(s).readState(layout.ref(s), { format, since: since === null ? null : since === "other" ? -1 : since[s]! }),
    ),
  );
  const json = (text: string) => c.body(text, 200, { "content-type": "application/json" });
  if (format === "envelopes") return json(mergeEnvelopes(answers as ShardEnvelopes[], since !== null));
  const texts = (answers as { json: string }[]).map((a) => a.json);
  if (texts.length === 1) return json(texts[0]!);
  const parsed = texts.map((t) => JSON.parse(t) as StateSnapshot & DeltaResult);
  return c.json(since === null ? mergeSnapshots(parsed) : mergeDeltas(parsed));
}

async function getRouteRoute(c: C): Promise<Response> {
  let defer: ((p: Promise<unknown>) => void) | undefined;
  try {
    const ctx = c.executionCtx;
    defer = (p) => ctx.waitUntil(p);
  } catch {
    /* no execution context (a direct app.fetch): background refreshes just run */
  }
  return routeAnswer(c.env, c.req.query("ip"), c.req.query("after"), defer);
}

/**
 * GET /v1/route after authentication: the answer of this isolate's route replica (route-cache.ts), with
 * x-gossamer-cursor and x-gossamer-age-ms. Shared by the router and the fast path (route-fast.ts).
 */
export function routeAnswer(env: Env, ip: string | undefined | null, afterText: string | undefined | null, defer?: (p: Promise<unknown>) => void): Response | Promise<Response> {
  if (!ip) return errorResponse(400, "missing_ip", "query parameter ip is required");
  const replica = routeReplicaFor(env);
  let after: Positions | undefined;
  if (afterText !== undefined && afterText !== null) {
    try {
      const p = parseToken(afterText, replica.shards);
      if (p !== "other") after = p;
    } catch (e) {
      if (e instanceof CursorTokenError) return badCursor("after must be a cursor this store issued");
      throw e;
    }
  }
  try {
    // The common case answers without a promise: a fresh table, or a stale one refreshing behind.
    const now = after === undefined ? replica.lookupNow(ip, defer) : null;
    if (now !== null) return routeResponse(ip, now);
  } catch (e) {
    return routeError(e);
  }
  return replica.lookup(ip, { ...(after ? { after } : {}), ...(defer ? { defer } : {}) }).then((a) => routeResponse(ip, a), routeError);
}

function routeResponse(ip: string, a: RouteAnswer): Response {
  return new Response(JSON.stringify({ ip, match: a.match }), {
    headers: { "content-type": "application/json", "x-gossamer-cursor": a.token, "x-gossamer-age-ms": String(Math.max(0, Math.round(a.ageMs))) },
  });
}

function routeError(e: unknown): Response {
  if (e instanceof RouteReplicaError) return errorResponse(503, e.code, e.message);
  if (e instanceof GossamerError) return new Response(JSON.stringify({ error: errorBody(e) }), { status: 400, headers: { "content-type": "application/json" } });
  throw e;
}

async function getWatchRoute(c: C): Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return errorResponse(426, "upgrade_required", "the watch stream is a WebSocket");
  const platform = platformFor(c.env);
  const layout = storeLayout(c.env, platform);
  if (layout.shards === 1) {
    const req = new Request(c.req.raw);
    req.headers.set(LAYOUT_HEADER, formatRef(layout.ref(0)));
    return layout.stub(0).fetch(req); // counted by the shard's own store API
  }
  const since = tokenParam(c, "since", layout.shards);
  if (since instanceof Response) return since;
  const format = c.req.query("format") ?? "changes";
  if (!isWatchFormat(format)) return errorResponse(400, "bad_format", "format must be changes or envelopes");
  return relayWatch(layout, since, format, platform.logger);
}

/** Requests by route and status, as plain counts per platform (read by the registry at scrape time). */
const requestCounts = new WeakMap<Platform, Map<string, { route: string; status: string; n: number }>>();
function requestCounter(platform: Platform): Map<string, { route: string; status: string; n: number }> {
  let m = requestCounts.get(platform);
  if (!m) {
    const counts = new Map<string, { route: string; status: string; n: number }>();
    requestCounts.set(platform, (m = counts));
    platform.metrics.collect("store_http_requests_total", "Store API requests by route and status.", "counter", () =>
      [...counts.values()].map((c) => ({ labels: { route: c.route, status: c.status }, value: c.n })),
    );
  }
  return m;
}

/**
 * The route counted in store_http_requests_total{route,status} on the isolate's registry (what the one
 * store object counted when it served every route; a watch handed to the one shard is counted there).
 */
function counted(route: string, handler: (c: C) => Promise<Response>): (c: C) => Promise<Response> {
  return async (c) => {
    const res = await handler(c);
    const env = c.env;
    if (!(route === "/v1/watch" && workerConfig(env).storeShards === 1)) countRequest(env, route, res.status);
    return res;
  };
}

export const postMessages = counted("/v1/messages", postMessagesRoute);
export const getState = counted("/v1/state", getStateRoute);
export const getRoute = counted("/v1/route", getRouteRoute);

/** Counts one request of `route` (the fast path's share of store_http_requests_total). */
export function countRequest(env: Env, route: string, status: number): void {
  const counts = requestCounter(platformFor(env));
  const k = `${route} ${status}`;
  const e = counts.get(k);
  if (e) e.n++;
  else counts.set(k, { route, status: String(status), n: 1 });
}
export const getWatch = counted("/v1/watch", getWatchRoute);
