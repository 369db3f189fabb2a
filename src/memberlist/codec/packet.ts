// UDP packet layers (docs/protocols/memberlist.md §4, §5). Sending, innermost first: message or compound ->
// compress (only if strictly smaller) -> hasCrc (0c + CRC-32 BE, when the peer's PMax ≥ 5) -> encrypt
// (no type byte; AAD = label) -> label header. Receiving undoes them in reverse; compound and compress are
// dispatched recursively, hasCrc is only recognised outermost (inside the encryption), as in Go.
// Receiving never throws: every failure becomes an entry in `errors`, and the good parts are kept.
// Without a keyring both directions are synchronous (the simulation relies on it).
// The CRC-32 routine is injected (PacketOptions.crc32: a runtime passes its platform's "memberlist-crc"
// hot path); the pure-TS twin is the default.
import { crc32 as crc32Ts } from "../../hotpath/index.ts";
import {
  MemberlistChecksumError,
  MemberlistDecodeError,
  MemberlistError,
  MemberlistErrorCode,
  MemberlistLimitError,
} from "../errors.ts";
import { MessageType } from "../messages.ts";
import type { Message } from "../messages.ts";
import { decryptPayload, encryptPayload } from "./aesgcm.ts";
import { encodeCompressed, inflate, readCompressEnvelope } from "./compress.ts";
import { splitCompound } from "./compound.ts";
import type { Keyring } from "./keyring.ts";
import { addLabelHeader, checkLabel, labelBytes, parseLabelHeader } from "./label.ts";
import { resolveLimits } from "./limits.ts";
import type { DecodeLimits, ResolvedLimits } from "./limits.ts";
import { decodeMessage } from "./message.ts";
import { MsgpackReader } from "./msgpack-reader.ts";
import type { MsgpackFlavor } from "./msgpack.ts";

export interface PacketOptions {
  /** Config.Label (memberlist ≥ 0.3.0); "" or undefined = no label header. */
  label?: string;
  /** Encryption keyring; when set, output is encrypted and input must be. */
  keyring?: Keyring;
  /** Encryption version: 1 (spoken protocol ≥ 2, the default) or 0 (protocol 1, PKCS#7 padded). */
  encryptionVersion?: 0 | 1;
  /** EnableCompression: packets are compressed only when that is strictly smaller; streams always. */
  compress?: boolean;
  /** Add the hasCrc layer (packets only): Go does so when the target is known and its PMax ≥ 5. */
  crc?: boolean;
  /** GossipVerifyIncoming (default true): with a keyring, plaintext input is rejected. */
  verifyIncoming?: boolean;
  /** GossipVerifyOutgoing (default true): with a keyring, output is encrypted. */
  verifyOutgoing?: boolean;
  /** SkipInboundLabelCheck: unlabeled input counts as carrying `label`; labeled input is an error. */
  skipInboundLabelCheck?: boolean;
  /** msgpack flavour for the compress envelope. Default "0.2.2". */
  flavor?: MsgpackFlavor;
  /** Limits on untrusted input (defaults: DEFAULT_LIMITS). */
  limits?: DecodeLimits;
  /** Nonce source (tests). Default crypto.getRandomValues. */
  randomBytes?: (n: number) => Uint8Array;
  /** CRC-32 (IEEE) of a whole buffer: the platform's "memberlist-crc" routine. Default the TS twin. */
  crc32?: (data: Uint8Array) => number;
}

/** A received packet with all layers undone. */
export interface OpenedPacket {
  /** Every message that decoded, in packet order (compound parts flattened). */
  messages: Message[];
  /** One entry per failure (a layer failing empties `messages`; a bad part only loses itself). */
  errors: MemberlistError[];
}

const encrypting = (o: PacketOptions): o is PacketOptions & { keyring: Keyring } =>
  o.keyring !== undefined && o.verifyOutgoing !== false;

/** Applies compress / crc / encrypt / label to an encoded message (or compound). */
export function sealPacket(msg: Uint8Array, opts: PacketOptions & { keyring?: undefined }): Uint8Array;
export function sealPacket(msg: Uint8Array, opts: PacketOptions): Uint8Array | Promise<Uint8Array>;
export function sealPacket(msg: Uint8Array, opts: PacketOptions): Uint8Array | Promise<Uint8Array> {
  let buf = msg;
  if (opts.compress) {
    const c = encodeCompressed(buf, opts.flavor);
    if (c.length < buf.length) buf = c;
  }
  if (opts.crc) {
    const out = new Uint8Array(5 + buf.length);
    out[0] = MessageType.hasCrc;
    new DataView(out.buffer).setUint32(1, (opts.crc32 ?? crc32Ts)(buf));
    out.set(buf, 5);
    buf = out;
  }
  if (!encrypting(opts)) return addLabelHeader(buf, opts.label);
  return encryptPayload(opts.encryptionVersion ?? 1, opts.keyring, buf, labelBytes(opts.label), opts.randomBytes).then((b) =>
    addLabelHeader(b, opts.label),
  );
}

/** Undoes every layer and decodes all messages. Synchronous when no keyring is configured. */
export function openPacket(buf: Uint8Array, opts: PacketOptions & { keyring?: undefined }): OpenedPacket;
export function openPacket(buf: Uint8Array, opts: PacketOptions): OpenedPacket | Promise<OpenedPacket>;
export function openPacket(buf: Uint8Array, opts: PacketOptions): OpenedPacket | Promise<OpenedPacket> {
  const limits = resolveLimits(opts.limits);
  let aad: Uint8Array;
  let body: Uint8Array;
  try {
    const parsed = parseLabelHeader(buf);
    if (parsed === "more") throw new MemberlistDecodeError(MemberlistErrorCode.truncated, "cannot decode label; packet has been truncated", { offset: buf.length });
    aad = checkLabel(parsed.label, opts.label, opts.skipInboundLabelCheck === true);
    body = buf.subarray(parsed.headerLen);
  } catch (e) {
    return failed(e);
  }
  const crc = opts.crc32 ?? crc32Ts;
  if (opts.keyring === undefined) return openPlain(body, limits, crc);
  const verify = opts.verifyIncoming !== false;
  return decryptPayload(opts.keyring, body, aad).then(
    (plain) => openPlain(plain, limits, crc),
    (e: unknown) => (verify ? failed(e) : openPlain(body, limits, crc)),
  );
}

/** CRC check and dispatch; a bug-induced exception still comes out as a typed error. */
function openPlain(buf: Uint8Array, limits: ResolvedLimits, crc: (data: Uint8Array) => number): OpenedPacket {
  try {
    return openChecked(buf, limits, crc);
  } catch (e) {
    return failed(e);
  }
}

function failed(e: unknown): OpenedPacket {
  return { messages: [], errors: [asMemberlistError(e)] };
}

/** Anything thrown while decoding becomes a MemberlistError (a non-typed one is a bug; keep it as cause). */
export function asMemberlistError(e: unknown): MemberlistError {
  if (e instanceof MemberlistError) return e;
  return new MemberlistDecodeError(MemberlistErrorCode.badMsgpack, `unexpected decoder failure: ${String(e)}`, { cause: e });
}

/** CRC check (outermost, inside the encryption), then recursive dispatch. */
function openChecked(buf: Uint8Array, limits: ResolvedLimits, crc: (data: Uint8Array) => number): OpenedPacket {
  const out: OpenedPacket = { messages: [], errors: [] };
  let body = buf;
  if (buf.length >= 5 && buf[0] === MessageType.hasCrc) {
    const want = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
    body = buf.subarray(5);
    const got = crc(body);
    if (got !== want) {
      out.errors.push(new MemberlistChecksumError(`invalid checksum: got ${hex32(got)}, header says ${hex32(want)}`, { offset: 1 }));
      return out;
    }
    dispatch(body, 5, 0, limits, { left: limits.maxPacketDecompressedBytes }, out);
  } else {
    dispatch(body, 0, 0, limits, { left: limits.maxPacketDecompressedBytes }, out);
  }
  return out;
}

const hex32 = (n: number): string => n.toString(16).padStart(8, "0");

class PacketFull extends Error {}

function push(out: OpenedPacket, limits: ResolvedLimits, item: Message | MemberlistError): void {
  if (out.messages.length + out.errors.length >= limits.maxPacketMessages) {
    out.errors.push(new MemberlistLimitError(`packet holds more than ${limits.maxPacketMessages} messages; rest dropped`));
    throw new PacketFull();
  }
  if (item instanceof MemberlistError) out.errors.push(item);
  else out.messages.push(item);
}

/** Top-level dispatch: stops quietly once the packet has produced too many entries. */
function dispatch(buf: Uint8Array, base: number, depth: number, limits: ResolvedLimits, budget: { left: number }, out: OpenedPacket): void {
  try {
    dispatchInner(buf, base, depth, limits, budget, out);
  } catch (e) {
    if (!(e instanceof PacketFull)) throw e;
  }
}

/** Go's handleCommand: compound and compress recurse, everything else is one message. */
function dispatchInner(buf: Uint8Array, base: number, depth: number, limits: ResolvedLimits, budget: { left: number }, out: OpenedPacket): void {
  const t = buf[0];
  if ((t === MessageType.compound || t === MessageType.compress) && depth >= limits.maxLayerDepth) {
    push(out, limits, new MemberlistLimitError(`layers nested deeper than ${limits.maxLayerDepth}`, { offset: base }));
    return;
  }
  if (t === MessageType.compound) {
    let split;
    try {
      split = splitCompound(buf, base);
    } catch (e) {
      push(out, limits, asMemberlistError(e));
      return;
    }
    for (const p of split.parts) dispatchInner(p.buf, p.offset, depth + 1, limits, budget, out);
    if (split.truncated) push(out, limits, split.truncated);
    return;
  }
  if (t === MessageType.compress) {
    let inner: Uint8Array;
    try {
      const r = new MsgpackReader(buf, limits, 1, base);
      inner = inflate(readCompressEnvelope(r), budget.left, base, limits);
    } catch (e) {
      push(out, limits, asMemberlistError(e));
      return;
    }
    budget.left -= inner.length;
    // Offsets inside decompressed data refer to that data, not to the packet.
    dispatchInner(inner, 0, depth + 1, limits, budget, out);
    return;
  }
  let m: Message;
  try {
    m = decodeMessage(buf, limits, base);
  } catch (e) {
    push(out, limits, asMemberlistError(e));
    return;
  }
  push(out, limits, m);
}
