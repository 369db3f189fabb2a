// The relay core: NetBird relay server semantics, event-driven and runtime-free. A runtime feeds it
// socket events — open(conn), message(conn, data), close(conn) — and it answers through RelayConn.send
// and RelayConn.close. No read loop, no awaits on the data path, so a Durable Object can drive it from
// webSocketMessage / webSocketClose, including right after waking from hibernation (restore()).
//
// Invariants:
// - A connection is PENDING until its first message, which must be a valid auth message (<= 212 bytes)
//   within authTimeoutMs; every auth failure closes with no relay-level reply (only a WS close code).
// - At most one connection per peer ID: a newer authenticated connection replaces (closes) the older
//   one, counted as a reconnection; the replaced connection's close never reports the peer offline.
// - Transport messages are forwarded by rewriting the 36-byte ID slot IN PLACE to the sender's ID; the
//   core owns the buffer it was given. A destination that is nowhere is a counted drop, never an
//   error to the sender.
// - Unknown/unsupported types, bad versions, malformed or oversize messages and text frames close.
import type { Clock } from "../util/clock.ts";
import { systemClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { nullLogger } from "../util/logger.ts";
import type { RelayAuthenticator } from "./auth.ts";
import { decodeMessage, encodeAuthResponse, encodeClose, encodeHealthCheck } from "./codec.ts";
import type { RelayConn, RelayForwarder, RelayHooks } from "./conn.ts";
import { RelayDecodeError, RelayForwardError } from "./errors.ts";
import type { RelayDropReason } from "./errors.ts";
import { AUTHENTICATING, CLOSED, newRec, OPEN, PENDING } from "./core-record.ts";
import type { Rec, RelayCoreOptions } from "./core-record.ts";
import { PeerTable } from "./peer-table.ts";
import { Presence } from "./presence.ts";
import { peerIdFromString, peerIdKeyAt, peerIdToString } from "./peer-id.ts";
import type { PeerIdString } from "./peer-id.ts";
import * as P from "./protocol.ts";
import { RelayStats } from "./stats.ts";
import type { RelayCloseReason } from "./stats.ts";

const MAX_QUEUED_DURING_AUTH = 16;

export type { RelayCoreOptions };

export class RelayCore {
  readonly stats: RelayStats;
  readonly instanceUrl: string;
  private readonly auth: RelayAuthenticator;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly log: Logger;
  private forwarder: RelayForwarder | null;
  private readonly hooks: RelayHooks;
  private readonly health: { intervalMs: number; timeoutMs: number } | false;
  private readonly authTimeoutMs: number | false;
  private readonly maxBuffered: number;
  private readonly recs = new Map<RelayConn, Rec>();
  /** Authenticated peers by printable ID (API, hooks) and by raw ID bytes (forwarding hot path). */
  private readonly peers = new Map<PeerIdString, Rec>();
  private readonly table = new PeerTable<Rec>();
  private readonly dead = new WeakSet<RelayConn>();
  private readonly presence: Presence;
  private readonly authResponse: Uint8Array;
  private shuttingDown = false;

  constructor(opts: RelayCoreOptions) {
    this.instanceUrl = opts.instanceUrl;
    this.authResponse = encodeAuthResponse(opts.instanceUrl);
    this.auth = opts.auth;
    this.clock = opts.clock ?? systemClock;
    this.wallNow = opts.wallNow ?? Date.now;
    this.log = opts.logger ?? nullLogger;
    this.forwarder = opts.forwarder ?? null;
    this.hooks = opts.hooks ?? {};
    this.health = opts.healthCheck === undefined ? { intervalMs: P.HEALTH_INTERVAL_MS, timeoutMs: P.HEALTH_TIMEOUT_MS } : opts.healthCheck;
    this.authTimeoutMs = opts.authTimeoutMs === undefined ? P.AUTH_TIMEOUT_MS : opts.authTimeoutMs;
    this.maxBuffered = opts.maxBufferedBytes ?? 4 << 20;
    this.stats = opts.stats ?? new RelayStats();
    this.presence = new Presence({
      isLocal: (id) => this.peers.has(id),
      forwarder: () => this.forwarder,
      send: (rec, b) => this.trySend(rec, b),
      hooks: this.hooks,
    });
  }

  /** Installs (or removes) the cross-shard forwarder. */
  setForwarder(f: RelayForwarder | null): void {
    this.forwarder = f;
  }

  // ---- socket events -------------------------------------------------------------------------

  /** A new socket was accepted. Starts the auth deadline. */
  open(conn: RelayConn): void {
    if (this.recs.has(conn)) return;
    if (this.shuttingDown) {
      conn.close(P.CLOSE_GOING_AWAY, "shutting down");
      return;
    }
    conn.state.peer = null;
    conn.state.authAt = 0;
    this.pending(conn);
  }

  /**
   * Re-registers a connection from its attachment (after hibernation): authenticated connections go
   * back into the peer table with their subscriptions, without an auth response or presence hooks;
   * pending ones get a fresh auth deadline. Of two connections with the same peer, the newer wins.
   */
  restore(conn: RelayConn): void {
    if (this.recs.has(conn) || this.dead.has(conn)) return;
    const st = conn.state;
    if (!st.peer) {
      this.pending(conn);
      return;
    }
    let id: Uint8Array;
    try {
      id = peerIdFromString(st.peer);
    } catch {
      this.dead.add(conn);
      conn.close(P.CLOSE_PROTOCOL_ERROR, "bad attachment");
      return;
    }
    const rec = newRec(conn, this.clock.now(), OPEN);
    rec.key = st.peer;
    rec.id = id;
    const old = this.peers.get(rec.key);
    if (old && old.conn.state.authAt > st.authAt) {
      this.fail(rec, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
      return;
    }
    if (old) this.fail(old, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
    this.recs.set(conn, rec);
    this.addPeer(rec);
    this.presence.notifier.restore(rec, st.subOff ?? [], st.subOn ?? []);
    this.startHealth(rec);
  }

  /** One WebSocket message. Strings are text frames (fatal). The core owns `data` afterwards. */
  message(conn: RelayConn, data: Uint8Array | ArrayBuffer | string): void {
    const rec = this.recFor(conn);
    if (!rec) return;
    if (typeof data === "string") return this.fail(rec, "text_frame", P.CLOSE_UNSUPPORTED_DATA, "text frames are not allowed");
    const buf = data instanceof Uint8Array ? data : new Uint8Array(data);
    if (rec.phase === OPEN) {
      const n = buf.length;
      if (n >= P.TRANSPORT_PAYLOAD_OFFSET && n <= P.MAX_MSG_SIZE && buf[1] === P.MSG_TRANSPORT && buf[0] === P.PROTOCOL_VERSION) {
        this.transport(rec, buf);
      } else {
        this.control(rec, buf);
      }
    } else if (rec.phase === PENDING) {
      this.authenticate(rec, buf);
    } else if (rec.phase === AUTHENTICATING) {
      const q = (rec.queued ??= []);
      if (q.length >= MAX_QUEUED_DURING_AUTH) return this.fail(rec, "protocol_error", P.CLOSE_PROTOCOL_ERROR, "too many messages before auth response");
      q.push(buf);
    }
  }

  /** The socket closed (by the client or the network). */
  close(conn: RelayConn): void {
    const rec = this.recFor(conn);
    if (!rec) return;
    this.stats.close("transport_closed");
    this.teardown(rec, true);
    this.dead.add(conn); // a repeated close (error + close events) must not restore it from its attachment
  }

  // ---- cross-shard seams ---------------------------------------------------------------------

  /** A transport message forwarded from another shard/pod (ID slot already = source). */
  deliverForwarded(dst: PeerIdString, message: Uint8Array): boolean {
    const rec = this.peers.get(dst);
    this.stats.forwardedIn++;
    if (!rec) {
      this.stats.drop("forwarded_peer_gone");
      return false;
    }
    return this.sendTransport(rec, message);
  }

  /** Peers came online elsewhere: fire local online interest (one-shot). */
  notifyRemoteOnline(ids: Iterable<PeerIdString>): void {
    for (const id of ids) this.presence.notifier.cameOnline(id);
  }

  /** Peers went offline elsewhere: fire local offline interest, unless the peer is connected here. */
  notifyRemoteOffline(ids: Iterable<PeerIdString>): void {
    for (const id of ids) if (!this.peers.has(id)) this.presence.notifier.wentOffline(id);
  }

  /** The peer connected elsewhere: close the local connection as replaced, without offline events. */
  evict(peerId: PeerIdString): boolean {
    const rec = this.peers.get(peerId);
    if (!rec) return false;
    this.removePeer(rec);
    this.fail(rec, "replaced", P.CLOSE_REPLACED, "peer connected elsewhere");
    return true;
  }

  // ---- queries -------------------------------------------------------------------------------

  has(peerId: PeerIdString): boolean {
    return this.peers.has(peerId);
  }
  get peerCount(): number {
    return this.peers.size;
  }
  /** Sockets known to the core, authenticated or not. */
  get connectionCount(): number {
    return this.recs.size;
  }
  peerIds(): PeerIdString[] {
    return [...this.peers.keys()];
  }
  /** Peer IDs local connections are subscribed to (register these with a directory). */
  interestedIds(): PeerIdString[] {
    return this.presence.notifier.interestedIds();
  }
  /**
   * Active = transport traffic within IDLE_AFTER_MS (relay_peers_active / relay_peers_idle). Traffic is
   * sampled here (per-peer counters compared with the previous call), so call it at scrape time.
   */
  activity(): { active: number; idle: number } {
    const now = this.clock.now();
    let active = 0;
    for (const r of this.peers.values()) {
      if (r.tx !== r.txSeen) {
        r.txSeen = r.tx;
        r.lastActiveAt = now;
      }
      if (now - r.lastActiveAt < P.IDLE_AFTER_MS) active++;
    }
    return { active, idle: this.peers.size - active };
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * One health-check round for every authenticated connection: close those without an echo for
   * timeoutMs, ping the others. Runs on per-connection timers unless healthCheck is false, in which
   * case the runtime calls this every HEALTH_INTERVAL_MS.
   */
  healthTick(): void {
    for (const rec of [...this.peers.values()]) this.healthRound(rec);
  }

  /** Graceful shutdown: MSG_CLOSE to every peer, then close every socket. New opens are refused. */
  shutdown(): void {
    this.shuttingDown = true;
    const close = encodeClose();
    for (const rec of [...this.recs.values()]) {
      if (rec.phase === OPEN) this.trySend(rec, close);
      this.fail(rec, "shutdown", P.CLOSE_GOING_AWAY, "relay shutting down");
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private pending(conn: RelayConn): void {
    const rec = newRec(conn, this.clock.now(), PENDING);
    this.recs.set(conn, rec);
    if (this.authTimeoutMs !== false) {
      rec.authTimer = this.clock.setTimeout(() => {
        rec.authTimer = undefined;
        if (rec.phase === PENDING || rec.phase === AUTHENTICATING) this.fail(rec, "auth_timeout", P.CLOSE_POLICY_VIOLATION, "auth timeout");
      }, this.authTimeoutMs);
    }
  }

  private recFor(conn: RelayConn): Rec | undefined {
    const r = this.recs.get(conn);
    if (r || this.dead.has(conn)) return r;
    // Woken from hibernation without an explicit restore: rebuild from the attachment.
    this.restore(conn);
    return this.recs.get(conn);
  }

  private authenticate(rec: Rec, buf: Uint8Array): void {
    if (buf.length > P.MAX_AUTH_MSG_SIZE) return this.fail(rec, "oversize", P.CLOSE_TOO_BIG, "auth message too large");
    let m;
    try {
      m = decodeMessage(buf, P.MAX_AUTH_MSG_SIZE);
    } catch (e) {
      return this.fail(rec, "not_auth", P.CLOSE_POLICY_VIOLATION, e instanceof Error ? e.message : "bad first message");
    }
    if (m.type !== "auth") return this.fail(rec, "not_auth", P.CLOSE_POLICY_VIOLATION, "first message must be auth");
    rec.phase = AUTHENTICATING;
    const id = m.peerId.slice();
    const t0 = this.clock.now();
    let p: Promise<void>;
    try {
      p = this.auth.validate(m.token);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => this.authenticated(rec, id, t0),
      (e: unknown) => {
        if (rec.phase !== AUTHENTICATING) return;
        this.log.debug({ err: e instanceof Error ? e.message : String(e) }, "relay auth rejected");
        this.fail(rec, "auth_failed", P.CLOSE_POLICY_VIOLATION, "authentication failed");
      },
    );
  }

  private authenticated(rec: Rec, id: Uint8Array, t0: number): void {
    if (rec.phase !== AUTHENTICATING) return;
    this.clearTimer(rec, "authTimer");
    this.stats.authTime(this.clock.now() - t0);
    this.stats.authOk++;
    rec.phase = OPEN;
    rec.id = id;
    rec.key = peerIdToString(id);
    const old = this.peers.get(rec.key);
    if (old) {
      this.stats.reconnections++;
      this.removePeer(old);
      this.fail(old, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
    }
    this.addPeer(rec);
    rec.conn.state.peer = rec.key;
    rec.conn.state.authAt = this.wallNow();
    this.hooks.onStateChange?.(rec.conn);
    this.log.debug({ peer: rec.key, replaced: old !== undefined }, "relay peer authenticated");
    this.presence.notifier.cameOnline(rec.key);
    this.hooks.onPeerOnline?.(rec.key);
    this.trySend(rec, this.authResponse);
    this.startHealth(rec);
    const q = rec.queued;
    rec.queued = undefined;
    if (q) for (const b of q) this.message(rec.conn, b);
  }

  private transport(rec: Rec, buf: Uint8Array): void {
    this.stats.receivedBytes += buf.length;
    this.stats.receivedPackets++;
    rec.tx++;
    const dst = this.table.get(buf, P.TRANSPORT_ID_OFFSET);
    if (dst) {
      buf.set(rec.id, P.TRANSPORT_ID_OFFSET); // the ID slot now says "from"
      this.sendTransport(dst, buf);
      return;
    }
    const dstKey = peerIdKeyAt(buf, P.TRANSPORT_ID_OFFSET);
    buf.set(rec.id, P.TRANSPORT_ID_OFFSET);
    const f = this.forwarder;
    if (!f) {
      this.stats.drop("peer_not_found");
      return;
    }
    this.stats.forwardedOut++;
    try {
      const r = f.forward(dstKey, buf);
      if (r) r.then(undefined, (e: unknown) => this.forwardFailed(e));
    } catch (e) {
      this.forwardFailed(e);
    }
  }

  private forwardFailed(e: unknown): void {
    const reason: RelayDropReason = e instanceof RelayForwardError ? e.reason : "forward_error";
    this.stats.drop(reason);
  }

  private sendTransport(dst: Rec, buf: Uint8Array): boolean {
    const b = dst.conn.bufferedAmount;
    if (b !== undefined && b > this.maxBuffered) {
      this.stats.drop("backpressure");
      return false;
    }
    try {
      dst.conn.send(buf);
    } catch {
      this.stats.drop("send_failed");
      return false;
    }
    this.stats.sentBytes += buf.length;
    this.stats.sentPackets++;
    dst.tx++;
    return true;
  }

  private control(rec: Rec, buf: Uint8Array): void {
    let m;
    try {
      m = decodeMessage(buf);
    } catch (e) {
      const r = e instanceof RelayDecodeError ? e.reason : "truncated";
      if (r === "oversize") return this.fail(rec, "oversize", P.CLOSE_TOO_BIG, "message too large");
      if (r === "unknown-type" || r === "unsupported-type") return this.fail(rec, "unknown_type", P.CLOSE_PROTOCOL_ERROR, "unknown message type");
      return this.fail(rec, "protocol_error", P.CLOSE_PROTOCOL_ERROR, "malformed message");
    }
    switch (m.type) {
      case "transport": // reached only for messages the fast path did not take (already validated here)
        return this.transport(rec, buf);
      case "healthCheck":
        rec.lastEchoAt = this.clock.now();
        return;
      case "close":
        this.stats.close("client_close");
        this.teardown(rec, true);
        this.dead.add(rec.conn);
        try {
          rec.conn.close(P.CLOSE_NORMAL, "closed by peer");
        } catch {
          /* already gone */
        }
        return;
      case "subscribe":
        return this.presence.subscribe(rec, m.peerIds.map((id) => peerIdKeyAt(id, 0)));
      case "unsubscribe":
        return this.presence.unsubscribe(rec, m.peerIds.map((id) => peerIdKeyAt(id, 0)));
      default:
        return this.fail(rec, "unknown_type", P.CLOSE_PROTOCOL_ERROR, `unexpected ${m.type} from a client`);
    }
  }

  private startHealth(rec: Rec): void {
    rec.lastEchoAt = this.clock.now();
    if (!this.health) return;
    const { intervalMs } = this.health;
    const tick = () => {
      rec.hcTimer = undefined;
      if (rec.phase !== OPEN) return;
      if (this.healthRound(rec)) rec.hcTimer = this.clock.setTimeout(tick, intervalMs);
    };
    rec.hcTimer = this.clock.setTimeout(tick, intervalMs);
  }

  /** Returns false when the connection was closed for missing echoes. */
  private healthRound(rec: Rec): boolean {
    const timeout = this.health ? this.health.timeoutMs : P.HEALTH_TIMEOUT_MS;
    if (this.clock.now() - rec.lastEchoAt > timeout) {
      this.fail(rec, "health_timeout", P.CLOSE_HEALTH_TIMEOUT, "health check timeout");
      return false;
    }
    this.trySend(rec, HEALTH_CHECK);
    return true;
  }

  private trySend(rec: Rec, b: Uint8Array): void {
    try {
      rec.conn.send(b);
    } catch {
      /* the close event will follow */
    }
  }

  /** Closes a connection for `reason` (no relay-level reply) and forgets it. */
  private fail(rec: Rec, reason: RelayCloseReason, code: number, text: string): void {
    this.stats.close(reason);
    if (reason !== "replaced" && reason !== "shutdown") this.log.debug({ peer: rec.key || undefined, reason }, "relay connection closed");
    this.teardown(rec, reason !== "replaced");
    this.dead.add(rec.conn);
    try {
      rec.conn.close(code, text);
    } catch {
      /* already gone */
    }
  }

  private teardown(rec: Rec, reportOffline: boolean): void {
    if (rec.phase === CLOSED) return;
    rec.phase = CLOSED;
    rec.queued = undefined;
    this.clearTimer(rec, "authTimer");
    this.clearTimer(rec, "hcTimer");
    if (this.recs.get(rec.conn) === rec) this.recs.delete(rec.conn);
    this.presence.notifier.remove(rec);
    if (rec.key && this.peers.get(rec.key) === rec) {
      this.removePeer(rec);
      if (reportOffline) {
        this.presence.notifier.wentOffline(rec.key);
        this.hooks.onPeerOffline?.(rec.key);
      }
    }
  }

  private addPeer(rec: Rec): void {
    this.peers.set(rec.key, rec);
    this.table.add(rec);
  }

  private removePeer(rec: Rec): void {
    if (this.peers.get(rec.key) === rec) this.peers.delete(rec.key);
    this.table.delete(rec);
  }

  private clearTimer(rec: Rec, k: "authTimer" | "hcTimer"): void {
    const t = rec[k];
    if (t !== undefined) {
      this.clock.clearTimeout(t);
      rec[k] = undefined;
    }
  }
}

const HEALTH_CHECK = encodeHealthCheck();
