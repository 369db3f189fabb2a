// Relay message codec: decode one WebSocket binary message into a discriminated union, or a
// RelayDecodeError carrying the offset where the input went wrong; encoders for every message.
// Decoded byte fields are SUBARRAYS of the input (no copies): the forwarding path rewrites the ID slot
// of the original buffer in place. Layouts and limits live in protocol.ts.
import {
  AUTH_MAGIC,
  AUTH_ID_OFFSET,
  AUTH_TOKEN_OFFSET,
  HEADER_SIZE,
  MAX_AUTH_MSG_SIZE,
  MAX_AUTH_RESPONSE_SIZE,
  MAX_MSG_SIZE,
  MAX_PEER_IDS_PER_MSG,
  MSG_AUTH,
  MSG_AUTH_RESPONSE,
  MSG_CLOSE,
  MSG_HEALTH_CHECK,
  MSG_HELLO,
  MSG_HELLO_RESPONSE,
  MSG_PEERS_ONLINE,
  MSG_PEERS_WENT_OFFLINE,
  MSG_SUBSCRIBE_PEER_STATE,
  MSG_TRANSPORT,
  MSG_UNSUBSCRIBE_PEER_STATE,
  PEER_ID_SIZE,
  PROTOCOL_VERSION,
  TRANSPORT_ID_OFFSET,
  TRANSPORT_PAYLOAD_OFFSET,
} from "./protocol.ts";
import { RelayDecodeError } from "./errors.ts";

export type PeerListKind = "subscribe" | "unsubscribe" | "peersOnline" | "peersOffline";

export type RelayMessage =
  | { type: "transport"; /** 36-byte ID slot (dst from a client, src from the server) */ peerId: Uint8Array; payload: Uint8Array }
  | { type: "close" }
  | { type: "healthCheck" }
  | { type: "auth"; peerId: Uint8Array; token: Uint8Array }
  | { type: "authResponse"; url: string }
  | { type: PeerListKind; peerIds: Uint8Array[] };

export type RelayMessageType = RelayMessage["type"];

const PEER_LIST_TYPES: Record<number, PeerListKind> = {
  [MSG_SUBSCRIBE_PEER_STATE]: "subscribe",
  [MSG_UNSUBSCRIBE_PEER_STATE]: "unsubscribe",
  [MSG_PEERS_ONLINE]: "peersOnline",
  [MSG_PEERS_WENT_OFFLINE]: "peersOffline",
};
const PEER_LIST_CODES: Record<PeerListKind, number> = {
  subscribe: MSG_SUBSCRIBE_PEER_STATE,
  unsubscribe: MSG_UNSUBSCRIBE_PEER_STATE,
  peersOnline: MSG_PEERS_ONLINE,
  peersOffline: MSG_PEERS_WENT_OFFLINE,
};

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const utf8enc = new TextEncoder();

/**
 * Checks the 2-byte header and returns the type byte. Cheap enough for the hot path: the server calls
 * this, then handles MSG_TRANSPORT without building a union.
 */
export function decodeHeader(buf: Uint8Array): number {
  if (buf.length === 0) throw new RelayDecodeError("empty", "empty relay message", 0);
  if (buf[0] !== PROTOCOL_VERSION) throw new RelayDecodeError("version", `unsupported relay protocol version ${buf[0]}`, 0);
  if (buf.length < HEADER_SIZE) throw new RelayDecodeError("truncated", "relay message shorter than its header", 1);
  return buf[1]!;
}

function peerList(buf: Uint8Array): Uint8Array[] {
  const n = buf.length - HEADER_SIZE;
  if (n < PEER_ID_SIZE) throw new RelayDecodeError("id-list", "peer-ID list is empty", HEADER_SIZE);
  if (n % PEER_ID_SIZE !== 0) {
    throw new RelayDecodeError("id-list", `peer-ID list of ${n} bytes is not a multiple of ${PEER_ID_SIZE}`, buf.length - (n % PEER_ID_SIZE));
  }
  const ids: Uint8Array[] = [];
  for (let o = HEADER_SIZE; o < buf.length; o += PEER_ID_SIZE) ids.push(buf.subarray(o, o + PEER_ID_SIZE));
  return ids;
}

/**
 * Decodes one relay message. Every failure is a RelayDecodeError (never another exception).
 * `maxSize` defaults to the general limit; the auth message has its own 212-byte limit regardless.
 */
export function decodeMessage(buf: Uint8Array, maxSize: number = MAX_MSG_SIZE): RelayMessage {
  const type = decodeHeader(buf);
  const limit = type === MSG_AUTH ? Math.min(maxSize, MAX_AUTH_MSG_SIZE) : type === MSG_AUTH_RESPONSE ? MAX_AUTH_RESPONSE_SIZE : maxSize;
  if (buf.length > limit) throw new RelayDecodeError("oversize", `relay message of ${buf.length} bytes exceeds ${limit}`, limit);
  switch (type) {
    case MSG_TRANSPORT:
      if (buf.length < TRANSPORT_PAYLOAD_OFFSET) throw new RelayDecodeError("truncated", "transport message without a full peer ID", buf.length);
      return { type: "transport", peerId: buf.subarray(TRANSPORT_ID_OFFSET, TRANSPORT_PAYLOAD_OFFSET), payload: buf.subarray(TRANSPORT_PAYLOAD_OFFSET) };
    case MSG_CLOSE:
      return { type: "close" };
    case MSG_HEALTH_CHECK:
      return { type: "healthCheck" };
    case MSG_AUTH: {
      if (buf.length < AUTH_TOKEN_OFFSET) throw new RelayDecodeError("truncated", "auth message without magic and peer ID", buf.length);
      for (let i = 0; i < AUTH_MAGIC.length; i++) {
        if (buf[HEADER_SIZE + i] !== AUTH_MAGIC[i]) throw new RelayDecodeError("magic", "auth message magic mismatch", HEADER_SIZE + i);
      }
      return { type: "auth", peerId: buf.subarray(AUTH_ID_OFFSET, AUTH_TOKEN_OFFSET), token: buf.subarray(AUTH_TOKEN_OFFSET) };
    }
    case MSG_AUTH_RESPONSE: {
      let url: string;
      try {
        url = utf8.decode(buf.subarray(HEADER_SIZE));
      } catch (e) {
        throw new RelayDecodeError("utf8", "auth response URL is not valid UTF-8", HEADER_SIZE, e);
      }
      return { type: "authResponse", url };
    }
    case MSG_SUBSCRIBE_PEER_STATE:
    case MSG_UNSUBSCRIBE_PEER_STATE:
    case MSG_PEERS_ONLINE:
    case MSG_PEERS_WENT_OFFLINE:
      return { type: PEER_LIST_TYPES[type]!, peerIds: peerList(buf) };
    case MSG_HELLO:
    case MSG_HELLO_RESPONSE:
      throw new RelayDecodeError("unsupported-type", `legacy relay message type ${type} is not supported`, 1);
    default:
      throw new RelayDecodeError("unknown-type", `unknown relay message type ${type}`, 1);
  }
}

function header(type: number, bodySize: number): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE + bodySize);
  b[0] = PROTOCOL_VERSION;
  b[1] = type;
  return b;
}

function checkId(id: Uint8Array): void {
  if (id.length !== PEER_ID_SIZE) throw new RangeError(`peer ID must be ${PEER_ID_SIZE} bytes, got ${id.length}`);
}

/** transport(peer ID, payload). Throws RangeError past MAX_MSG_SIZE (the relay would close us). */
export function encodeTransport(peerId: Uint8Array, payload: Uint8Array): Uint8Array {
  checkId(peerId);
  if (TRANSPORT_PAYLOAD_OFFSET + payload.length > MAX_MSG_SIZE) {
    throw new RangeError(`transport payload of ${payload.length} bytes exceeds ${MAX_MSG_SIZE - TRANSPORT_PAYLOAD_OFFSET}`);
  }
  const b = header(MSG_TRANSPORT, PEER_ID_SIZE + payload.length);
  b.set(peerId, TRANSPORT_ID_OFFSET);
  b.set(payload, TRANSPORT_PAYLOAD_OFFSET);
  return b;
}

/** The largest transport payload that fits the relay's limit (8782 bytes). */
export const MAX_TRANSPORT_PAYLOAD = MAX_MSG_SIZE - TRANSPORT_PAYLOAD_OFFSET;

export function encodeClose(): Uint8Array {
  return header(MSG_CLOSE, 0);
}

export function encodeHealthCheck(): Uint8Array {
  return header(MSG_HEALTH_CHECK, 0);
}

export function encodeAuth(peerId: Uint8Array, token: Uint8Array): Uint8Array {
  checkId(peerId);
  const b = header(MSG_AUTH, AUTH_MAGIC.length + PEER_ID_SIZE + token.length);
  b.set(AUTH_MAGIC, HEADER_SIZE);
  b.set(peerId, AUTH_ID_OFFSET);
  b.set(token, AUTH_TOKEN_OFFSET);
  return b;
}

export function encodeAuthResponse(instanceUrl: string): Uint8Array {
  const url = utf8enc.encode(instanceUrl);
  if (HEADER_SIZE + url.length > MAX_AUTH_RESPONSE_SIZE) throw new RangeError("instance URL too long");
  const b = header(MSG_AUTH_RESPONSE, url.length);
  b.set(url, HEADER_SIZE);
  return b;
}

/** A peer-ID list message, chunked at MAX_PEER_IDS_PER_MSG (244) IDs per message. Empty list: no messages. */
export function encodePeerList(kind: PeerListKind, ids: readonly Uint8Array[], perMessage: number = MAX_PEER_IDS_PER_MSG): Uint8Array[] {
  const out: Uint8Array[] = [];
  const type = PEER_LIST_CODES[kind];
  for (let start = 0; start < ids.length; start += perMessage) {
    const chunk = ids.slice(start, start + perMessage);
    const b = header(type, chunk.length * PEER_ID_SIZE);
    chunk.forEach((id, i) => {
      checkId(id);
      b.set(id, HEADER_SIZE + i * PEER_ID_SIZE);
    });
    out.push(b);
  }
  return out;
}
