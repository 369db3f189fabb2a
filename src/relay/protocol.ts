// NetBird relay wire protocol (version 1): every constant the relay speaks, with its byte layout.
// Facts from netbirdio/netbird shared/relay/messages and relay/server (described in docs/protocols/relay.md).
//
// WARNING: these numbers are on the wire and in peers' code. Only ever APPEND new constants; never
// renumber, reuse or remove one.
//
// One relay message = one WebSocket BINARY message at path /relay (a text frame closes the connection).
// There is no length field: WebSocket (or a QUIC datagram) frames the message.
//
// Header (every message):
//   [0] version  u8  = 1   (anything else: the server closes the connection)
//   [1] type     u8  (MSG_*)
//
// Bodies after the 2-byte header:
//   MSG_TRANSPORT       [2..38)  peer ID (36)  dst when client->server; rewritten IN PLACE to the
//                                               sender's ID when server->client ("from")
//                       [38..)   opaque payload (a WireGuard packet)
//   MSG_CLOSE           (empty)
//   MSG_HEALTH_CHECK    (empty)  server pings, client echoes the same 2 bytes
//   MSG_AUTH            [2..6)   magic 21 12 A4 42
//                       [6..42)  peer ID (36)
//                       [42..)   token: [algo u8][signature 32][ASCII decimal expiry, >= 10 chars]
//   MSG_AUTH_RESPONSE   [2..)    UTF-8 instance URL (rel://host:port or rels://host:port)
//   MSG_SUBSCRIBE_PEER_STATE / MSG_UNSUBSCRIBE_PEER_STATE / MSG_PEERS_ONLINE / MSG_PEERS_WENT_OFFLINE
//                       [2..)    N x peer ID (36), N >= 1, at most MAX_PEER_IDS_PER_MSG per message
//
// Peer ID (36 bytes): ASCII "sha-" + SHA-256(base64 WireGuard public key as a string), raw 32 bytes.

export const PROTOCOL_VERSION = 1;

export const MSG_UNKNOWN = 0;
/** Legacy hello (removed upstream in 2026, #6783): magic + peer ID + gob auth. We reject it as unsupported. */
export const MSG_HELLO = 1;
/** Legacy hello response: gob `{URL}`. */
export const MSG_HELLO_RESPONSE = 2;
export const MSG_TRANSPORT = 3;
export const MSG_CLOSE = 4;
export const MSG_HEALTH_CHECK = 5;
export const MSG_AUTH = 6;
export const MSG_AUTH_RESPONSE = 7;
export const MSG_SUBSCRIBE_PEER_STATE = 8;
export const MSG_UNSUBSCRIBE_PEER_STATE = 9;
export const MSG_PEERS_ONLINE = 10;
export const MSG_PEERS_WENT_OFFLINE = 11;

export const HEADER_SIZE = 2;
export const PEER_ID_SIZE = 36;
export const PEER_ID_PREFIX = "sha-";
/** Offset of the peer-ID slot in a transport message (rewritten in place when forwarding). */
export const TRANSPORT_ID_OFFSET = HEADER_SIZE;
export const TRANSPORT_PAYLOAD_OFFSET = HEADER_SIZE + PEER_ID_SIZE; // 38

/** Auth message magic cookie, bytes [2..6). */
export const AUTH_MAGIC = new Uint8Array([0x21, 0x12, 0xa4, 0x42]);
export const AUTH_ID_OFFSET = HEADER_SIZE + AUTH_MAGIC.length; // 6
export const AUTH_TOKEN_OFFSET = AUTH_ID_OFFSET + PEER_ID_SIZE; // 42

/** Token algorithm byte: 0 = unknown, 1 = HMAC-SHA256. */
export const AUTH_ALGO_UNKNOWN = 0;
export const AUTH_ALGO_HMAC_SHA256 = 1;
export const AUTH_SIGNATURE_SIZE = 32;
/** Minimum length of the decimal expiry payload. */
export const AUTH_MIN_PAYLOAD_SIZE = 10;

/** Size limits (bytes, whole message including the header). */
export const MAX_AUTH_MSG_SIZE = 212;
export const MAX_AUTH_RESPONSE_SIZE = 8192;
export const MAX_MSG_SIZE = 8820;
/** Peer-ID lists are chunked at (8820 - 2) / 36 = 244 IDs per message. */
export const MAX_PEER_IDS_PER_MSG = Math.floor((MAX_MSG_SIZE - HEADER_SIZE) / PEER_ID_SIZE); // 244

/** Timing (milliseconds). */
export const AUTH_TIMEOUT_MS = 10_000; // server waits this long for the first (auth) message
export const AUTH_RESPONSE_TIMEOUT_MS = 8_000; // client waits this long for the auth response
export const HEALTH_INTERVAL_MS = 25_000; // server pings every 25 s
export const HEALTH_TIMEOUT_MS = 45_000; // 25 s + 20 s window without an echo -> close
export const CLIENT_HEALTH_TIMEOUT_MS = 35_000; // client expects a ping within 25 s + 10 s
export const SUBSCRIBE_ONLINE_TIMEOUT_MS = 30_000; // client OpenConn waits this long for "online"
export const IDLE_AFTER_MS = 30_000; // relay_peers_idle: no transport traffic for 30 s
/** Default token TTL issued by management (CredentialsTTL), refreshed at 3/4. */
export const DEFAULT_TOKEN_TTL_S = 12 * 3600;

/** WebSocket path of the relay. */
export const RELAY_PATH = "/relay";

/**
 * WebSocket close codes the gossamer relay uses (ours, not upstream's: upstream closes the TCP/QUIC
 * connection without a code). Append only.
 */
export const CLOSE_NORMAL = 1000; // client sent MSG_CLOSE, or we did
export const CLOSE_GOING_AWAY = 1001; // server shutdown
export const CLOSE_PROTOCOL_ERROR = 1002; // malformed message, bad version, unknown/unsupported type
export const CLOSE_UNSUPPORTED_DATA = 1003; // text frame
export const CLOSE_POLICY_VIOLATION = 1008; // authentication failed or timed out (no relay-level reply)
export const CLOSE_TOO_BIG = 1009; // over the size limit
export const CLOSE_REPLACED = 4000; // a newer connection authenticated with the same peer ID
export const CLOSE_HEALTH_TIMEOUT = 4001; // no health-check echo within the window
