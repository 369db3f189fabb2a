// Relay shard Durable Object: drives the portable RelayCore (src/relay/core.ts) from hibernatable
// WebSocket events, registers its peers with the peer directory, and forwards packets for peers on
// other shards through the batched ShardForwarder.
//
// Hibernation: sockets are accepted with ctx.acceptWebSocket, so the object may be evicted from
// memory while they stay open. Each socket's RelayConnState is kept with serializeAttachment
// (plus `echoAt`, see below); on wake-up the constructor rebuilds the core's tables with
// core.restore() for every ctx.getWebSockets().
//
// Health checks (NetBird: the SERVER pings every 25 s with a binary [1,5]; the client echoes the same
// binary 2 bytes; no echo for 45 s closes). They run from an alarm, never setInterval:
// - every 25 s the alarm wakes the object, closes sockets whose last echo is older than 45 s and
//   pings the rest (core.healthTick()); it re-arms itself only while sockets remain;
// - the wall-clock time of the last echo is written into the attachment (`echoAt`), because the core's
//   in-memory timestamp restarts at every wake-up and would otherwise never expire a silent client
//   if the object hibernates between alarms;
// - setWebSocketAutoResponse cannot carry the relay's health check: it only matches TEXT frames
//   (workerd#6062) and can only answer, never initiate, while relay pings are server-initiated
//   binary frames and a relay client must never receive text. So each echo wakes the object (billed
//   20:1 as an incoming message). The auto-response is still set for the text frame "ping" -> "pong":
//   load balancers, uptime probes and our own tooling can check a shard socket without waking it,
//   and ctx.getWebSocketAutoResponseTimestamp(ws) counts as liveness for such a socket.
import { DurableObject } from "cloudflare:workers";
import type { Platform } from "../src/platform/index.ts";
import {
  CLOSE_HEALTH_TIMEOUT,
  HEALTH_INTERVAL_MS,
  HEALTH_TIMEOUT_MS,
  MSG_HEALTH_CHECK,
  PROTOCOL_VERSION,
  RELAY_METRICS,
  createRelayCore,
  newConnState,
  registerRelayMetrics,
  type PeerIdString,
  type RelayConn,
  type RelayConnState,
  type RelayCore,
} from "../src/relay/index.ts";
import type { Logger, MetricFamily } from "../src/util/index.ts";
import { workerConfig, type WorkerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { readBatch } from "./forward-batch.ts";
import { ShardForwarder } from "./forwarder.ts";
import { DIRECTORY_PREFIX, directoryFor } from "./placement.ts";
import { workerPlatform } from "./platform.ts";
import { SHARD_NAME_HEADER } from "./relay-route.ts";
import type { PeerDirectoryRpc, RelayShardRpc } from "./rpc.ts";

/**
 * What a socket's attachment holds: the core's state plus the wall time of the last health echo.
 * Attachments are limited to 16 KiB; subscription lists longer than LIST_INLINE_MAX IDs move to the
 * `subs` table under a per-socket id (`sid`, `subsInSql`) and are merged back when the socket is read.
 */
type Attachment = RelayConnState & { echoAt?: number; sid?: string; subsInSql?: boolean };
const LIST_INLINE_MAX = 160;

const AUTO_PING = "ping";
const AUTO_PONG = "pong";

export class RelayShard extends DurableObject<Env> implements RelayShardRpc {
  private readonly platform: Platform;
  private readonly config: WorkerConfig;
  private readonly core: RelayCore;
  private readonly forwarder: ShardForwarder;
  private readonly conns = new WeakMap<WebSocket, RelayConn>();
  private readonly sockets = new WeakMap<RelayConn, WebSocket>();
  /** Sockets already reported closed to the core: a second close/error event must not reach it (the
   * core would rebuild a closed connection from its attachment as if it had just woken up). */
  private readonly gone = new WeakSet<WebSocket>();
  private readonly log: Logger;
  private readonly dirStubs = new Map<string, DurableObjectStub<PeerDirectoryRpc>>();
  private name: string | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS subs (sid TEXT PRIMARY KEY, lists TEXT NOT NULL)`);
    this.name = ctx.storage.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'name'`).toArray()[0]?.v ?? null;
    this.config = workerConfig(env);
    this.platform = workerPlatform(env, { component: "relay-shard", bindings: { shard: this.name ?? undefined } });
    this.log = this.platform.logger;
    const metrics = this.platform.metrics;
    this.forwarder = new ShardForwarder({
      self: this.name ?? "",
      batching: this.config.relayBatching,
      locate: (peer) => this.directory(peer).locate(peer),
      shard: (name) => env.RELAY_SHARD.getByName(name),
      now: this.platform.wallClock,
      forwards: metrics.counter(RELAY_METRICS.clusterForwards.name, RELAY_METRICS.clusterForwards.help),
      batches: metrics.counter(RELAY_METRICS.forwardBatches.name, RELAY_METRICS.forwardBatches.help),
    });
    this.core = createRelayCore(this.platform, {
      instanceUrl: this.config.relayInstanceUrl,
      authSecret: this.config.relayAuthSecret,
      forwarder: this.forwarder,
      healthCheck: false, // alarm-driven, see the header
      hooks: {
        onPeerOnline: (peer) => this.peerOnline(peer),
        onPeerOffline: (peer) => this.peerOffline(peer),
        onInterest: (added, removed) => this.interest(added, removed),
        onStateChange: (conn) => this.persist(conn),
      },
    });
    const core = this.core;
    registerRelayMetrics(metrics, {
      stats: core.stats,
      get peerCount() {
        return core.peerCount;
      },
      activity: () => core.activity(),
      sockets: () => ctx.getWebSockets().length,
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(AUTO_PING, AUTO_PONG));
    const sockets = ctx.getWebSockets();
    for (const ws of sockets) this.core.restore(this.connFor(ws));
    // Woken with no sockets but a known name: any directory row naming this shard is stale (a deploy
    // or crash dropped the sockets without close events). Sent before anything this instance
    // registers, on the same stubs, so the directory sees the cleanup first.
    if (sockets.length === 0 && this.name) {
      const self = this.name;
      for (let i = 0; i < this.config.directoryShards; i++) {
        void this.directoryByName(`${DIRECTORY_PREFIX}${i}`).forgetShard(self).catch(() => 0);
      }
    }
  }

  // ---- WebSocket lifecycle -------------------------------------------------------------------

  override async fetch(req: Request): Promise<Response> {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    this.learnName(req.headers.get(SHARD_NAME_HEADER));
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const conn = this.connFor(server);
    (conn.state as Attachment).echoAt = Date.now();
    this.persist(conn);
    this.core.open(conn);
    await this.armAlarm();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (this.gone.has(ws)) return;
    const conn = this.connFor(ws);
    if (typeof message !== "string" && message.byteLength === 2) {
      const b = new Uint8Array(message);
      if (b[0] === PROTOCOL_VERSION && b[1] === MSG_HEALTH_CHECK && conn.state.peer) {
        (conn.state as Attachment).echoAt = Date.now();
        this.persist(conn, false);
      }
    }
    this.core.message(conn, message);
  }

  override webSocketClose(ws: WebSocket): void {
    this.closed(ws);
  }

  override webSocketError(ws: WebSocket): void {
    this.closed(ws);
  }

  private closed(ws: WebSocket): void {
    if (this.gone.has(ws)) return;
    this.gone.add(ws);
    const conn = this.connFor(ws);
    this.core.close(conn);
    const st = conn.state as Attachment;
    if (st.subsInSql && st.sid) this.ctx.storage.sql.exec(`DELETE FROM subs WHERE sid = ?`, st.sid);
  }

  /** Every 25 s while sockets exist: expire silent sockets, ping the rest. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      if (this.gone.has(ws)) continue;
      const conn = this.connFor(ws);
      const st = conn.state as Attachment;
      if (!st.peer) continue; // pending sockets have the core's own 10 s auth deadline
      const auto = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const last = Math.max(st.echoAt ?? st.authAt, auto);
      if (now - last > HEALTH_TIMEOUT_MS) {
        this.platform.metrics.counter(RELAY_METRICS.healthTimeouts.name, RELAY_METRICS.healthTimeouts.help).inc();
        try {
          ws.close(CLOSE_HEALTH_TIMEOUT, "health check timeout");
        } catch {
          /* already closing */
        }
        this.closed(ws);
      }
    }
    this.core.healthTick();
    await this.armAlarm(true);
  }

  // ---- RPC from the directory and other shards ----------------------------------------------

  /** Packets forwarded by another shard (see forward-batch.ts). Returns destinations not held here. */
  deliverBatch(from: string, to: string, batch: Uint8Array): { missing: string[] } {
    this.learnName(to);
    const missing = new Set<string>();
    readBatch(batch, (dst, message) => {
      // deliverForwarded takes ownership; the subarray shares the RPC buffer, which nobody else uses.
      if (!this.core.deliverForwarded(dst, message)) missing.add(dst);
    });
    // A directory row pointed `from` at us for a peer we do not hold: drop the stale row. Sent from
    // here (not by the sender) so that it is ordered before any later registration from this shard.
    for (const dst of missing) if (this.name) void this.directory(dst).unregister(dst, this.name).catch(() => false);
    return { missing: [...missing] };
  }

  /** Presence events from the directory for peers local sockets subscribed to. */
  peerStateChanged(online: PeerIdString[], offline: PeerIdString[]): void {
    if (online.length) this.core.notifyRemoteOnline(online);
    if (offline.length) this.core.notifyRemoteOffline(offline);
  }

  /** The peer authenticated on another shard: close its connection here (no offline event). */
  evictPeer(peer: PeerIdString): boolean {
    return this.core.evict(peer);
  }

  metricsSnapshot(): MetricFamily[] {
    return this.platform.metrics.snapshot();
  }

  // ---- internals -----------------------------------------------------------------------------

  private connFor(ws: WebSocket): RelayConn {
    let c = this.conns.get(ws);
    if (!c) {
      const state: Attachment = (ws.deserializeAttachment() as Attachment | null) ?? newConnState();
      if (state.subsInSql && state.sid) {
        const row = this.ctx.storage.sql.exec<{ lists: string }>(`SELECT lists FROM subs WHERE sid = ?`, state.sid).toArray()[0];
        const lists = row ? (JSON.parse(row.lists) as { subOff?: string[]; subOn?: string[] }) : {};
        state.subOff = lists.subOff ?? [];
        state.subOn = lists.subOn ?? [];
      }
      c = {
        state,
        send: (bytes) => ws.send(bytes),
        close: (code, reason) => ws.close(code, reason),
      };
      this.conns.set(ws, c);
      this.sockets.set(c, ws);
    }
    return c;
  }

  /** Saves conn.state as the socket's attachment (long subscription lists go to the subs table). */
  private persist(conn: RelayConn, listsChanged = true): void {
    const ws = this.sockets.get(conn);
    if (!ws) return;
    const st = conn.state as Attachment;
    const { subOff, subOn, ...rest } = st;
    const n = (subOff?.length ?? 0) + (subOn?.length ?? 0);
    try {
      if (n > LIST_INLINE_MAX) {
        st.sid ??= crypto.randomUUID();
        rest.sid = st.sid;
        if (listsChanged || !st.subsInSql) {
          this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO subs (sid, lists) VALUES (?, ?)`, st.sid, JSON.stringify({ subOff, subOn }));
        }
        st.subsInSql = true;
        ws.serializeAttachment({ ...rest, subsInSql: true });
      } else {
        if (st.subsInSql && st.sid) this.ctx.storage.sql.exec(`DELETE FROM subs WHERE sid = ?`, st.sid);
        st.subsInSql = false;
        ws.serializeAttachment({ ...rest, subsInSql: false, subOff, subOn });
      }
    } catch (e) {
      this.log.warn({ err: String(e) }, "attachment not saved");
    }
  }

  private learnName(name: string | null): void {
    if (!name || this.name === name) return;
    this.name = name;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES ('name', ?)`, name);
    this.forwarder.setSelf(name);
  }

  private directory(peer: PeerIdString): DurableObjectStub<PeerDirectoryRpc> {
    return this.directoryByName(directoryFor(peer, this.config.directoryShards));
  }

  private directoryByName(name: string): DurableObjectStub<PeerDirectoryRpc> {
    let s = this.dirStubs.get(name);
    if (!s) {
      s = this.env.PEER_DIRECTORY.getByName(name);
      this.dirStubs.set(name, s);
    }
    return s;
  }

  private peerOnline(peer: PeerIdString): void {
    const self = this.name;
    if (!self) return;
    void this.directory(peer)
      .register(peer, self, Date.now())
      .then(({ previous, superseded }) => {
        if (superseded) return this.core.evict(peer); // a newer connection of this peer lives elsewhere
        if (previous) return this.env.RELAY_SHARD.getByName(previous).evictPeer(peer);
        return false;
      })
      .catch((e: unknown) => this.log.warn({ err: String(e) }, "directory register failed"));
  }

  private peerOffline(peer: PeerIdString): void {
    const self = this.name;
    if (!self) return;
    void this.directory(peer)
      .unregister(peer, self)
      .catch((e: unknown) => this.log.warn({ err: String(e) }, "directory unregister failed"));
  }

  private interest(added: PeerIdString[], removed: PeerIdString[]): void {
    const self = this.name;
    if (!self) return;
    const group = (ids: PeerIdString[]) => {
      const m = new Map<string, PeerIdString[]>();
      for (const id of ids) {
        const d = directoryFor(id, this.config.directoryShards);
        (m.get(d) ?? m.set(d, []).get(d)!).push(id);
      }
      return m;
    };
    for (const [, ids] of group(added)) void this.directory(ids[0]!).subscribe(self, ids).catch(() => []);
    for (const [, ids] of group(removed)) void this.directory(ids[0]!).unsubscribe(self, ids).catch(() => undefined);
  }

  private async armAlarm(rearm = false): Promise<void> {
    if (this.ctx.getWebSockets().length === 0) return;
    if (!rearm && (await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Date.now() + HEALTH_INTERVAL_MS);
  }
}
