// The relay data path for OPEN connections: transport messages are forwarded by rewriting the 36-byte
// ID slot IN PLACE to the sender's ID (the core owns the buffer it was given), to a local peer or
// through the cross-shard forwarder; a destination that is nowhere, a full send buffer or a failed send
// is a counted drop, never an error to the sender. Control messages (health echo, close, subscribe,
// unsubscribe) are decoded here; unknown/unsupported types and malformed or oversize messages close.
// The ID rewrite is the platform's "relay-frames" hot path (RelayState.frames, RelayCoreOptions.frames).
import { decodeMessage } from "./codec.ts";
import type { Rec } from "./core-record.ts";
import type { RelayState } from "./core-state.ts";
import { RelayDecodeError, RelayForwardError } from "./errors.ts";
import type { RelayDropReason } from "./errors.ts";
import { peerIdKeyAt } from "./peer-id.ts";
import * as P from "./protocol.ts";

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
  const dstKey = peerIdKeyAt(buf, P.TRANSPORT_ID_OFFSET);
  s.frames.swapPeerId(buf, rec.id);
  const f = s.forwarder;
  if (!f) {
    s.stats.drop("peer_not_found");
    return;
  }
  s.stats.forwardedOut++;
  try {
    const r = f.forward(dstKey, buf);
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
