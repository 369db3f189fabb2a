// Frame scanning, pure TypeScript twin of assembly/frames.ts (same status codes, same pair layout), and
// the status decoding both facades share. Wire layouts:
//   ckit short  CC | u16 BE len | payload      ckit long  CD | u32 BE len | payload   (docs/protocols/ckit.md §2)
//   compound    07 | u8 count | count × u16 BE len | parts concatenated             (docs/protocols/memberlist.md §5.1)
//   relay       u8 version (= 1) | u8 type | body; type 3: peer ID (36) | payload   (docs/protocols/relay.md §2.1)
// The scanners write (payload offset, length) u32 pairs and allocate nothing per frame.
import { HotpathFrameError } from "./errors.ts";
import type { FrameScan } from "./types.ts";

// Status codes of the scanners (ABI with assembly/frames.ts; numbers are only ever appended).
export const FRAME_OK = 0;
export const FRAME_MORE = 1;
export const FRAME_FULL = 2;
export const FRAME_BAD_MAGIC = -1;
export const FRAME_TOO_LARGE = -2;
export const FRAME_HEADER = -3;
export const FRAME_OUTPUT = -4;
export const RELAY_SHORT = -5;
export const RELAY_VERSION = -6;
export const RELAY_NOT_TRANSPORT = -7;
export const COMPOUND_TRUNCATED = -8;

// ckit gossiphttp framing (docs/protocols/ckit.md §2). WARNING: wire values, only ever append.
//   CKIT_SHORT  CC | u16 BE payload length | payload     (writers use it whenever length <= 65535)
//   CKIT_LONG   CD | u32 BE payload length | payload
export const CKIT_SHORT = 0xcc;
export const CKIT_LONG = 0xcd;
// memberlist and relay values: the Wasm ABI (assembly/frames.ts) compiles them in, so the hot path holds
// its own copy, the lowest layer depending on no protocol module. Their one place of definition is the
// protocol's own (src/memberlist/messages.ts, src/relay/protocol.ts); test/hotpath/abi-constants.test.ts
// pins these copies to it.
/** memberlist compoundMsg type byte. */
export const COMPOUND_TYPE = 7;
/** NetBird relay protocol version byte. */
export const RELAY_VERSION_1 = 1;
/** NetBird relay MsgTypeTransport. */
export const RELAY_TYPE_TRANSPORT = 3;
/** NetBird peer IDs: "sha-" + SHA-256 of the public key, 36 bytes. */
export const PEER_ID_LENGTH = 36;
/** Bytes [2, 38) of a transport message hold the peer ID. */
export const PEER_ID_OFFSET = 2;

/** Status block: [code (as u32), at, a, b] (see assembly/frames.ts). */
export type ScanStatus = Uint32Array;

export function scanCkitTs(
  buf: Uint8Array, start: number, end: number, out: Uint32Array, outCap: number, maxLen: number, st: ScanStatus,
): number {
  let p = start;
  let n = 0;
  while (p < end) {
    if (n === outCap) return setSt(st, FRAME_FULL, p, 0, 0, n);
    const rem = end - p;
    const m = buf[p]!;
    let hdr: number;
    let flen: number;
    if (m === CKIT_SHORT) {
      if (rem < 3) return setSt(st, FRAME_MORE, p, 3, 0, n);
      flen = (buf[p + 1]! << 8) | buf[p + 2]!;
      hdr = 3;
    } else if (m === CKIT_LONG) {
      if (rem < 5) return setSt(st, FRAME_MORE, p, 5, 0, n);
      flen = ((buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!) >>> 0;
      hdr = 5;
    } else {
      return setSt(st, FRAME_BAD_MAGIC, p, m, 0, n);
    }
    if (flen > maxLen) return setSt(st, FRAME_TOO_LARGE, p, hdr, flen, n);
    if (flen > rem - hdr) return setSt(st, FRAME_MORE, p, hdr, flen, n);
    out[2 * n] = p + hdr;
    out[2 * n + 1] = flen;
    n++;
    p += hdr + flen;
  }
  return setSt(st, FRAME_OK, end, 0, 0, n);
}

export function scanCompoundTs(buf: Uint8Array, start: number, end: number, out: Uint32Array, outCap: number, st: ScanStatus): number {
  const len = end - start;
  if (len < 1 || buf[start] !== COMPOUND_TYPE) return setSt(st, len < 1 ? FRAME_HEADER : FRAME_BAD_MAGIC, start, 0, 0, 0);
  if (len < 2) return setSt(st, FRAME_HEADER, start + 1, 0, 0, 0);
  const count = buf[start + 1]!;
  if (len < 2 + 2 * count) return setSt(st, FRAME_HEADER, end, count, 0, 0);
  if (count > outCap) return setSt(st, FRAME_OUTPUT, start, count, outCap, 0);
  let p = 2 + 2 * count;
  for (let i = 0; i < count; i++) {
    const q = start + 2 + 2 * i;
    const plen = (buf[q]! << 8) | buf[q + 1]!;
    if (plen > len - p) return setSt(st, COMPOUND_TRUNCATED, start + p, count - i, plen, i);
    out[2 * i] = start + p;
    out[2 * i + 1] = plen;
    p += plen;
  }
  return setSt(st, FRAME_OK, start + p, 0, 0, count);
}

export function relayTypeTs(buf: Uint8Array, off: number, len: number): number {
  if (len < 2) return RELAY_SHORT;
  if (buf[off] !== RELAY_VERSION_1) return RELAY_VERSION;
  return buf[off + 1]!;
}

export function relaySwapIdTs(buf: Uint8Array, off: number, len: number, id: Uint8Array, idOff: number): number {
  const t = relayTypeTs(buf, off, len);
  if (t < 0) return t;
  if (t !== RELAY_TYPE_TRANSPORT) return RELAY_NOT_TRANSPORT;
  if (len < PEER_ID_OFFSET + PEER_ID_LENGTH) return RELAY_SHORT;
  if (id === buf) buf.copyWithin(off + PEER_ID_OFFSET, idOff, idOff + PEER_ID_LENGTH);
  else if (idOff === 0 && id.length === PEER_ID_LENGTH) buf.set(id, off + PEER_ID_OFFSET); // no subarray per message
  else buf.set(id.subarray(idOff, idOff + PEER_ID_LENGTH), off + PEER_ID_OFFSET);
  return RELAY_TYPE_TRANSPORT;
}

function setSt(st: ScanStatus, code: number, at: number, a: number, b: number, n: number): number {
  st[0] = code;
  st[1] = at;
  st[2] = a;
  st[3] = b;
  return n;
}

/** Turns a scanner's count and status block into a FrameScan, or throws the typed error. */
export function finishScan(count: number, st: ScanStatus): FrameScan {
  const code = st[0]! | 0;
  const at = st[1]!;
  switch (code) {
    case FRAME_OK:
      return { status: "ok", count, consumed: at, need: 0 };
    case FRAME_FULL:
      return { status: "full", count, consumed: at, need: 0 };
    case FRAME_MORE:
      return { status: "more", count, consumed: at, need: st[2]! + st[3]! };
    case FRAME_BAD_MAGIC:
      throw new HotpathFrameError("frame_bad_magic", `unrecognized magic byte 0x${st[2]!.toString(16)} at offset ${at}`, at, count);
    case FRAME_TOO_LARGE:
      throw new HotpathFrameError("frame_too_large", `frame at offset ${at} declares ${st[3]} bytes, over the limit`, at, count);
    case FRAME_HEADER:
      throw new HotpathFrameError("compound_header", `compound header cut off at offset ${at}`, at, count);
    case COMPOUND_TRUNCATED:
      throw new HotpathFrameError(
        "compound_truncated", `${st[2]} compound part(s) run past the end, the first at offset ${at}`, at, count, st[2]!,
      );
    default:
      throw new HotpathFrameError("frame_out_of_window", `scanner status ${code} at offset ${at}`, at, count);
  }
}

/** Compound variant (its bad-magic message differs). */
export function finishCompound(count: number, st: ScanStatus): FrameScan {
  const code = st[0]! | 0;
  if (code === FRAME_BAD_MAGIC) {
    throw new HotpathFrameError("frame_bad_magic", `not a compound message (byte 0 is not 0x07) at offset ${st[1]}`, st[1]!, 0);
  }
  return finishScan(count, st);
}

/** Throws the typed error for a negative relay result; returns the type otherwise. */
export function checkRelay(r: number, len: number): number {
  if (r >= 0) return r;
  if (r === RELAY_VERSION) throw new HotpathFrameError("relay_version", "relay protocol version is not 1", 0);
  if (r === RELAY_NOT_TRANSPORT) throw new HotpathFrameError("relay_not_transport", "peer-ID swap on a non-transport message", 1);
  throw new HotpathFrameError("relay_short", `relay message too short (${len} bytes)`, len);
}
