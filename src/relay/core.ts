// The relay core: NetBird relay server semantics, event-driven and runtime-free. A runtime feeds it
// socket events — open(conn), message(conn, data), close(conn) — and it answers through RelayConn.send
// and RelayConn.close. No read loop, no awaits on the data path, so a Durable Object can drive it from
// webSocketMessage / webSocketClose, including right after waking from hibernation (restore()).
//
// This file is the public facade and the message dispatch; the work lives in:
//   core-state.ts   shared state, connection registry, fail/teardown
//   core-auth.ts    handshake (PENDING -> AUTHENTICATING -> OPEN), replacement, hibernation restore
//   core-data.ts    transport forwarding (in-place ID rewrite) and control messages
//   core-health.ts  health-check pings and timeouts
//   presence.ts     peer-state subscriptions
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
import { encodeClose } from "./codec.ts";
import type { RelayConn, RelayForwarder } from "./conn.ts";
import { authenticate, beginAuth, queueDuringAuth, restoreConn } from "./core-auth.ts";
import { forwardBurst, forwardTransport, handleControl, isTransport, sendTransport } from "./core-data.ts";
import { healthRound } from "./core-health.ts";
import { AUTHENTICATING, OPEN, PENDING } from "./core-record.ts";
import type { Rec, RelayCoreOptions } from "./core-record.ts";
import { RelayState } from "./core-state.ts";
import type { PeerIdString } from "./peer-id.ts";
import * as P from "./protocol.ts";
import type { RelayStats } from "./stats.ts";
import { EMPTY } from "../util/index.ts";

export type { RelayCoreOptions };

export class RelayCore {
  readonly stats: RelayStats;
  readonly instanceUrl: string;
  private readonly s: RelayState;
  private shuttingDown = false;

  constructor(opts: RelayCoreOptions) {
    this.instanceUrl = opts.instanceUrl;
    this.s = new RelayState(opts, (conn, data) => this.message(conn, data));
    this.stats = this.s.stats;
  }

  /** Installs (or removes) the cross-shard forwarder. */
  setForwarder(f: RelayForwarder | null): void {
    this.s.forwarder = f;
  }

  // ---- socket events -------------------------------------------------------------------------

  /** A new socket was accepted. Starts the auth deadline. */
  open(conn: RelayConn): void {
    if (this.s.recs.has(conn)) return;
    if (this.shuttingDown) {
      conn.close(P.CLOSE_GOING_AWAY, "shutting down");
      return;
    }
    conn.state.peer = null;
    conn.state.authAt = 0;
    beginAuth(this.s, conn);
  }

  /**
   * Re-registers a connection from its attachment (after hibernation): authenticated connections go
   * back into the peer table with their subscriptions, without an auth response or presence hooks;
   * pending ones get a fresh auth deadline. Of two connections with the same peer, the newer wins.
   */
  restore(conn: RelayConn): void {
    restoreConn(this.s, conn);
  }

  /** One WebSocket message. Strings are text frames (fatal). The core owns `data` afterwards. */
  message(conn: RelayConn, data: Uint8Array | ArrayBuffer | string): void {
    const rec = this.recFor(conn);
    if (!rec) return;
    if (typeof data === "string") return this.s.fail(rec, "text_frame", P.CLOSE_UNSUPPORTED_DATA, "text frames are not allowed");
    const buf = data instanceof Uint8Array ? data : new Uint8Array(data);
    if (rec.phase === OPEN) {
      if (isTransport(buf)) forwardTransport(this.s, rec, buf);
      else handleControl(this.s, rec, buf);
    } else if (rec.phase === PENDING) {
      authenticate(this.s, rec, buf);
    } else if (rec.phase === AUTHENTICATING) {
      queueDuringAuth(this.s, rec, buf);
    }
  }

  /**
   * WebSocket messages that arrived together (e.g. everything one socket read carried on Node): conns[i]
   * sent datas[i], for i < count. The same as message() for each, in order, except that runs of transport
   * messages from open connections are forwarded as bursts, one hot-path call per burst (core-data.ts).
   * A control message (or one from a connection that is not open) ends the run before it is handled, so
   * every connection's messages keep their order. The core owns every `datas[i]` afterwards.
   */
  messages(conns: readonly RelayConn[], datas: readonly (Uint8Array | ArrayBuffer | string)[], count = datas.length): void {
    const s = this.s;
    const { recs, bufs, max } = s.burst;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const conn = conns[i]!;
      const data = datas[i]!;
      const rec = this.recFor(conn);
      if (rec !== undefined && rec.phase === OPEN && typeof data !== "string") {
        const buf = data instanceof Uint8Array ? data : new Uint8Array(data);
        if (isTransport(buf)) {
          recs[n] = rec;
          bufs[n++] = buf;
          if (n === max) n = this.flushBurst(n);
          continue;
        }
      }
      if (n > 0) n = this.flushBurst(n);
      this.message(conn, data);
    }
    if (n > 0) this.flushBurst(n);
  }

  /** Forwards the collected run and clears the scratch (no references to old messages stay behind). */
  private flushBurst(n: number): 0 {
    const { recs, bufs } = this.s.burst;
    forwardBurst(this.s, recs, bufs, n);
    recs.fill(undefined as unknown as Rec, 0, n);
    bufs.fill(EMPTY, 0, n);
    return 0;
  }

  /** The socket closed (by the client or the network). */
  close(conn: RelayConn): void {
    const rec = this.recFor(conn);
    if (!rec) return;
    this.s.stats.close("transport_closed");
    this.s.teardown(rec, true);
    this.s.dead.add(conn); // a repeated close (error + close events) must not restore it from its attachment
  }

  // ---- cross-shard seams ---------------------------------------------------------------------

  /** A transport message forwarded from another shard/pod (ID slot already = source). */
  deliverForwarded(dst: PeerIdString, message: Uint8Array): boolean {
    const rec = this.s.peers.get(dst);
    this.s.stats.forwardedIn++;
    if (!rec) {
      this.s.stats.drop("forwarded_peer_gone");
      return false;
    }
    return sendTransport(this.s, rec, message);
  }

  /**
   * Same as deliverForwarded, with the destination given as its raw 36-byte ID at dst[dstOff..]
   * (a cross-shard batch carries it so, and no printable ID is built per packet).
   */
  deliverForwardedRaw(dst: Uint8Array, dstOff: number, message: Uint8Array): boolean {
    const rec = this.s.table.get(dst, dstOff);
    this.s.stats.forwardedIn++;
    if (!rec) {
      this.s.stats.drop("forwarded_peer_gone");
      return false;
    }
    return sendTransport(this.s, rec, message);
  }

  /** Peers came online elsewhere: fire local online interest (one-shot). */
  notifyRemoteOnline(ids: Iterable<PeerIdString>): void {
    for (const id of ids) this.s.presence.notifier.cameOnline(id);
  }

  /** Peers went offline elsewhere: fire local offline interest, unless the peer is connected here. */
  notifyRemoteOffline(ids: Iterable<PeerIdString>): void {
    for (const id of ids) if (!this.s.peers.has(id)) this.s.presence.notifier.wentOffline(id);
  }

  /** The peer connected elsewhere: close the local connection as replaced, without offline events. */
  evict(peerId: PeerIdString): boolean {
    const rec = this.s.peers.get(peerId);
    if (!rec) return false;
    this.s.removePeer(rec);
    this.s.fail(rec, "replaced", P.CLOSE_REPLACED, "peer connected elsewhere");
    return true;
  }

  // ---- queries -------------------------------------------------------------------------------

  has(peerId: PeerIdString): boolean {
    return this.s.peers.has(peerId);
  }
  get peerCount(): number {
    return this.s.peers.size;
  }
  /** Sockets known to the core, authenticated or not. */
  get connectionCount(): number {
    return this.s.recs.size;
  }
  peerIds(): PeerIdString[] {
    return [...this.s.peers.keys()];
  }
  /** Subscriptions held by all connections (bounded by maxSubscriptionsTotal). */
  get subscriptionCount(): number {
    return this.s.presence.notifier.size;
  }
  /** Peer IDs local connections are subscribed to (register these with a directory). */
  interestedIds(): PeerIdString[] {
    return this.s.presence.notifier.interestedIds();
  }
  /**
   * Active = transport traffic within IDLE_AFTER_MS (relay_peers_active / relay_peers_idle). Traffic is
   * sampled here (per-peer counters compared with the previous call), so call it at scrape time.
   */
  activity(): { active: number; idle: number } {
    const now = this.s.clock.now();
    let active = 0;
    for (const r of this.s.peers.values()) {
      if (r.tx !== r.txSeen) {
        r.txSeen = r.tx;
        r.lastActiveAt = now;
      }
      if (now - r.lastActiveAt < P.IDLE_AFTER_MS) active++;
    }
    return { active, idle: this.s.peers.size - active };
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * One health-check round for every authenticated connection: close those without an echo for
   * timeoutMs, ping the others. Runs on per-connection timers unless healthCheck is false, in which
   * case the runtime calls this every HEALTH_INTERVAL_MS.
   */
  healthTick(): void {
    for (const rec of [...this.s.peers.values()]) healthRound(this.s, rec);
  }

  /** Graceful shutdown: MSG_CLOSE to every peer, then close every socket. New opens are refused. */
  shutdown(): void {
    this.shuttingDown = true;
    const close = encodeClose();
    for (const rec of [...this.s.recs.values()]) {
      if (rec.phase === OPEN) this.s.trySend(rec, close);
      this.s.fail(rec, "shutdown", P.CLOSE_GOING_AWAY, "relay shutting down");
    }
  }

  private recFor(conn: RelayConn): Rec | undefined {
    const r = this.s.recs.get(conn);
    if (r || this.s.dead.has(conn)) return r;
    // Woken from hibernation without an explicit restore: rebuild from the attachment.
    restoreConn(this.s, conn);
    return this.s.recs.get(conn);
  }
}
