// Gossip state store Durable Object: the portable StateStore (src/state/) on this object's SQLite
// (sql-storage.ts), with the Wasm LPM table for route lookups. The worker has already checked the
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
import { createWasmLpm } from "../src/hotpath/lpm.ts";
import { StateStore, type Change } from "../src/state/index.ts";
import { consoleJsonLogger } from "../src/util/logger.ts";
import type { Env } from "./env.ts";
import { logLevel } from "./env.ts";
import { hotpathModule } from "./hotpath.ts";
import { MetricsRegistry, type MetricFamily } from "../src/util/metrics.ts";
import { SqlStateStorage } from "./sql-storage.ts";
import { catchUpFrame, changesFrame, helloFrame, storeApi, type StoreHost, type WatchFormat } from "../src/api/index.ts";
import type { Context } from "hono";

export const WATCH_TAG = "watch";
const SWEEP_INTERVAL_MS = 60_000;

export class GossipStore extends DurableObject<Env> implements StoreHost {
  readonly store: StateStore;
  readonly storage: SqlStateStorage;
  readonly metrics = new MetricsRegistry();
  private readonly app = storeApi(this);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new SqlStateStorage(ctx.storage);
    const module = hotpathModule();
    this.store = new StateStore({
      lpm: () => createWasmLpm(module),
      storage: this.storage,
      logger: consoleJsonLogger({ component: "gossip-store" }, logLevel(env.LOG_LEVEL)),
    });
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
