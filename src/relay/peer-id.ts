// Relay peer IDs: 36 bytes = ASCII "sha-" + SHA-256 of the peer's WireGuard public key in its base64
// string form (the relay never learns the raw key). Printable form: "sha-" + standard base64 of the
// 32 hash bytes (48 chars). The printable form is also the key of every peer table, directory and
// attachment in gossamer, so `peerIdKeyAt` (bytes -> printable, no allocation but the string) is on the
// forwarding hot path.
import { PEER_ID_PREFIX, PEER_ID_SIZE } from "./protocol.ts";
import { RelayPeerIdError } from "./errors.ts";

/** Printable peer ID, "sha-" + base64(32 bytes). */
export type PeerIdString = string;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_REV = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_REV[B64.charCodeAt(i)] = i;
const PREFIX_BYTES = new TextEncoder().encode(PEER_ID_PREFIX);
/** Length of the printable form: 4 + 44. */
export const PEER_ID_STRING_LENGTH = PEER_ID_PREFIX.length + 44;

/** Char codes of the printable form, reused by every call (one flat string is built from them). */
const KEY_CODES: number[] = new Array<number>(PEER_ID_PREFIX.length + 44).fill(0);
for (let i = 0; i < PEER_ID_PREFIX.length; i++) KEY_CODES[i] = PEER_ID_PREFIX.charCodeAt(i);
const B64_CODES = Array.from(B64, (c) => c.charCodeAt(0));

/**
 * Printable form of the 36-byte ID at buf[off..off+36). The "sha-" prefix bytes are not checked. Built
 * in one String.fromCharCode call so the key is a flat 48-byte string: concatenating it piece by piece
 * made a rope of ~13 nodes (~700 bytes per key held in a peer table, a subscription or a locate cache).
 */
export function peerIdKeyAt(buf: Uint8Array, off: number): PeerIdString {
  const k = KEY_CODES;
  let o = 4;
  let i = off + 4;
  const end = off + 4 + 30; // 10 full 3-byte groups, then 2 bytes + "="
  for (; i < end; i += 3) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!;
    k[o++] = B64_CODES[(n >>> 18) & 63]!;
    k[o++] = B64_CODES[(n >>> 12) & 63]!;
    k[o++] = B64_CODES[(n >>> 6) & 63]!;
    k[o++] = B64_CODES[n & 63]!;
  }
  const n = (buf[i]! << 16) | (buf[i + 1]! << 8);
  k[o++] = B64_CODES[(n >>> 18) & 63]!;
  k[o++] = B64_CODES[(n >>> 12) & 63]!;
  k[o++] = B64_CODES[(n >>> 6) & 63]!;
  k[o] = 61; // "="
  return String.fromCharCode.apply(null, k);
}

/** Printable form of a 36-byte ID. */
export function peerIdToString(id: Uint8Array): PeerIdString {
  if (id.length !== PEER_ID_SIZE) throw new RelayPeerIdError(`peer ID must be ${PEER_ID_SIZE} bytes, got ${id.length}`);
  return peerIdKeyAt(id, 0);
}

/** Parses the printable form back to 36 bytes; a typed error for anything else. */
export function peerIdFromString(s: string): Uint8Array {
  if (s.length !== PEER_ID_STRING_LENGTH || !s.startsWith(PEER_ID_PREFIX) || s[s.length - 1] !== "=" || s[s.length - 2] === "=") {
    throw new RelayPeerIdError(`not a printable relay peer ID: ${JSON.stringify(s.slice(0, 64))}`);
  }
  const out = new Uint8Array(PEER_ID_SIZE);
  out.set(PREFIX_BYTES, 0);
  let o = 4;
  for (let i = 4; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const c = [0, 1, 2, 3].map((k) => {
      const code = s.charCodeAt(i + k);
      return last && k === 3 ? 0 : code < 128 ? B64_REV[code]! : -1;
    });
    if (c.some((v) => v < 0)) throw new RelayPeerIdError(`bad base64 in peer ID`, i);
    const n = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    out[o++] = (n >>> 16) & 255;
    out[o++] = (n >>> 8) & 255;
    if (!last) out[o++] = n & 255;
    else if ((n & 0xff) !== 0) throw new RelayPeerIdError(`non-canonical base64 in peer ID`, i);
  }
  return out;
}

/** The 36-byte peer ID of a WireGuard public key given in its base64 string form. */
export async function peerIdFromPublicKey(publicKeyBase64: string): Promise<Uint8Array> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(publicKeyBase64)));
  const out = new Uint8Array(PEER_ID_SIZE);
  out.set(PREFIX_BYTES, 0);
  out.set(digest, 4);
  return out;
}

/** Upstream's health-check agent ID: hash("healthcheck-agent"). Logged at debug level only. */
export function healthCheckAgentId(): Promise<Uint8Array> {
  return peerIdFromPublicKey("healthcheck-agent");
}
