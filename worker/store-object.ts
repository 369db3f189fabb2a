// Gossip state store Durable Object: the portable StateStore (src/state/) built by createStateStore on
// this object's platform: storage on this object's SQLite (sql-storage.ts), the LPM table and the schema
// hash from the platform's hot path (Wasm). The worker has already checked the
// bearer token; this object serves the portable store API itself (src/api/store-api.ts, the same module
// the Node agent serves) and the watch stream (frames: src/api/watch.ts).
//
// Durability: StateStore.apply commits through SqlStateStorage (one transactionSync) before it
// returns, and the output gate holds the HTTP response until SQLite has it, so everything
// acknowledged survives an eviction or restart; the constructor rebuilds the store from the rows.
//
// Watch stream: hibernatable WebSockets tagged "watch" and with their frame format ("format:changes" or
// "format:envelopes"). One store subscription (re-made in the constructor after every wake-up) sends each
// commit's changes as one JSON text frame per format in use.
// An alarm sweeps expiries (VIP owners, NAT TTLs, garbage collection) every minute while watchers exist,
// so they see expiries without waiting for the next write.
//
// Sharding (docs/protocols/store-api.md §2–§5): the object is one shard of the store; the worker's front
// (store-front.ts) calls its RPC methods with the layout it runs (ShardRef): applyPart (its part of a
// batch, decoded and checked by the front), readState (snapshot / deltas), routeSync (the isolates'
// route replicas), and for a reshard exportTo / applyForwarded (store-reshard.ts). Each call first waits
// until the shard holds what earlier layouts held for it (ShardReshard.ensure).
import { DurableObject } from "cloudflare:workers";
import type { Context } from "hono";
import { catchUpFrame, changedEnvelopes, changesFrame, errorBody, helloFrame, storeApi, type StoreHost, type WatchFormat } from "../src/api/index.ts";
import type { RouteChange, RouteSync } from "../src/edge/index.ts";
import { GossipDecodeError } from "../src/gossip/index.ts";
import type { DecodedMessage } from "../src/gossip/index.ts";
import { createStateStore, STATE_STORAGE_NAME, StateRejectError, type Change, type CursorStorage, type StateStorage, type StateStore } from "../src/state/index.ts";
import type { Counter, MetricFamily, MetricsRegistry } from "../src/util/index.ts";
import type { Env } from "./env.ts";
import { workerPlatform } from "./platform.ts";
import type { ApplyOutcome, ExportPage, GossipStoreRpc, ShardRef, StateAnswer, StateRead } from "./rpc.ts";
import { LAYOUT_HEADER, parseRef } from "./store-layout.ts";
import { ShardReshard } from "./store-reshard.ts";

export const WATCH_TAG = "watch";
const SWEEP_INTERVAL_MS = 60_000;

export class GossipStore extends DurableObject<Env> implements StoreHost, GossipStoreRpc {
  readonly store: StateStore;
  readonly metrics: MetricsRegistry;
  private readonly app: ReturnType<typeof storeApi>;
  private readonly reshard: ShardReshard;
  private readonly routeSyncs: Counter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const platform = workerPlatform(env, { component: "gossip-store", storage: ctx.storage });
    this.metrics = platform.metrics;
    this.routeSyncs = platform.metrics.counter("store_route_syncs_total", "Route syncs served to isolates' route replicas (full: whole table).");
    const storage = platform.storage.open(STATE_STORAGE_NAME) as StateStorage & CursorStorage;
    this.store = createStateStore(platform, { storage });
    this.app = storeApi(this);
    this.reshard = new ShardReshard({ store: this.store, cursors: storage, storage: ctx.storage, env, platform });
    this.store.subscribe((changes, cursor) => {
      this.broadcast(changes, cursor);
      if (this.reshard.supersededBy !== 0) void this.forward();
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    // A forward left unfinished by a restart resumes from the persisted cursor.
    if (this.reshard.forwardLag > 0) void this.forward();
  }

  override async fetch(req: Request): Promise<Response> {
    const ref = parseRef(req.headers.get(LAYOUT_HEADER));
    if (ref) await this.reshard.ensure(ref);
    return this.app.fetch(req);
  }

  async applyPart(ref: ShardRef, messages: DecodedMessage[]): Promise<ApplyOutcome> {
    await this.reshard.ensure(ref);
    try {
      const r = this.store.applyBatch(messages);
      return { applied: r.applied, changes: r.changes.length, cursor: r.cursor };
    } catch (e) {
      if (e instanceof GossipDecodeError || e instanceof StateRejectError) return { error: errorBody(e), status: 400 };
      throw e;
    }
  }

  async readState(ref: ShardRef, q: StateRead): Promise<StateAnswer> {
    await this.reshard.ensure(ref);
    const store = this.store;
    // JSON text, not objects: VIP owners are null-prototype maps (structured clone refuses them), and
    // with one shard the front sends the text on as it is.
    if (q.format === "changes") return { json: JSON.stringify(q.since === null ? store.snapshot() : store.deltas(q.since)) };
    if (q.since === null) return { cursor: store.cursor, messages: store.envelopes().envelopes };
    const d = store.deltas(q.since);
    return d.reset ? { cursor: d.cursor, reset: true, messages: [] } : { cursor: d.cursor, reset: false, messages: changedEnvelopes(store, d.changes) };
  }

  async routeSync(ref: ShardRef, since: number | null): Promise<RouteSync> {
    await this.reshard.ensure(ref);
    this.routeSyncs.inc({ kind: since === null ? "full" : "delta" });
    const d = since === null ? null : this.store.deltas(since);
    if (d === null || d.reset) {
      const s = this.store.snapshot();
      return { cursor: s.cursor, full: true, routes: s.routes, nats: s.nats };
    }
    const changes: RouteChange[] = [];
    for (const c of d.changes) if (c.kind === "route" || c.kind === "nat") changes.push(c as RouteChange);
    return { cursor: d.cursor, full: false, changes };
  }

  exportTo(target: { shards: number; index: number }, after: string | null, maxBytes: number): ExportPage {
    return this.reshard.exportTo(target, after, maxBytes);
  }

  applyForwarded(batch: string): number {
    return this.store.applyBatch(batch).changes.length;
  }

  private async forward(): Promise<void> {
    if (!(await this.reshard.pump())) await this.armAlarm(this.reshard.retryIn() ?? 1000);
  }

  /** Accepts a watch socket; sends hello, then (with ?since=) the deltas or a reset. */
  acceptWatch(_c: Context, since: number | null, format: WatchFormat): Response {
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [WATCH_TAG, `format:${format}`]);
    server.send(helloFrame(this.store.cursor));
    if (since !== null) server.send(catchUpFrame(this.store, format, since));
    this.metrics.counter("store_watch_connections_total", "Watch streams opened.").inc();
    void this.armSweep();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override webSocketMessage(ws: WebSocket): void {
    // The watch stream is server -> client only; "ping" is answered by the auto-response.
    ws.close(1003, "the watch stream is read-only");
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      /* already closed */
    }
  }

  override async alarm(): Promise<void> {
    if (this.ctx.getWebSockets(WATCH_TAG).length > 0) this.store.sweep();
    if (!(await this.reshard.pump())) await this.armAlarm(this.reshard.retryIn() ?? 1000);
    await this.armSweep();
  }

  metricsSnapshot(): MetricFamily[] {
    const c = this.store.counters;
    const r = this.store.routeStats();
    const fams = this.metrics.snapshot();
    const one = (name: string, type: "counter" | "gauge", help: string, value: number): MetricFamily => ({ name, help, type, samples: [{ labels: {}, value }] });
    fams.push(
      one("store_messages_total", "counter", "Gossip messages applied.", c.messages),
      one("store_rejected_total", "counter", "Gossip messages (or batches) rejected.", c.rejected),
      one("store_changes_total", "counter", "Visible changes committed.", c.changes),
      one("store_commits_total", "counter", "Storage commits.", c.commits),
      one("store_gc_rows_total", "counter", "Invisible records garbage-collected.", c.gcRows),
      one("store_records", "gauge", "Records held (visible or remembered).", this.store.size),
      one("store_cursor", "gauge", "Last issued change cursor.", this.store.cursor),
      one("store_route_prefixes", "gauge", "Distinct prefixes in the route table.", r.prefixes),
      one("store_unroutable_nats", "gauge", "NAT entries whose original_dst is not an IP.", r.unroutableNats),
      one("store_watchers", "gauge", "Open watch streams.", this.ctx.getWebSockets(WATCH_TAG).length),
      one("store_superseded_by", "gauge", "Shard count of the layout that superseded this shard in a reshard (0: current).", this.reshard.supersededBy),
      one("store_forward_lag", "gauge", "Changes of a superseded shard not yet forwarded to the new layout.", this.reshard.forwardLag),
      one("store_reshard_copied_total", "counter", "Records copied in from earlier layouts.", this.reshard.counters.pulledRecords),
      one("store_reshard_forwarded_total", "counter", "Records forwarded to the superseding layout.", this.reshard.counters.forwardedRecords),
      {
        name: "gossip_schema_mismatch_total",
        help: "Messages whose schema V differs from ours (V = 0: legacy).",
        type: "counter",
        samples: this.store.schemaMismatches().map((m) => ({ labels: { type: m.name, remote_v: String(m.remote_v) }, value: m.count })),
      },
    );
    return fams;
  }

  private broadcast(changes: readonly Change[], cursor: number): void {
    if (changes.length === 0) return;
    for (const format of ["changes", "envelopes"] as const) {
      const watchers = this.ctx.getWebSockets(`format:${format}`);
      if (watchers.length === 0) continue;
      const frame = changesFrame(this.store, format, changes, cursor);
      for (const ws of watchers) {
        try {
          ws.send(frame);
        } catch {
          /* closing; its close event cleans up */
        }
      }
    }
  }

  private async armSweep(): Promise<void> {
    if (this.ctx.getWebSockets(WATCH_TAG).length === 0) return;
    await this.armAlarm(SWEEP_INTERVAL_MS);
  }

  /** Arms the alarm `ms` from now unless it is armed to fire sooner. */
  private async armAlarm(ms: number): Promise<void> {
    const at = Date.now() + ms;
    const cur = await this.ctx.storage.getAlarm();
    if (cur === null || cur > at) await this.ctx.storage.setAlarm(at);
  }
}
