// The relay data path for OPEN connections: transport messages are forwarded by rewriting the 36-byte
// ID slot IN PLACE to the sender's ID (the core owns the buffer it was given), to a local peer or
// through the cross-shard forwarder; a destination that is nowhere, a full send buffer or a failed send
// is a counted drop, never an error to the sender. Control messages (health echo, close, subscribe,
// unsubscribe) are decoded here; unknown/unsupported types and malformed or oversize messages close.
// The ID rewrite is the platform's "relay-frames" hot path (RelayState.frames, RelayCoreOptions.frames).
//
// Two entries, same effect per message: forwardTransport (one message per call: a Durable Object's
// webSocketMessage) and forwardBurst (the transport messages that arrived together, e.g. everything one
// socket read on Node carried: one hot-path call checks their headers and swaps their ID slots).
// Destinations are looked up from the raw ID slot BEFORE the swap overwrites it.
import type { Rec } from "./core-record.ts";
import type { RelayState } from "./core-state.ts";
import { decodeMessage } from "./codec.ts";
import { RelayDecodeError, RelayForwardError } from "./errors.ts";
import type { RelayDropReason } from "./errors.ts";
import { peerIdKeyAt } from "./peer-id.ts";
import * as P from "./protocol.ts";

/** Version 1, type transport, size within limits: the data path's own check before it takes a message. */
export function isTransport(buf: Uint8Array): boolean {
  const n = buf.length;
  return n >= P.TRANSPORT_PAYLOAD_OFFSET && n <= P.MAX_MSG_SIZE && buf[1] === P.MSG_TRANSPORT && buf[0] === P.PROTOCOL_VERSION;
}

/** A transport message from `rec` (already validated: version, type, size). */
export function forwardTransport(s: RelayState, rec: Rec, buf: Uint8Array): void {
  s.stats.receivedBytes += buf.length;
  s.stats.receivedPackets++;
  rec.tx++;
  const dst = s.table.get(buf, P.TRANSPORT_ID_OFFSET);
  if (dst) {
    s.frames.swapPeerId(buf, rec.id); // the ID slot now says "from"
    sendTransport(s, dst, buf);
    return;
  }
  const away = s.burst.away;
  const raw = saveDestination(s, buf, away, 0);
  s.frames.swapPeerId(buf, rec.id);
  forwardAway(s, raw, away, 0, buf);
}

/**
 * Keeps the destination of a message no local peer takes before the swap overwrites it: its raw bytes
 * at away[off..off+36) when the forwarder takes raw IDs (returns ""), else its printable form.
 */
function saveDestination(s: RelayState, buf: Uint8Array, away: Uint8Array, off: number): string {
  const f = s.forwarder;
  if (!f) return "";
  if (!f.forwardRaw) return peerIdKeyAt(buf, P.TRANSPORT_ID_OFFSET);
  for (let i = 0; i < P.PEER_ID_SIZE; i++) away[off + i] = buf[P.TRANSPORT_ID_OFFSET + i]!;
  return "";
}

/**
 * Transport messages that arrived together: bufs[i] from recs[i], each already checked by isTransport,
 * all from OPEN connections (n <= s.burst.max). Same effect as forwardTransport on each, in order, with
 * one hot-path call for all the peer-ID swaps. The arrays are the caller's scratch: this reads the first
 * n entries and leaves them for the caller to clear.
 */
export function forwardBurst(s: RelayState, recs: readonly Rec[], bufs: readonly Uint8Array[], n: number): void {
  const { dsts, ids, away } = s.burst;
  const st = s.stats;
  const table = s.table;
  let keys: string[] | undefined;
  for (let i = 0; i < n; i++) {
    const rec = recs[i]!;
    const buf = bufs[i]!;
    st.receivedBytes += buf.length;
    st.receivedPackets++;
    rec.tx++;
    ids[i] = rec.id;
    const dst = table.get(buf, P.TRANSPORT_ID_OFFSET);
    dsts[i] = dst;
    if (!dst && s.forwarder) (keys ??= [])[i] = saveDestination(s, buf, away, P.PEER_ID_SIZE * i);
  }
  s.frames.swapPeerIdBurst(bufs, ids, n); // every ID slot now says "from"
  for (let i = 0; i < n; i++) {
    const dst = dsts[i];
    if (dst) sendTransport(s, dst, bufs[i]!);
    else forwardAway(s, keys?.[i] ?? "", away, P.PEER_ID_SIZE * i, bufs[i]!);
    dsts[i] = undefined;
    ids[i] = EMPTY_ID;
  }
}
const EMPTY_ID = new Uint8Array(0);

/**
 * A message (ID slot = source) whose destination is not connected here: to the forwarder (by the raw ID
 * saved at away[off..] when it takes raw IDs, else by dstKey), or a drop.
 */
function forwardAway(s: RelayState, dstKey: string, away: Uint8Array, off: number, buf: Uint8Array): void {
  const f = s.forwarder;
  if (!f) {
    s.stats.drop("peer_not_found");
    return;
  }
  s.stats.forwardedOut++;
  try {
    const r = f.forwardRaw ? f.forwardRaw(away, off, buf) : f.forward(dstKey, buf);
    if (r) r.then(undefined, (e: unknown) => forwardFailed(s, e));
  } catch (e) {
    forwardFailed(s, e);
  }
}

function forwardFailed(s: RelayState, e: unknown): void {
  const reason: RelayDropReason = e instanceof RelayForwardError ? e.reason : "forward_error";
  s.stats.drop(reason);
}

/** Sends a transport message (ID slot = source) to a local peer, unless its send buffer is full. */
export function sendTransport(s: RelayState, dst: Rec, buf: Uint8Array): boolean {
  const b = dst.conn.bufferedAmount;
  if (b !== undefined && b > s.maxBuffered) {
    s.stats.drop("backpressure");
    return false;
  }
  try {
    dst.conn.send(buf);
  } catch {
    s.stats.drop("send_failed");
    return false;
  }
  s.stats.sentBytes += buf.length;
  s.stats.sentPackets++;
  dst.tx++;
  return true;
}

/** Any message from an OPEN connection that the transport fast path did not take. */
export function handleControl(s: RelayState, rec: Rec, buf: Uint8Array): void {
  let m;
  try {
    m = decodeMessage(buf);
  } catch (e) {
    const r = e instanceof RelayDecodeError ? e.reason : "truncated";
    if (r === "oversize") return s.fail(rec, "oversize", P.CLOSE_TOO_BIG, "message too large");
    if (r === "unknown-type" || r === "unsupported-type") return s.fail(rec, "unknown_type", P.CLOSE_PROTOCOL_ERROR, "unknown message type");
    return s.fail(rec, "protocol_error", P.CLOSE_PROTOCOL_ERROR, "malformed message");
  }
  switch (m.type) {
    case "transport": // reached only for messages the fast path did not take (already validated here)
      return forwardTransport(s, rec, buf);
    case "healthCheck":
      rec.lastEchoAt = s.clock.now();
      return;
    case "close":
      s.stats.close("client_close");
      s.teardown(rec, true);
      s.dead.add(rec.conn);
      try {
        rec.conn.close(P.CLOSE_NORMAL, "closed by peer");
      } catch {
        /* already gone */
      }
      return;
    case "subscribe":
      return s.presence.subscribe(rec, m.peerIds.map((id) => peerIdKeyAt(id, 0)));
    case "unsubscribe":
      return s.presence.unsubscribe(rec, m.peerIds.map((id) => peerIdKeyAt(id, 0)));
    default:
      return s.fail(rec, "unknown_type", P.CLOSE_PROTOCOL_ERROR, `unexpected ${m.type} from a client`);
  }
}
