// Single memberlist messages: type byte + msgpack body (docs/protocols/memberlist.md §2, §3), plus the stream
// forms of push/pull (06 header, N node states, raw user state) and user messages (08 {UserMsgLen} raw).
// Layer types (compound 7, compress 9, encrypt 10, hasCrc 12, hasLabel 244) are not messages: they are
// handled by packet.ts and stream.ts.
import { MemberlistDecodeError, MemberlistErrorCode, MemberlistLimitError } from "../errors.ts";
import { MessageType } from "../messages.ts";
import type { Message, PushPull, PushPullHeader, PushNodeState, UserMsgHeader } from "../messages.ts";
import { resolveLimits } from "./limits.ts";
import type { DecodeLimits, ResolvedLimits } from "./limits.ts";
import { MsgpackReader } from "./msgpack-reader.ts";
import { encodeWith } from "./msgpack.ts";
import type { MsgpackFlavor } from "./msgpack.ts";
import { readStruct, SCHEMAS, writeStruct } from "./schema.ts";
import type { SchemaName } from "./schema.ts";

export interface EncodeOptions {
  /** go-msgpack flavour for Go `int` fields > 127. Default "0.2.2" (every version decodes it). */
  flavor?: MsgpackFlavor;
}

/** Message union tag -> (type byte, struct schema). `user` has no schema (raw payload). */
const TYPES = {
  ping: [MessageType.ping, "ping"],
  indirectPing: [MessageType.indirectPing, "indirectPingReq"],
  ackResp: [MessageType.ackResp, "ackResp"],
  nackResp: [MessageType.nackResp, "nackResp"],
  suspect: [MessageType.suspect, "suspect"],
  alive: [MessageType.alive, "alive"],
  dead: [MessageType.dead, "dead"],
  err: [MessageType.err, "errResp"],
} as const satisfies Record<Exclude<Message["type"], "user">, readonly [number, SchemaName]>;

const BY_BYTE = new Map<number, [Exclude<Message["type"], "user">, SchemaName]>(
  Object.entries(TYPES).map(([tag, [b, s]]) => [b, [tag as Exclude<Message["type"], "user">, s]]),
);

/** Type byte + msgpack body. `user` is the packet form: 08 + raw payload. */
export function encodeMessage(m: Message, opts?: EncodeOptions): Uint8Array {
  if (m.type === "user") {
    const out = new Uint8Array(1 + m.body.length);
    out[0] = MessageType.user;
    out.set(m.body, 1);
    return out;
  }
  const [typeByte, schema] = TYPES[m.type];
  return encodeWith((w) => {
    w.byte(typeByte);
    writeStruct(w, SCHEMAS[schema], m.body, opts?.flavor ?? "0.2.2");
  });
}

/**
 * Decodes one non-layer message (packet form). Trailing bytes after the msgpack body are ignored, as Go
 * does. Throws MemberlistDecodeError (or its MemberlistLimitError subclass) with the byte offset.
 */
export function decodeMessage(buf: Uint8Array, limits?: DecodeLimits | ResolvedLimits, base = 0): Message {
  if (buf.length === 0) throw new MemberlistDecodeError(MemberlistErrorCode.empty, "missing message type byte", { offset: base });
  const t = buf[0]!;
  if (t === MessageType.user) return { type: "user", body: buf.slice(1) };
  const entry = BY_BYTE.get(t);
  if (entry === undefined)
    throw new MemberlistDecodeError(MemberlistErrorCode.unknownType, `message type ${t} is not a single packet message`, { offset: base });
  const r = new MsgpackReader(buf, resolveLimits(limits), 1, base);
  const body = readStruct(r, SCHEMAS[entry[1]]);
  return { type: entry[0], body } as Message;
}

/**
 * Size hint per encoded pushNodeState: 43 bytes of map header and keys plus ~28 of values with a 10-char
 * name, IPv4 and no meta (71 measured), with room for longer names.
 */
const PUSH_NODE_STATE_BYTES = 96;

/** 06 + pushPullHeader + one pushNodeState per state + raw user state. Nodes/UserStateLen come from the arrays. */
export function encodePushPull(pp: PushPull, opts?: EncodeOptions): Uint8Array {
  const flavor = opts?.flavor ?? "0.2.2";
  return encodeWith((w) => {
    w.byte(MessageType.pushPull);
    const header: PushPullHeader = { Join: pp.header.Join, Nodes: pp.states.length, UserStateLen: pp.userState.length };
    writeStruct(w, SCHEMAS.pushPullHeader, header, flavor);
    for (const s of pp.states) writeStruct(w, SCHEMAS.pushNodeState, s, flavor);
    w.raw(pp.userState);
  }, PUSH_NODE_STATE_BYTES * pp.states.length + pp.userState.length + 64);
}

/** The msgpack pushPullHeader alone (no type byte), as in the deterministic header vectors. */
export function encodePushPullHeader(h: PushPullHeader, opts?: EncodeOptions): Uint8Array {
  return encodeWith((w) => writeStruct(w, SCHEMAS.pushPullHeader, h, opts?.flavor ?? "0.2.2"));
}

/** Stream (TCP) user message: 08 + msgpack {UserMsgLen} + raw payload. */
export function encodeStreamUser(payload: Uint8Array, opts?: EncodeOptions): Uint8Array {
  return encodeWith((w) => {
    w.byte(MessageType.user);
    writeStruct(w, SCHEMAS.userMsgHeader, { UserMsgLen: payload.length }, opts?.flavor ?? "0.2.2");
    w.raw(payload);
  });
}

/** Reads a pushPullHeader at r.pos and validates its counts against the limits. */
export function readPushPullHeader(r: MsgpackReader): PushPullHeader {
  const at = r.offset;
  const h = readStruct<PushPullHeader>(r, SCHEMAS.pushPullHeader);
  if (h.Nodes < 0 || h.UserStateLen < 0)
    throw new MemberlistDecodeError(MemberlistErrorCode.badValue, "negative push/pull count", { offset: at });
  if (h.Nodes > r.limits.maxPushPullNodes)
    throw new MemberlistLimitError(`push/pull of ${h.Nodes} nodes exceeds ${r.limits.maxPushPullNodes}`, { offset: at });
  if (h.UserStateLen > r.limits.maxUserStateBytes)
    throw new MemberlistLimitError(`user state of ${h.UserStateLen} bytes exceeds ${r.limits.maxUserStateBytes}`, { offset: at });
  return h;
}

export function readPushNodeState(r: MsgpackReader): PushNodeState {
  return readStruct<PushNodeState>(r, SCHEMAS.pushNodeState);
}

export function readUserMsgHeader(r: MsgpackReader): UserMsgHeader {
  const at = r.offset;
  const h = readStruct<UserMsgHeader>(r, SCHEMAS.userMsgHeader);
  if (h.UserMsgLen < 0) throw new MemberlistDecodeError(MemberlistErrorCode.badValue, "negative UserMsgLen", { offset: at });
  if (h.UserMsgLen > r.limits.maxUserMsgBytes)
    throw new MemberlistLimitError(`user message of ${h.UserMsgLen} bytes exceeds ${r.limits.maxUserMsgBytes}`, { offset: at });
  return h;
}

/** Decodes a complete push/pull (buffer starting with the 06 byte). Used for buffered stream bodies. */
export function decodePushPull(buf: Uint8Array, limits?: DecodeLimits | ResolvedLimits, base = 0, keep?: (name: string) => boolean): PushPull {
  if (buf[0] !== MessageType.pushPull)
    throw new MemberlistDecodeError(MemberlistErrorCode.unknownType, "not a push/pull message", { offset: base });
  const r = new MsgpackReader(buf, resolveLimits(limits), 1, base);
  const header = readPushPullHeader(r);
  const states: PushNodeState[] = [];
  for (let i = 0; i < header.Nodes; i++) {
    const st = readPushNodeState(r);
    if (!keep || keep(st.Name)) states.push(st);
  }
  const userState = r.take(header.UserStateLen, "push/pull user state").slice();
  return { header, states, userState };
}

/** Decodes a complete stream user message (08 + header + payload) and returns the payload. */
export function decodeStreamUser(buf: Uint8Array, limits?: DecodeLimits | ResolvedLimits, base = 0): Uint8Array {
  if (buf[0] !== MessageType.user)
    throw new MemberlistDecodeError(MemberlistErrorCode.unknownType, "not a user message", { offset: base });
  const r = new MsgpackReader(buf, resolveLimits(limits), 1, base);
  const h = readUserMsgHeader(r);
  return r.take(h.UserMsgLen, "user message").slice();
}
