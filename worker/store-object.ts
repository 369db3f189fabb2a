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
import { DurableObject } from "cloudflare:workers";
import type { Context } from "hono";
import { catchUpFrame, changesFrame, helloFrame, storeApi, type StoreHost, type WatchFormat } from "../src/api/index.ts";
import { createStateStore, type Change, type StateStore } from "../src/state/index.ts";
import type { MetricFamily, MetricsRegistry } from "../src/util/index.ts";
import type { Env } from "./env.ts";
import { workerPlatform } from "./platform.ts";
import type { GossipStoreRpc } from "./rpc.ts";

export const WATCH_TAG = "watch";
const SWEEP_INTERVAL_MS = 60_000;

export class GossipStore extends DurableObject<Env> implements StoreHost, GossipStoreRpc {
  readonly store: StateStore;
  readonly metrics: MetricsRegistry;
  private readonly app: ReturnType<typeof storeApi>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const platform = workerPlatform(env, { component: "gossip-store", storage: ctx.storage });
    this.metrics = platform.metrics;
    this.store = createStateStore(platform);
    this.app = storeApi(this);
    this.store.subscribe((changes, cursor) => this.broadcast(changes, cursor));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override fetch(req: Request): Response | Promise<Response> {
    return this.app.fetch(req);
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
    this.store.sweep();
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
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }
}
