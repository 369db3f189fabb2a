// Wire constants of the openZro-compatible relay cluster fabric (openZro ADR-0014 as implemented in
// relay/server/cluster; docs/protocols/relay-fabric.md). ONE place for every number of this protocol.
//
// !!! Numbers here are only ever APPENDED. Never renumber or reuse a frame type, a HELLO version or a
// !!! presence state: pods of different versions (and upstream openZro pods) share one fabric.
//
// Stream: plain TCP, one long-lived stream per pod pair. Every frame:
//   [type u8][payload_len u16 BE][payload: payload_len bytes]        (3-byte header, payload <= 65535)
// Byte order is big-endian everywhere. Unknown frame types are skipped (forward compatible).
import { PEER_ID_SIZE } from "../protocol.ts";

/** Frame header: type (1) + payload length u16 BE (2). */
export const FRAME_HEADER_SIZE = 3;
export const MAX_FRAME_PAYLOAD = 0xffff;

// ---- frame types (ranges: 0x0_ control, 0x1_ data, 0x2_ health, 0xE_ gossamer extensions) ----------

/** HELLO: [version u8 = 2][addr_len u8][addr: addr_len bytes "host:port"][unix seconds u64 BE][hmac_len u8 = 0|32][hmac]. */
export const FRAME_HELLO = 0x00;
/** WHO_HAS: [peerID 36]. Broadcast on every live stream on a lookup miss. */
export const FRAME_WHO_HAS = 0x01;
/** I_HAVE: [peerID 36][seqno u32 BE]. Sent by owners only (solicited or not). */
export const FRAME_I_HAVE = 0x02;
/** OPEN (codec only upstream, unused): [src peerID 36][dst peerID 36][channel u32 BE]. */
export const FRAME_OPEN = 0x10;
/** OPEN_ACK (codec only, unused): [channel u32 BE][status u8: 1 accept, 0 reject]. */
export const FRAME_OPEN_ACK = 0x11;
/** DATA (codec only, unused): [channel u32 BE][bytes...]. */
export const FRAME_DATA = 0x12;
/** CLOSE (codec only, unused): [channel u32 BE]. */
export const FRAME_CLOSE = 0x13;
/** FWD: [dst peerID 36][complete relay transport message, ID slot already = SOURCE peer]. */
export const FRAME_FWD = 0x14;
/** PING (defined upstream, nothing sends it yet): payload opaque, echoed in PONG. */
export const FRAME_PING = 0x20;
/** PONG: echoes the PING payload. */
export const FRAME_PONG = 0x21;
/**
 * PRESENCE (gossamer extension; upstream pods skip it as an unknown type):
 *   [state u8: PRESENCE_OFFLINE | PRESENCE_ONLINE | PRESENCE_PRESENT][N x peerID 36], N >= 1 (at most
 *   PRESENCE_MAX_IDS). Drives cross-pod subscriptions (online and offline), keeps locate caches fresh,
 *   and makes a reconnect through another pod replace the old connection cluster-wide.
 */
export const FRAME_PRESENCE = 0xe0;

/** These peers disconnected from the sending pod. */
export const PRESENCE_OFFLINE = 0;
/** These peers just authenticated at the sending pod (live event: replaces their connections elsewhere). */
export const PRESENCE_ONLINE = 1;
/** These peers are connected to the sending pod (snapshot sent when a stream comes up; no replacement). */
export const PRESENCE_PRESENT = 2;

// ---- layouts ----------------------------------------------------------------------------------------

/** A NetBird peer ID (36 bytes): the relay protocol's own constant. */
export { PEER_ID_SIZE };
export const HELLO_VERSION = 2;
export const HELLO_MAX_ADDR = 255;
export const HELLO_HMAC_SIZE = 32;
/** Smallest HELLO: version + addr_len + (empty addr) + timestamp + hmac_len. */
export const HELLO_MIN_SIZE = 1 + 1 + 8 + 1;
export const I_HAVE_SIZE = PEER_ID_SIZE + 4;
export const OPEN_SIZE = PEER_ID_SIZE * 2 + 4;
export const OPEN_ACK_SIZE = 5;
export const CLOSE_SIZE = 4;
/** FWD inner message: relay header (2) + peer ID (36) at least. */
export const FWD_MIN_SIZE = PEER_ID_SIZE + 2 + PEER_ID_SIZE;
export const PRESENCE_MAX_IDS = Math.floor((MAX_FRAME_PAYLOAD - 1) / PEER_ID_SIZE); // 1820

// ---- timings (upstream values) ------------------------------------------------------------------------

export const DEFAULT_CLUSTER_PORT = 7090;
export const DIAL_TIMEOUT_MS = 3_000;
/** An accepted stream must deliver HELLO within this long. */
export const HELLO_DEADLINE_MS = 10_000;
/** HELLO timestamps must be within this much of our clock. */
export const HELLO_MAX_SKEW_S = 300;
/** WHO_HAS lookup window. */
export const LOOKUP_WINDOW_MS = 200;
/** Locate cache entry lifetime (peerID -> pod address). */
export const LOCATE_CACHE_TTL_MS = 5 * 60_000;
/** Subscribe-time Locate bound. */
export const LOCATE_TIMEOUT_MS = 5_000;
/** Static peers / DNS discovery are redialled this often (the first run immediately). */
export const REDIAL_INTERVAL_MS = 10_000;
