// ckit gossip messages and push/pull state (docs/protocols/ckit.md §4.3, §4.4), byte-exact with ckit:
//
//   message     12 01 | type u8 (1 = State) | msgpack body          (magic 0x1201 big-endian)
//   State body  map{ "NewState": uint, "NodeName": str, "Time": uint64 }   keys sorted by name
//   local state map{ "CurrentTime": uint64, "NodeStates": [State body…] }   no magic, no type byte
//
// go-msgpack writes old-spec raw strings (fixstr < 32 bytes, then da + u16; never d9) and the smallest
// unsigned int form (fixint, cc, cd, ce, cf); the shared MsgpackWriter does exactly that. Parse errors
// carry ckit's texts ("payload too small for message", "invalid magic header 112", "invalid message type
// N", "EOF"). Everything thrown on untrusted input is a CkitDecodeError with an offset.
import { MsgpackReader, MsgpackWriter, encodeWith, resolveLimits, type ResolvedLimits } from "../memberlist/index.ts";
import { CkitDecodeError, CkitErrorCode } from "./errors.ts";
import { compareNames, stateName } from "./peer.ts";

/** Message magic, big-endian on the wire: bytes 12 01. */
export const MESSAGE_MAGIC = 0x1201;
/** Message types. Only State exists at ckit bbed30d (TypeMetadata = 1 existed until 2022). */
export const MessageType = { invalid: 0, state: 1 } as const;

/** A peer's state at a Lamport time (ckit messages.State). `newState` may be an unknown number. */
export interface StateMessage {
  readonly nodeName: string;
  readonly newState: number;
  readonly time: bigint;
}

/** What a push/pull carries (ckit localState). */
export interface LocalState {
  readonly currentTime: bigint;
  readonly nodeStates: readonly StateMessage[];
}

/** Decoded gossip message (a discriminated union; State is the only kind today). */
export type CkitMessage = { readonly type: "state"; readonly state: StateMessage };

const U64_MAX = (1n << 64n) - 1n;
const LIMITS: ResolvedLimits = resolveLimits({ maxEntries: 1 << 20, maxFieldBytes: 1 << 20 });

/** ckit's State.String(): `name @time: state`. */
export function stateString(s: StateMessage): string {
  return `${s.nodeName} @${s.time}: ${stateName(s.newState)}`;
}

// ---- encoding

function writeU64(w: MsgpackWriter, v: bigint): void {
  if (v < 0n || v > U64_MAX) throw new RangeError(`value ${v} is not a uint64`);
  if (v < 0x100000000n) return w.uint(Number(v));
  w.byte(0xcf);
  w.u32(Number(v >> 32n));
  w.u32(Number(v & 0xffffffffn));
}

function writeState(w: MsgpackWriter, s: StateMessage): void {
  if (!Number.isSafeInteger(s.newState) || s.newState < 0) throw new RangeError(`state ${s.newState} is not a uint`);
  w.mapHeader(3);
  w.str("NewState");
  w.uint(s.newState);
  w.str("NodeName");
  w.str(s.nodeName);
  w.str("Time");
  writeU64(w, s.time);
}

/** The full gossip message for a state (what ckit broadcasts): 12 01 01 + msgpack. */
export function encodeStateMessage(s: StateMessage): Uint8Array {
  return encodeWith((w) => {
    w.byte(MESSAGE_MAGIC >> 8);
    w.byte(MESSAGE_MAGIC & 0xff);
    w.byte(MessageType.state);
    writeState(w, s);
  }, 32 + s.nodeName.length * 3);
}

/**
 * The push/pull local state. ckit lists NodeStates in Go map order (it varies between calls); we sort
 * by node name, which is one of the orders ckit produces, so any ckit peer reads it the same.
 */
export function encodeLocalState(ls: LocalState): Uint8Array {
  const states = [...ls.nodeStates].sort((a, b) => compareNames(a.nodeName, b.nodeName));
  return encodeWith((w) => {
    w.mapHeader(2);
    w.str("CurrentTime");
    writeU64(w, ls.currentTime);
    w.str("NodeStates");
    const n = states.length;
    if (n < 16) w.byte(0x90 | n);
    else if (n < 0x10000) {
      w.byte(0xdc);
      w.u16(n);
    } else {
      w.byte(0xdd);
      w.u32(n);
    }
    for (const s of states) writeState(w, s);
  }, 64 + states.length * 48);
}

// ---- decoding

function bad(message: string, offset: number, cause?: unknown): CkitDecodeError {
  return new CkitDecodeError(CkitErrorCode.badBody, message, cause === undefined ? { offset } : { offset, cause });
}

/**
 * Checks the 3-byte header and returns the type and body (ckit messages.Parse). Errors are ckit's texts.
 */
export function parseMessage(raw: Uint8Array): { type: 1; body: Uint8Array } {
  if (raw.length < 3) throw new CkitDecodeError(CkitErrorCode.tooSmall, "payload too small for message", { offset: raw.length });
  const magic = (raw[0]! << 8) | raw[1]!;
  if (magic !== MESSAGE_MAGIC) throw new CkitDecodeError(CkitErrorCode.badMagic, `invalid magic header ${magic.toString(16)}`, { offset: 0 });
  const type = raw[2]!;
  if (type !== MessageType.state) throw new CkitDecodeError(CkitErrorCode.badType, `invalid message type ${type}`, { offset: 2 });
  return { type: MessageType.state, body: raw.subarray(3) };
}

/** Parses and decodes a gossip message. */
export function decodeMessage(raw: Uint8Array): CkitMessage {
  const { body } = parseMessage(raw);
  return { type: "state", state: decodeStateBody(body, 3) };
}

/** Decodes a State msgpack body (ckit messages.Decode). An empty body is ckit's "EOF". */
export function decodeStateBody(body: Uint8Array, base = 0): StateMessage {
  if (body.length === 0) throw bad("EOF", base);
  const r = new MsgpackReader(body, LIMITS, 0, base);
  return guard(() => readState(r), r);
}

/** Decodes a push/pull local state (ckit decodeLocalState). */
export function decodeLocalState(buf: Uint8Array): LocalState {
  if (buf.length === 0) throw bad("EOF", 0);
  const r = new MsgpackReader(buf, LIMITS);
  return guard(() => {
    let currentTime = 0n;
    let nodeStates: StateMessage[] = [];
    const n = r.mapHeader();
    for (let i = 0; i < n; i++) {
      const key = readKey(r);
      if (key === "CurrentTime") currentTime = readU64(r);
      else if (key === "NodeStates") nodeStates = readStates(r);
      else r.skip();
    }
    return { currentTime, nodeStates };
  }, r);
}

/** Runs a decode step; any codec error becomes a CkitDecodeError at the reader's offset. */
function guard<T>(fn: () => T, r: MsgpackReader): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CkitDecodeError) throw err;
    const offset = (err as { offset?: number }).offset ?? r.offset;
    const truncated = (err as { code?: string }).code === "memberlist.truncated";
    throw bad(truncated ? "unexpected EOF" : `malformed msgpack: ${(err as Error).message}`, offset, err);
  }
}

function readStates(r: MsgpackReader): StateMessage[] {
  const b = r.peek();
  if (b === 0xc0) {
    r.pos++;
    return [];
  }
  const n = r.arrayHeader();
  const out: StateMessage[] = [];
  for (let i = 0; i < n; i++) out.push(readState(r));
  return out;
}

function readState(r: MsgpackReader): StateMessage {
  let nodeName = "";
  let newState = 0;
  let time = 0n;
  const n = r.mapHeader();
  for (let i = 0; i < n; i++) {
    const key = readKey(r);
    if (key === "NodeName") nodeName = r.str();
    else if (key === "NewState") {
      const at = r.offset;
      const v = readU64(r);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`state ${v} out of range`, at);
      newState = Number(v);
    } else if (key === "Time") time = readU64(r);
    else r.skip();
  }
  return { nodeName, newState, time };
}

function readKey(r: MsgpackReader): string {
  const at = r.offset;
  const len = r.keyLength();
  const bytes = r.buf.subarray(r.pos - len, r.pos);
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  if (s.length !== len) throw bad("bad map key", at);
  return s;
}

/** A Go uint64 field: any non-negative msgpack integer; nil is 0. */
function readU64(r: MsgpackReader): bigint {
  const at = r.offset;
  const b = r.peek();
  if (b === 0xcf || b === 0xd3) {
    r.pos++;
    const hi = r.take(8, "uint64");
    const v = new DataView(hi.buffer, hi.byteOffset, 8).getBigUint64(0);
    if (b === 0xd3 && v >= 1n << 63n) throw bad("negative value for an unsigned field", at);
    return v;
  }
  const v = r.intOrNil();
  if (v === null) return 0n;
  if (v < 0) throw bad("negative value for an unsigned field", at);
  return BigInt(v);
}
