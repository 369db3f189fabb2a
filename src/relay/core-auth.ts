// The relay handshake: a connection is PENDING until its first message, which must be a valid auth
// message (<= 212 bytes) within authTimeoutMs; while the token is validated (AUTHENTICATING) up to
// MAX_QUEUED_DURING_AUTH later messages are queued and replayed once it is OPEN. Every auth failure
// closes with no relay-level reply (only a WS close code). A newer authenticated connection for the same
// peer ID replaces the older one (counted as a reconnection, no offline event). Also rebuilds
// connections from their attachment after hibernation (restoreConn).
import { decodeMessage } from "./codec.ts";
import type { RelayConn } from "./conn.ts";
import { startHealth } from "./core-health.ts";
import { AUTHENTICATING, newRec, OPEN, PENDING } from "./core-record.ts";
import type { Rec } from "./core-record.ts";
import type { RelayState } from "./core-state.ts";
import { peerIdFromString, peerIdToString } from "./peer-id.ts";
import * as P from "./protocol.ts";

const MAX_QUEUED_DURING_AUTH = 16;

/** Registers a new (or unauthenticated restored) connection and starts its auth deadline. */
export function beginAuth(s: RelayState, conn: RelayConn): void {
  const rec = newRec(conn, s.clock.now(), PENDING);
  s.recs.set(conn, rec);
  if (s.authTimeoutMs !== false) {
    rec.authTimer = s.clock.setTimeout(() => {
      rec.authTimer = undefined;
      if (rec.phase === PENDING || rec.phase === AUTHENTICATING) s.fail(rec, "auth_timeout", P.CLOSE_POLICY_VIOLATION, "auth timeout");
    }, s.authTimeoutMs);
  }
}

/** The first message of a PENDING connection. */
export function authenticate(s: RelayState, rec: Rec, buf: Uint8Array): void {
  if (buf.length > P.MAX_AUTH_MSG_SIZE) return s.fail(rec, "oversize", P.CLOSE_TOO_BIG, "auth message too large");
  let m;
  try {
    m = decodeMessage(buf, P.MAX_AUTH_MSG_SIZE);
  } catch (e) {
    return s.fail(rec, "not_auth", P.CLOSE_POLICY_VIOLATION, e instanceof Error ? e.message : "bad first message");
  }
  if (m.type !== "auth") return s.fail(rec, "not_auth", P.CLOSE_POLICY_VIOLATION, "first message must be auth");
  rec.phase = AUTHENTICATING;
  const id = m.peerId.slice();
  const t0 = s.clock.now();
  let p: Promise<void>;
  try {
    p = s.auth.validate(m.token, id);
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(
    () => authenticated(s, rec, id, t0),
    (e: unknown) => {
      if (rec.phase !== AUTHENTICATING) return;
      s.log.debug({ err: e instanceof Error ? e.message : String(e) }, "relay auth rejected");
      s.fail(rec, "auth_failed", P.CLOSE_POLICY_VIOLATION, "authentication failed");
    },
  );
}

/** A message that arrived while the token was being validated. */
export function queueDuringAuth(s: RelayState, rec: Rec, buf: Uint8Array): void {
  const q = (rec.queued ??= []);
  if (q.length >= MAX_QUEUED_DURING_AUTH) return s.fail(rec, "protocol_error", P.CLOSE_PROTOCOL_ERROR, "too many messages before auth response");
  q.push(buf);
}

function authenticated(s: RelayState, rec: Rec, id: Uint8Array, t0: number): void {
  if (rec.phase !== AUTHENTICATING) return;
  s.clearTimer(rec, "authTimer");
  s.stats.authTime(s.clock.now() - t0);
  s.stats.authOk++;
  rec.phase = OPEN;
  rec.id = id;
  rec.key = peerIdToString(id);
  const old = s.peers.get(rec.key);
  if (old) {
    s.stats.reconnections++;
    s.removePeer(old);
    s.fail(old, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
  }
  s.addPeer(rec);
  rec.conn.state.peer = rec.key;
  rec.conn.state.authAt = s.wallNow();
  s.hooks.onStateChange?.(rec.conn);
  s.log.debug({ peer: rec.key, replaced: old !== undefined }, "relay peer authenticated");
  s.presence.notifier.cameOnline(rec.key);
  s.hooks.onPeerOnline?.(rec.key);
  s.trySend(rec, s.authResponse);
  startHealth(s, rec);
  const q = rec.queued;
  rec.queued = undefined;
  if (q) for (const b of q) s.dispatch(rec.conn, b);
}

/**
 * Re-registers a connection from its attachment (after hibernation): authenticated connections go
 * back into the peer table with their subscriptions, without an auth response or presence hooks;
 * pending ones get a fresh auth deadline. Of two connections with the same peer, the newer wins.
 */
export function restoreConn(s: RelayState, conn: RelayConn): void {
  if (s.recs.has(conn) || s.dead.has(conn)) return;
  const st = conn.state;
  if (!st.peer) {
    beginAuth(s, conn);
    return;
  }
  let id: Uint8Array;
  try {
    id = peerIdFromString(st.peer);
  } catch {
    s.dead.add(conn);
    conn.close(P.CLOSE_PROTOCOL_ERROR, "bad attachment");
    return;
  }
  const rec = newRec(conn, s.clock.now(), OPEN);
  rec.key = st.peer;
  rec.id = id;
  const old = s.peers.get(rec.key);
  if (old && old.conn.state.authAt > st.authAt) {
    s.fail(rec, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
    return;
  }
  if (old) s.fail(old, "replaced", P.CLOSE_REPLACED, "replaced by a newer connection");
  s.recs.set(conn, rec);
  s.addPeer(rec);
  s.presence.notifier.restore(rec, st.subOff ?? [], st.subOn ?? []);
  startHealth(s, rec);
}
