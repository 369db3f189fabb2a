// Frame codec of the cluster fabric: `[type u8][len u16 BE][payload]` frames, an incremental reader for a
// byte stream, and the payload codecs of every frame type (layouts in ./protocol.ts). Decoders return a
// discriminated union and throw only FabricDecodeError (with the byte offset); unknown types decode to
// { type: "unknown" } so the caller can skip them (forward compatibility). HELLO is decoded here
// structurally; its signature is checked by ./hello.ts.
import { MAX_MSG_SIZE, MSG_TRANSPORT, PROTOCOL_VERSION } from "../protocol.ts";
import { peerIdKeyAt } from "../peer-id.ts";
import type { PeerIdString } from "../peer-id.ts";
import { FabricDecodeError } from "./errors.ts";
import * as F from "./protocol.ts";

export interface RawFrame {
  type: number;
  payload: Uint8Array;
}

export interface HelloFrame {
  type: "hello";
  version: number;
  addr: string;
  /** Unix seconds. */
  timestamp: number;
  hmac: Uint8Array | null;
  /** The bytes the HMAC covers: version ‖ addr_len ‖ addr ‖ timestamp. */
  signed: Uint8Array;
}

/** PRESENCE states (see ./protocol.ts): offline, online (live), present (snapshot). */
export type PresenceState = "offline" | "online" | "present";
const PRESENCE_CODES: Record<PresenceState, number> = { offline: F.PRESENCE_OFFLINE, online: F.PRESENCE_ONLINE, present: F.PRESENCE_PRESENT };
const PRESENCE_STATES: readonly PresenceState[] = ["offline", "online", "present"]; // index = code

export type FabricFrame =
  | HelloFrame
  | { type: "whoHas"; peerId: PeerIdString }
  | { type: "iHave"; peerId: PeerIdString; seqno: number }
  | { type: "open"; src: PeerIdString; dst: PeerIdString; channel: number }
  | { type: "openAck"; channel: number; accept: boolean }
  | { type: "data"; channel: number; bytes: Uint8Array }
  | { type: "close"; channel: number }
  | { type: "fwd"; dst: PeerIdString; message: Uint8Array }
  | { type: "ping"; payload: Uint8Array }
  | { type: "pong"; payload: Uint8Array }
  | { type: "presence"; state: PresenceState; peerIds: PeerIdString[] }
  | { type: "unknown"; code: number; payload: Uint8Array };

// ---- frames -----------------------------------------------------------------------------------------

/** One frame: header + payload (copied). Throws FabricDecodeError("oversize") past 65535 bytes. */
export function encodeFrame(type: number, ...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  if (n > F.MAX_FRAME_PAYLOAD) throw new FabricDecodeError("oversize", `frame payload of ${n} bytes exceeds ${F.MAX_FRAME_PAYLOAD}`, F.FRAME_HEADER_SIZE);
  const out = new Uint8Array(F.FRAME_HEADER_SIZE + n);
  out[0] = type;
  out[1] = n >>> 8;
  out[2] = n & 0xff;
  let o = F.FRAME_HEADER_SIZE;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

/**
 * Splits a byte stream into frames. push() returns the complete frames in the chunk (payloads are views
 * into the chunk, or a copy for frames spanning chunks) and keeps at most one partial frame (<= 65538
 * bytes) buffered, so memory stays bounded whatever the peer sends. No error is possible at this layer:
 * the u16 length cannot exceed the limit.
 */
export class FrameReader {
  private pending: Uint8Array | null = null;

  /** Bytes buffered waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  push(chunk: Uint8Array): RawFrame[] {
    let buf = chunk;
    if (this.pending) {
      const p = this.pending;
      buf = new Uint8Array(p.length + chunk.length);
      buf.set(p);
      buf.set(chunk, p.length);
      this.pending = null;
    }
    const out: RawFrame[] = [];
    let off = 0;
    while (buf.length - off >= F.FRAME_HEADER_SIZE) {
      const len = (buf[off + 1]! << 8) | buf[off + 2]!;
      const end = off + F.FRAME_HEADER_SIZE + len;
      if (end > buf.length) break;
      out.push({ type: buf[off]!, payload: buf.subarray(off + F.FRAME_HEADER_SIZE, end) });
      off = end;
    }
    if (off < buf.length) this.pending = buf.slice(off);
    return out;
  }
}

/** Decodes exactly one whole frame (header included); trailing bytes are an error. */
export function decodeFrameBytes(buf: Uint8Array): FabricFrame {
  if (buf.length < F.FRAME_HEADER_SIZE) throw new FabricDecodeError("truncated", `frame header needs ${F.FRAME_HEADER_SIZE} bytes, got ${buf.length}`, buf.length);
  const len = (buf[1]! << 8) | buf[2]!;
  if (buf.length < F.FRAME_HEADER_SIZE + len) throw new FabricDecodeError("truncated", `frame declares ${len} payload bytes, ${buf.length - 3} present`, buf.length);
  if (buf.length > F.FRAME_HEADER_SIZE + len) throw new FabricDecodeError("length", `${buf.length - 3 - len} bytes after the frame`, F.FRAME_HEADER_SIZE + len);
  return decodeFrame({ type: buf[0]!, payload: buf.subarray(F.FRAME_HEADER_SIZE) });
}

/** Decodes a frame's payload by type. Offsets in errors are relative to the payload start. */
export function decodeFrame(f: RawFrame): FabricFrame {
  const p = f.payload;
  if (p.length > F.MAX_FRAME_PAYLOAD) throw new FabricDecodeError("oversize", `payload of ${p.length} bytes exceeds ${F.MAX_FRAME_PAYLOAD}`, F.MAX_FRAME_PAYLOAD);
  switch (f.type) {
    case F.FRAME_HELLO:
      return decodeHello(p);
    case F.FRAME_WHO_HAS:
      exact(p, F.PEER_ID_SIZE, "WHO_HAS");
      return { type: "whoHas", peerId: peerIdKeyAt(p, 0) };
    case F.FRAME_I_HAVE:
      exact(p, F.I_HAVE_SIZE, "I_HAVE");
      return { type: "iHave", peerId: peerIdKeyAt(p, 0), seqno: u32(p, F.PEER_ID_SIZE) };
    case F.FRAME_OPEN:
      exact(p, F.OPEN_SIZE, "OPEN");
      return { type: "open", src: peerIdKeyAt(p, 0), dst: peerIdKeyAt(p, F.PEER_ID_SIZE), channel: u32(p, 2 * F.PEER_ID_SIZE) };
    case F.FRAME_OPEN_ACK:
      exact(p, F.OPEN_ACK_SIZE, "OPEN_ACK");
      if (p[4]! > 1) throw new FabricDecodeError("value", `OPEN_ACK status ${p[4]} is neither 0 nor 1`, 4);
      return { type: "openAck", channel: u32(p, 0), accept: p[4] === 1 };
    case F.FRAME_DATA:
      if (p.length < 4) throw new FabricDecodeError("truncated", `DATA needs a 4-byte channel, got ${p.length} bytes`, p.length);
      return { type: "data", channel: u32(p, 0), bytes: p.subarray(4) };
    case F.FRAME_CLOSE:
      exact(p, F.CLOSE_SIZE, "CLOSE");
      return { type: "close", channel: u32(p, 0) };
    case F.FRAME_FWD:
      return decodeFwd(p);
    case F.FRAME_PING:
      return { type: "ping", payload: p };
    case F.FRAME_PONG:
      return { type: "pong", payload: p };
    case F.FRAME_PRESENCE:
      return decodePresence(p);
    default:
      return { type: "unknown", code: f.type, payload: p };
  }
}

// ---- payloads ---------------------------------------------------------------------------------------

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // keep every address byte

/** The signed part of a HELLO: version ‖ addr_len ‖ addr ‖ timestamp (u64 BE). */
export function helloSignedBytes(addr: string, timestamp: number, version = F.HELLO_VERSION): Uint8Array {
  const a = te.encode(addr);
  if (a.length > F.HELLO_MAX_ADDR) throw new FabricDecodeError("oversize", `HELLO address of ${a.length} bytes exceeds ${F.HELLO_MAX_ADDR}`, 2);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new FabricDecodeError("value", `HELLO timestamp ${timestamp} is not a u64`, 2 + a.length);
  const out = new Uint8Array(2 + a.length + 8);
  out[0] = version;
  out[1] = a.length;
  out.set(a, 2);
  new DataView(out.buffer).setBigUint64(2 + a.length, BigInt(timestamp));
  return out;
}

/** HELLO frame from its signed part and an optional 32-byte HMAC. */
export function encodeHelloFrame(signed: Uint8Array, hmac: Uint8Array | null): Uint8Array {
  if (hmac && hmac.length !== F.HELLO_HMAC_SIZE) throw new FabricDecodeError("value", `HELLO hmac must be ${F.HELLO_HMAC_SIZE} bytes`, signed.length);
  return encodeFrame(F.FRAME_HELLO, signed, new Uint8Array([hmac ? hmac.length : 0]), hmac ?? new Uint8Array(0));
}

function decodeHello(p: Uint8Array): HelloFrame {
  if (p.length < 1) throw new FabricDecodeError("truncated", "empty HELLO", 0);
  if (p[0] !== F.HELLO_VERSION) throw new FabricDecodeError("version", `HELLO version ${p[0]} (want ${F.HELLO_VERSION})`, 0);
  if (p.length < F.HELLO_MIN_SIZE) throw new FabricDecodeError("truncated", `HELLO needs at least ${F.HELLO_MIN_SIZE} bytes, got ${p.length}`, p.length);
  const alen = p[1]!;
  const tsAt = 2 + alen;
  if (p.length < tsAt + 9) throw new FabricDecodeError("truncated", `HELLO with a ${alen}-byte address needs ${tsAt + 9} bytes, got ${p.length}`, p.length);
  let addr: string;
  try {
    addr = td.decode(p.subarray(2, tsAt));
  } catch (e) {
    throw new FabricDecodeError("value", "HELLO address is not UTF-8", 2, e);
  }
  const ts = new DataView(p.buffer, p.byteOffset, p.byteLength).getBigUint64(tsAt);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new FabricDecodeError("value", "HELLO timestamp out of range", tsAt);
  const hlen = p[tsAt + 8]!;
  if (hlen !== 0 && hlen !== F.HELLO_HMAC_SIZE) throw new FabricDecodeError("value", `HELLO hmac_len ${hlen} is neither 0 nor ${F.HELLO_HMAC_SIZE}`, tsAt + 8);
  const end = tsAt + 9 + hlen;
  if (p.length < end) throw new FabricDecodeError("truncated", `HELLO hmac needs ${hlen} bytes`, p.length);
  if (p.length > end) throw new FabricDecodeError("length", `${p.length - end} bytes after the HELLO`, end);
  return { type: "hello", version: p[0]!, addr, timestamp: Number(ts), hmac: hlen ? p.slice(tsAt + 9, end) : null, signed: p.slice(0, tsAt + 8) };
}

export function encodeWhoHas(id: Uint8Array): Uint8Array {
  checkId(id);
  return encodeFrame(F.FRAME_WHO_HAS, id);
}

export function encodeIHave(id: Uint8Array, seqno: number): Uint8Array {
  checkId(id);
  const s = new Uint8Array(4);
  new DataView(s.buffer).setUint32(0, seqno >>> 0);
  return encodeFrame(F.FRAME_I_HAVE, id, s);
}

/** FWD frame: dst ID ‖ the complete transport message (its ID slot already holds the source). */
export function encodeFwd(dst: Uint8Array, message: Uint8Array): Uint8Array {
  checkId(dst);
  return encodeFrame(F.FRAME_FWD, dst, message);
}

function decodeFwd(p: Uint8Array): FabricFrame {
  if (p.length < F.FWD_MIN_SIZE) throw new FabricDecodeError("truncated", `FWD needs ${F.FWD_MIN_SIZE} bytes, got ${p.length}`, p.length);
  const m = p.subarray(F.PEER_ID_SIZE);
  if (m[0] !== PROTOCOL_VERSION || m[1] !== MSG_TRANSPORT) throw new FabricDecodeError("value", `FWD inner message is not a relay v${PROTOCOL_VERSION} transport message`, F.PEER_ID_SIZE);
  if (m.length > MAX_MSG_SIZE) throw new FabricDecodeError("oversize", `FWD inner message of ${m.length} bytes exceeds ${MAX_MSG_SIZE}`, F.PEER_ID_SIZE + MAX_MSG_SIZE);
  return { type: "fwd", dst: peerIdKeyAt(p, 0), message: m };
}

/** PRESENCE frames (gossamer extension), chunked at PRESENCE_MAX_IDS IDs per frame. */
export function encodePresence(state: PresenceState, ids: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i += F.PRESENCE_MAX_IDS) {
    const chunk = ids.slice(i, i + F.PRESENCE_MAX_IDS);
    chunk.forEach(checkId);
    out.push(encodeFrame(F.FRAME_PRESENCE, new Uint8Array([PRESENCE_CODES[state]]), ...chunk));
  }
  return out;
}

function decodePresence(p: Uint8Array): FabricFrame {
  if (p.length < 1 + F.PEER_ID_SIZE) throw new FabricDecodeError("truncated", `PRESENCE needs a state and at least one peer ID, got ${p.length} bytes`, p.length);
  if (p[0]! >= PRESENCE_STATES.length) throw new FabricDecodeError("value", `PRESENCE state ${p[0]} unknown`, 0);
  if ((p.length - 1) % F.PEER_ID_SIZE !== 0) throw new FabricDecodeError("length", `PRESENCE list of ${p.length - 1} bytes is not a multiple of ${F.PEER_ID_SIZE}`, p.length);
  const ids: PeerIdString[] = [];
  for (let o = 1; o < p.length; o += F.PEER_ID_SIZE) ids.push(peerIdKeyAt(p, o));
  return { type: "presence", state: PRESENCE_STATES[p[0]!]!, peerIds: ids };
}

function exact(p: Uint8Array, n: number, what: string): void {
  if (p.length < n) throw new FabricDecodeError("truncated", `${what} needs ${n} bytes, got ${p.length}`, p.length);
  if (p.length > n) throw new FabricDecodeError("length", `${what} is ${n} bytes, got ${p.length}`, n);
}

function checkId(id: Uint8Array): void {
  if (id.length !== F.PEER_ID_SIZE) throw new FabricDecodeError("length", `peer ID must be ${F.PEER_ID_SIZE} bytes, got ${id.length}`, 0);
}

function u32(p: Uint8Array, o: number): number {
  return ((p[o]! << 24) >>> 0) + (p[o + 1]! << 16) + (p[o + 2]! << 8) + p[o + 3]!;
}
