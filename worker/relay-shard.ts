// Relay shard Durable Object: drives the portable RelayCore (src/relay/core.ts) from hibernatable
// WebSocket events, registers its peers with the peer directory, and forwards packets for peers on
// other shards through the batched ShardForwarder over shard-to-shard links.
//
// Two kinds of sockets: relay clients, and LINKS from other shards (an upgrade request carrying
// LINK_HEADER, accepted with the LINK_TAG tag; forward-batch.ts has their format). A link's FORWARD
// batches are delivered by raw destination ID; destinations not held here go back as one MISSING notice
// per batch. Links never reach the relay core, the alarm's health checks or the socket counts.
//
// Backpressure: workerd's WebSockets report no send buffer, so each socket has an ack-clocked window
// of bytes in flight (src/relay/send-window.ts, SEND_WINDOW_BYTES): health-check echoes acknowledge,
// the core drops transport messages past the window.
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
  peerIdKeyAt,
  registerRelayMetrics,
  SendWindow,
  type PeerIdString,
  type RelayConn,
  type RelayConnState,
  type RelayCore,
} from "../src/relay/index.ts";
import type { Logger, MetricFamily } from "../src/util/index.ts";
import { workerConfig, type WorkerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { encodeMissing, FWD_ID, readBatch } from "./forward-batch.ts";
import { ShardForwarder, type LinkEvents, type LinkSocket } from "./forwarder.ts";
import { DIRECTORY_PREFIX, directoryFor } from "./placement.ts";
import { workerPlatform } from "./platform.ts";
import { SHARD_NAME_HEADER } from "./relay-route.ts";
import type { PeerDirectoryRpc, RelayShardRpc } from "./rpc.ts";

/**
 * What a socket's attachment holds: the core's state (peer, authAt), the wall time of the last health
 * echo, and the socket's id `sid`. Subscriptions never go into the attachment: each is one row of the
 * `sub` table (sid, peer, online), written incrementally from the core's onSubscriptions deltas (O(IDs
 * in the message), not O(subscriptions held)), read back when the socket is restored, deleted at close.
 * (`subsInSql` marks attachments of the earlier layout, whose lists were whole JSON rows in `subs`.)
 */
type Attachment = RelayConnState & { echoAt?: number; sid?: string; subsInSql?: boolean };

/**
 * Bytes in flight per socket before transport messages to it are dropped. workerd's WebSockets expose no
 * bufferedAmount (measured), so the shard keeps its own ack-clocked window (src/relay/send-window.ts).
 */
const SEND_WINDOW_BYTES = 4 * 1024 * 1024;
const PING = Uint8Array.of(PROTOCOL_VERSION, MSG_HEALTH_CHECK);

const AUTO_PING = "ping";
const AUTO_PONG = "pong";
/** Upgrade header naming the shard that opens a link (its value: the opener's shard name). */
export const LINK_HEADER = "x-gossamer-link-from";
/** WebSocket tag of accepted links (ctx.getWebSockets(LINK_TAG)). */
export const LINK_TAG = "gossamer-link";

export class RelayShard extends DurableObject<Env> implements RelayShardRpc {
  private readonly platform: Platform;
  private readonly config: WorkerConfig;
  private readonly core: RelayCore;
  private readonly forwarder: ShardForwarder;
  private readonly conns = new WeakMap<WebSocket, RelayConn>();
  private readonly sockets = new WeakMap<RelayConn, WebSocket>();
  private readonly windows = new WeakMap<WebSocket, SendWindow>();
  /** Sockets already reported closed to the core: a second close/error event must not reach it (the
   * core would rebuild a closed connection from its attachment as if it had just woken up). */
  private readonly gone = new WeakSet<WebSocket>();
  private readonly log: Logger;
  private readonly dirStubs = new Map<string, DurableObjectStub<PeerDirectoryRpc>>();
  /** Accepted links (rebuilt from their tag after hibernation). */
  private readonly linkSockets = new WeakSet<WebSocket>();
  /** Raw IDs of one link batch's missing destinations (36 bytes each), reused. */
  private missing = new Uint8Array(FWD_ID * 64);
  private name: string | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS sub (sid TEXT NOT NULL, peer TEXT NOT NULL, online INTEGER NOT NULL, PRIMARY KEY (sid, peer)) WITHOUT ROWID`);
    migrateSubs(ctx.storage.sql);
    this.name = ctx.storage.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'name'`).toArray()[0]?.v ?? null;
    this.config = workerConfig(env);
    this.platform = workerPlatform(env, { component: "relay-shard", bindings: { shard: this.name ?? undefined } });
    this.log = this.platform.logger;
    const metrics = this.platform.metrics;
    this.forwarder = new ShardForwarder({
      self: this.name ?? "",
      batching: this.config.relayBatching,
      locate: (peer) => this.directory(peer).locate(peer),
      openLink: (name, events) => this.openLink(name, events),
      now: this.platform.wallClock,
      forwards: metrics.counter(RELAY_METRICS.clusterForwards.name, RELAY_METRICS.clusterForwards.help),
      batches: metrics.counter(RELAY_METRICS.forwardBatches.name, RELAY_METRICS.forwardBatches.help),
    });
    this.core = createRelayCore(this.platform, {
      instanceUrl: this.config.relayInstanceUrl,
      authSecret: this.config.relayAuthSecret,
      tokenMode: this.config.relayTokenMode,
      maxSubscriptionsPerPeer: this.config.relayMaxSubscriptionsPerPeer,
      maxSubscriptionsTotal: this.config.relayMaxSubscriptions,
      forwarder: this.forwarder,
      maxBufferedBytes: SEND_WINDOW_BYTES,
      healthCheck: false, // alarm-driven, see the header
      hooks: {
        onPeerOnline: (peer) => this.peerOnline(peer),
        onPeerOffline: (peer) => this.peerOffline(peer),
        onInterest: (added, removed) => this.interest(added, removed),
        onStateChange: (conn) => this.persist(conn),
        onSubscriptions: (conn, op, ids) => this.subscriptions(conn, op, ids),
      },
    });
    const core = this.core;
    registerRelayMetrics(metrics, {
      stats: core.stats,
      get peerCount() {
        return core.peerCount;
      },
      get subscriptionCount() {
        return core.subscriptionCount;
      },
      activity: () => core.activity(),
      sockets: () => this.relaySockets().length, // links are not relay connections
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(AUTO_PING, AUTO_PONG));
    for (const ws of ctx.getWebSockets(LINK_TAG)) this.linkSockets.add(ws);
    const sockets = this.relaySockets();
    for (const ws of sockets) this.core.restore(this.connFor(ws));
    this.dropStaleSubs(sockets);
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
    if (req.headers.has(LINK_HEADER)) {
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1], [LINK_TAG]);
      this.linkSockets.add(pair[1]);
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
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
    if (this.linkSockets.has(ws)) return this.linkMessage(ws, message);
    if (this.gone.has(ws)) return;
    const conn = this.connFor(ws);
    if (typeof message !== "string" && message.byteLength === 2) {
      const b = new Uint8Array(message);
      if (b[0] === PROTOCOL_VERSION && b[1] === MSG_HEALTH_CHECK && conn.state.peer) {
        (conn.state as Attachment).echoAt = Date.now();
        this.windows.get(ws)?.echoed();
        this.persist(conn);
      }
    }
    this.core.message(conn, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    if (this.linkSockets.has(ws)) {
      // Complete the close handshake, so the opener's upgrade request ends (an open request keeps the
      // opening shard from hibernating).
      try {
        ws.close(code === 1005 ? 1000 : code, "link closed");
      } catch {
        /* already closed */
      }
      return;
    }
    this.closed(ws);
  }

  override webSocketError(ws: WebSocket): void {
    this.closed(ws);
  }

  private closed(ws: WebSocket): void {
    if (this.linkSockets.has(ws) || this.gone.has(ws)) return;
    this.gone.add(ws);
    const conn = this.connFor(ws);
    this.core.close(conn);
    const st = conn.state as Attachment;
    if (st.sid) this.ctx.storage.sql.exec(`DELETE FROM sub WHERE sid = ?`, st.sid);
  }

  /** Every 25 s while sockets exist: expire silent sockets, ping the rest. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.forwarder.closeIdle(HEALTH_INTERVAL_MS);
    for (const ws of this.relaySockets()) {
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

  // ---- links from other shards ----------------------------------------------------------------

  /** A FORWARD batch from another shard (forward-batch.ts): deliver each packet, report the missing. */
  private linkMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (typeof message === "string") return;
    const batch = new Uint8Array(message);
    let nMissing = 0;
    try {
      readBatch(batch, (buf, off, packet) => {
        // deliverForwardedRaw takes ownership; the subarray shares the message buffer, used by nobody else.
        if (this.core.deliverForwardedRaw(buf, off, packet)) return;
        if (FWD_ID * (nMissing + 1) > this.missing.length) {
          const next = new Uint8Array(this.missing.length * 2);
          next.set(this.missing);
          this.missing = next;
        }
        this.missing.set(buf.subarray(off, off + FWD_ID), FWD_ID * nMissing++);
      });
    } catch (e) {
      this.log.warn({ err: String(e) }, "malformed link batch");
    }
    if (nMissing === 0) return;
    try {
      ws.send(encodeMissing(this.missing, nMissing));
    } catch {
      /* the link is closing; the sender re-locates on its own */
    }
    // A directory row pointed the sender at us for a peer we do not hold: drop the stale row. Sent from
    // here (not by the sender) so that it is ordered before any later registration from this shard.
    const self = this.name;
    if (!self) return;
    for (let i = 0; i < nMissing; i++) {
      const dst = peerIdKeyAt(this.missing, FWD_ID * i);
      void this.directory(dst).unregister(dst, self).catch(() => false);
    }
  }

  /** Opens this shard's link to shard `name` (forwarder.ts); the far end accepts it in fetch(). */
  private async openLink(name: string, events: LinkEvents): Promise<LinkSocket> {
    const res = await this.env.RELAY_SHARD.getByName(name).fetch("https://relay-shard.internal/link", {
      headers: { upgrade: "websocket", [LINK_HEADER]: this.name ?? "", [SHARD_NAME_HEADER]: name },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error(`link to ${name} refused (status ${res.status})`);
    ws.accept();
    ws.binaryType = "arraybuffer"; // the standard default (with current compatibility dates) is "blob"
    ws.addEventListener("message", (e) => {
      if (e.data instanceof ArrayBuffer) events.message(new Uint8Array(e.data));
    });
    ws.addEventListener("close", () => events.closed());
    ws.addEventListener("error", () => events.closed());
    return {
      send: (bytes) => ws.send(bytes),
      close: () => {
        try {
          ws.close(1000, "idle");
        } catch {
          /* already closed */
        }
      },
    };
  }

  // ---- RPC from the directory ------------------------------------------------------------------

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
      if (state.sid) {
        // Restore input for the core (the rows stay the record; the core never writes the lists back).
        const rows = this.ctx.storage.sql.exec<{ peer: string; online: number }>(`SELECT peer, online FROM sub WHERE sid = ?`, state.sid).toArray();
        state.subOff = rows.map((r) => r.peer);
        state.subOn = rows.filter((r) => r.online).map((r) => r.peer);
      } else {
        state.sid = crypto.randomUUID();
        // An attachment of the earlier layout may carry short lists inline: they become rows.
        const on = new Set(state.subOn ?? []);
        for (const id of state.subOff ?? []) {
          this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO sub (sid, peer, online) VALUES (?, ?, ?)`, state.sid, id, on.has(id) ? 1 : 0);
        }
      }
      const win = new SendWindow(SEND_WINDOW_BYTES);
      this.windows.set(ws, win);
      c = {
        state,
        send: (bytes) => {
          ws.send(bytes);
          win.sentBytes(bytes.byteLength, bytes.byteLength === 2 && bytes[0] === PROTOCOL_VERSION && bytes[1] === MSG_HEALTH_CHECK);
          if (win.wantsProbe()) {
            ws.send(PING); // its echo acknowledges everything sent so far
            win.sentBytes(PING.length, true);
          }
        },
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return win.inFlight;
        },
      };
      this.conns.set(ws, c);
      this.sockets.set(c, ws);
    }
    return c;
  }

  /** Saves conn.state as the socket's attachment: peer, authAt, echoAt, sid (never the subscription lists). */
  private persist(conn: RelayConn): void {
    const ws = this.sockets.get(conn);
    if (!ws) return;
    const { subOff: _off, subOn: _on, subsInSql: _old, ...rest } = conn.state as Attachment;
    try {
      ws.serializeAttachment(rest);
    } catch (e) {
      this.log.warn({ err: String(e) }, "attachment not saved");
    }
  }

  /** One subscription delta from the core, applied to the socket's rows (one statement per ID). */
  private subscriptions(conn: RelayConn, op: "subscribe" | "unsubscribe" | "fired", ids: PeerIdString[]): void {
    const sid = (conn.state as Attachment).sid;
    if (!sid) return;
    const sql = this.ctx.storage.sql;
    try {
      if (op === "subscribe") for (const id of ids) sql.exec(`INSERT INTO sub (sid, peer, online) VALUES (?, ?, 1) ON CONFLICT (sid, peer) DO UPDATE SET online = 1`, sid, id);
      else if (op === "unsubscribe") for (const id of ids) sql.exec(`DELETE FROM sub WHERE sid = ? AND peer = ?`, sid, id);
      else for (const id of ids) sql.exec(`UPDATE sub SET online = 0 WHERE sid = ? AND peer = ?`, sid, id);
    } catch (e) {
      this.log.warn({ err: String(e), op }, "subscriptions not saved");
    }
  }

  /** Rows of sockets that no longer exist (closed while the object was gone, e.g. across a deploy). */
  private dropStaleSubs(sockets: WebSocket[]): void {
    const live = new Set<string>();
    for (const ws of sockets) {
      const sid = (this.conns.get(ws)?.state as Attachment | undefined)?.sid;
      if (sid) live.add(sid);
    }
    const sql = this.ctx.storage.sql;
    for (const { sid } of sql.exec<{ sid: string }>(`SELECT DISTINCT sid FROM sub`).toArray()) {
      if (!live.has(sid)) sql.exec(`DELETE FROM sub WHERE sid = ?`, sid);
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

  /** Relay client sockets (every accepted socket but the links). */
  private relaySockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => !this.linkSockets.has(ws));
  }

  private async armAlarm(rearm = false): Promise<void> {
    if (this.relaySockets().length === 0) return;
    if (!rearm && (await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Date.now() + HEALTH_INTERVAL_MS);
  }
}

/**
 * The earlier layout kept a socket's whole lists as one JSON row in `subs` (rewritten on every change):
 * move those rows to `sub` once, then drop the table.
 */
function migrateSubs(sql: SqlStorage): void {
  const old = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'subs'`).toArray();
  if (old.length === 0) return;
  for (const row of sql.exec<{ sid: string; lists: string }>(`SELECT sid, lists FROM subs`).toArray()) {
    let lists: { subOff?: string[]; subOn?: string[] } = {};
    try {
      lists = JSON.parse(row.lists) as typeof lists;
    } catch {
      continue;
    }
    const on = new Set(lists.subOn ?? []);
    for (const id of lists.subOff ?? []) sql.exec(`INSERT OR REPLACE INTO sub (sid, peer, online) VALUES (?, ?, ?)`, row.sid, id, on.has(id) ? 1 : 0);
  }
  sql.exec(`DROP TABLE subs`);
}
