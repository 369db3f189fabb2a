// RelayCore's shared state and connection bookkeeping, used by the handshake (core-auth.ts), the data
// path (core-data.ts) and health checks (core-health.ts). Internal: not exported from index.ts.
//
// Invariants guarded here:
// - `recs` holds every live connection (pending or authenticated); `peers` and `table` hold exactly the
//   authenticated ones, at most one record per peer ID (the printable key and the raw-ID index agree).
// - A connection that was failed or closed goes into `dead`, so a late event (error + close, or a
//   message after close) never restores it from its attachment.
// - teardown() runs once per record; it reports the peer offline only when asked (never for a
//   replaced connection).
import type { Clock } from "../util/index.ts";
import { systemClock } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import { nullLogger } from "../util/index.ts";
import { tsRelayFrames, type RelayFrames } from "../hotpath/index.ts";
import type { RelayAuthenticator } from "./auth.ts";
import { encodeAuthResponse } from "./codec.ts";
import type { RelayConn, RelayForwarder, RelayHooks } from "./conn.ts";
import { CLOSED } from "./core-record.ts";
import type { Rec, RelayCoreOptions } from "./core-record.ts";
import { PeerTable } from "./peer-table.ts";
import type { PeerIdString } from "./peer-id.ts";
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_PEER, DEFAULT_MAX_SUBSCRIPTIONS_TOTAL, Presence } from "./presence.ts";
import * as P from "./protocol.ts";
import { RelayStats } from "./stats.ts";
import type { RelayCloseReason } from "./stats.ts";

/** Largest burst handed to the hot path in one call (a Wasm hot path's pairs window holds at least 256). */
const BURST_MAX = 256;

/** Per-burst scratch: the transport messages of one burst, their senders, destinations and sender IDs. */
export interface Burst {
  /** Largest burst handed to the hot path in one call (its results window). */
  readonly max: number;
  readonly recs: Rec[];
  readonly bufs: Uint8Array[];
  readonly dsts: (Rec | undefined)[];
  readonly ids: Uint8Array[];
  /** Raw destination IDs of messages no local peer takes (36 bytes at 36 i), saved before the swap. */
  readonly away: Uint8Array;
}

function newBurst(max: number): Burst {
  return { max, recs: [], bufs: [], dsts: [], ids: [], away: new Uint8Array(36 * max) };
}

export class RelayState {
  readonly stats: RelayStats;
  readonly auth: RelayAuthenticator;
  readonly clock: Clock;
  readonly wallNow: () => number;
  readonly log: Logger;
  forwarder: RelayForwarder | null;
  readonly hooks: RelayHooks;
  readonly health: { intervalMs: number; timeoutMs: number } | false;
  readonly authTimeoutMs: number | false;
  readonly maxBuffered: number;
  /** The data path's header check and peer-ID swap (the platform's "relay-frames" hot path). */
  readonly frames: RelayFrames;
  readonly authResponse: Uint8Array;
  readonly recs = new Map<RelayConn, Rec>();
  /** Authenticated peers by printable ID (API, hooks) and by raw ID bytes (forwarding hot path). */
  readonly peers = new Map<PeerIdString, Rec>();
  readonly table = new PeerTable<Rec>();
  readonly dead = new WeakSet<RelayConn>();
  readonly presence: Presence;
  /** Scratch of the burst data path (core-data.ts forwardBurst), reused from burst to burst. */
  readonly burst: Burst;
  /** Feeds a message through the core's dispatch (messages queued during auth are replayed with it). */
  readonly dispatch: (conn: RelayConn, data: Uint8Array) => void;

  constructor(opts: RelayCoreOptions, dispatch: (conn: RelayConn, data: Uint8Array) => void) {
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
    this.frames = opts.frames ?? tsRelayFrames;
    this.dispatch = dispatch;
    this.burst = newBurst(BURST_MAX);
    this.presence = new Presence({
      isLocal: (id) => this.peers.has(id),
      forwarder: () => this.forwarder,
      send: (rec, b) => this.trySend(rec, b),
      hooks: this.hooks,
      perPeer: opts.maxSubscriptionsPerPeer ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_PEER,
      total: opts.maxSubscriptionsTotal ?? DEFAULT_MAX_SUBSCRIPTIONS_TOTAL,
      refused: (rec, n) => {
        this.stats.subscriptionsRefused += n;
        this.log.warn({ peer: rec.key, refused: n, held: rec.subOff.size }, "subscriptions refused: per-peer or total cap reached");
      },
      log: this.log,
    });
  }

  trySend(rec: Rec, b: Uint8Array): void {
    try {
      rec.conn.send(b);
    } catch {
      /* the close event will follow */
    }
  }

  /** Closes a connection for `reason` (no relay-level reply) and forgets it. */
  fail(rec: Rec, reason: RelayCloseReason, code: number, text: string): void {
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

  teardown(rec: Rec, reportOffline: boolean): void {
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

  addPeer(rec: Rec): void {
    this.peers.set(rec.key, rec);
    this.table.add(rec);
  }

  removePeer(rec: Rec): void {
    if (this.peers.get(rec.key) === rec) this.peers.delete(rec.key);
    this.table.delete(rec);
  }

  clearTimer(rec: Rec, k: "authTimer" | "hcTimer"): void {
    const t = rec[k];
    if (t !== undefined) {
      this.clock.clearTimeout(t);
      rec[k] = undefined;
    }
  }
}
