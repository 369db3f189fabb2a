// The relay core's view of one client connection, and the seams around the core: the cross-shard
// forwarder (openZro CrossPodForwarder) and presence/state hooks. Runtimes adapt their sockets to
// RelayConn: a `ws` WebSocket on Node, a hibernatable WebSocket in a Durable Object.
import type { PeerIdString } from "./peer-id.ts";

/**
 * Serialisable per-connection state. The core mutates it in place and calls `hooks.onStateChange(conn)`
 * whenever it changed, so a Durable Object can `ws.serializeAttachment(conn.state)` and, after waking
 * from hibernation, rebuild its tables with `core.restore(conn)` for each of `ctx.getWebSockets()`.
 * Subscriptions are NOT kept here (they can be thousands of IDs): the core reports them as deltas
 * through `hooks.onSubscriptions`, and a runtime that persists them fills subOff / subOn before restore().
 */
export interface RelayConnState {
  /** Printable peer ID once authenticated; null while waiting for auth. */
  peer: PeerIdString | null;
  /** Wall-clock ms of successful authentication (restore keeps the newest connection per peer). */
  authAt: number;
  /** Restore input: subscribed peers (offline interest; persists until unsubscribe). */
  subOff?: PeerIdString[];
  /** Restore input: subscribed peers whose one-shot online notification has not fired yet. */
  subOn?: PeerIdString[];
}

export function newConnState(): RelayConnState {
  return { peer: null, authAt: 0 };
}

export interface RelayConn {
  /** Sends one binary WebSocket message. May throw if the socket is gone (the core counts a drop). */
  send(bytes: Uint8Array): void;
  /** Closes the socket (the core never expects a close callback for its own closes, but tolerates one). */
  close(code?: number, reason?: string): void;
  /** Attachment; see RelayConnState. */
  state: RelayConnState;
  /** Optional: bytes queued but not yet written. Transport packets are dropped past the core's limit. */
  readonly bufferedAmount?: number;
}

/**
 * Cross-shard / cross-pod seam (openZro CrossPodForwarder). Called on a local peer-store miss.
 * `forward` receives the complete transport message whose ID slot ALREADY holds the sender's ID; the
 * receiving side hands it to `RelayCore.deliverForwarded(dst, message)` unchanged. The core never awaits
 * it (the sender is not blocked) and never reuses `message` afterwards, so the forwarder may keep and batch
 * it. To report a drop, reject (or throw) with RelayForwardError(reason); any other error counts as
 * "forward_error".
 */
export interface RelayForwarder {
  /** Where is this peer connected (shard / pod name), or null when nowhere. Used for subscriptions. */
  locate(peerId: PeerIdString): Promise<string | null>;
  forward(dstPeerId: PeerIdString, message: Uint8Array): void | Promise<void>;
  /**
   * Optional fast path of forward(), which the data path prefers when present: the destination is the
   * raw 36-byte ID at dst[dstOff..dstOff+36) (core scratch: copy what must outlive the call), so no
   * printable ID is built per packet. Otherwise the same contract as forward().
   */
  forwardRaw?(dst: Uint8Array, dstOff: number, message: Uint8Array): void | Promise<void>;
}

/** Presence and state hooks (directory updates, cross-shard subscriptions, attachments). */
export interface RelayHooks {
  /** A peer authenticated here (also after replacing an older connection of the same peer). */
  onPeerOnline?(peerId: PeerIdString): void;
  /** A peer's current connection here closed (not called for replaced connections or evictions). */
  onPeerOffline?(peerId: PeerIdString): void;
  /**
   * The set of peer IDs that local connections are subscribed to changed: `added` gained their first
   * local subscriber, `removed` lost their last. A shard registers these with its directory so that
   * other shards call `notifyRemoteOnline` / `notifyRemoteOffline` here.
   */
  onInterest?(added: PeerIdString[], removed: PeerIdString[]): void;
  /** conn.state changed (persist the attachment). */
  onStateChange?(conn: RelayConn): void;
  /**
   * The connection's subscriptions changed, as a delta: "subscribe" (IDs subscribed, online interest
   * armed), "unsubscribe" (IDs dropped), "fired" (one-shot online interest consumed; still subscribed).
   * Called only for the IDs concerned (O(message), never the whole set). Not called at close: a closed
   * connection's subscriptions are all gone.
   */
  onSubscriptions?(conn: RelayConn, op: "subscribe" | "unsubscribe" | "fired", ids: PeerIdString[]): void;
}
