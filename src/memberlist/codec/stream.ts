// Stream (TCP) messages (docs/protocols/memberlist.md §1, §8.3, §9). One request and at most one reply per
// connection. Layout: [label header, dialer's request only] [0a | u32 BE L | encrypted blob]
// around [09 compress] around the message. Nothing else frames a message and the dialer does not
// half-close, so the reader parses incrementally: it reads chunks until the message is complete.
// The label is GCM AAD in both directions (0a L label), even though only the request carries the header.
// Decompression runs in slices on a per-turn work budget and charges its output (and decrypted
// plaintext) to the connection's memory budget (inflate-async.ts, StreamConn.charge).
import {
  MemberlistCryptoError,
  MemberlistDecodeError,
  MemberlistErrorCode,
  MemberlistLimitError,
  MemberlistStreamError,
} from "../errors.ts";
import { MessageType } from "../messages.ts";
import type { Message, PushNodeState, PushPull } from "../messages.ts";
import type { StreamConn } from "../../transport/index.ts";
import { decryptPayload, encryptedLength, encryptPayload } from "./aesgcm.ts";
import { encodeCompressed, readCompressEnvelope } from "./compress.ts";
import { inflateAsync, type InflateHooks } from "./inflate-async.ts";
import type { WorkGate } from "../../util/index.ts";
import { checkLabel, encodeLabelHeader, labelBytes, parseLabelHeader } from "./label.ts";
import { resolveLimits } from "./limits.ts";
import type { ResolvedLimits } from "./limits.ts";
import { decodeMessage, decodePushPull, decodeStreamUser, readPushNodeState, readPushPullHeader, readUserMsgHeader } from "./message.ts";
import { MsgpackReader } from "./msgpack-reader.ts";
import { asMemberlistError } from "./packet.ts";
import type { PacketOptions } from "./packet.ts";

/** Everything a stream request or reply can carry. `user` carries the payload (stream form decoded). */
export type StreamMessage = Message | { type: "pushPull"; body: PushPull };

export interface StreamReadOptions extends PacketOptions {
  /** "accept" (default) reads a request: strips and checks the label header. "dial" reads a reply. */
  role?: "accept" | "dial";
  /** Work budget per event-loop turn for decompression (inflate-async.ts); none = slices run at once. */
  gate?: WorkGate;
  /**
   * Push/pull node states to keep, by name (the rest are decoded to advance and dropped at once, so a
   * huge push/pull never holds its states). Unset: every state. pp.header.Nodes stays the declared count.
   */
  keepState?: (name: string) => boolean;
}

/** The encryption envelope's AAD: 0a + u32 BE length + label. */
function streamAad(header: Uint8Array, label: Uint8Array): Uint8Array {
  const aad = new Uint8Array(5 + label.length);
  aad.set(header.subarray(0, 5));
  aad.set(label, 5);
  return aad;
}

/**
 * Compresses (always, when opts.compress, as Go does on streams) and encrypts (keyring) a stream message.
 * Never adds the label header: the dialer writes that separately (writeStreamRequest).
 */
export function sealStream(msg: Uint8Array, opts: PacketOptions & { keyring?: undefined }): Uint8Array;
export function sealStream(msg: Uint8Array, opts: PacketOptions): Uint8Array | Promise<Uint8Array>;
export function sealStream(msg: Uint8Array, opts: PacketOptions): Uint8Array | Promise<Uint8Array> {
  const buf = opts.compress ? encodeCompressed(msg, opts.flavor) : msg;
  if (opts.keyring === undefined || opts.verifyOutgoing === false) return buf;
  const vsn = opts.encryptionVersion ?? 1;
  const header = new Uint8Array(5);
  header[0] = MessageType.encrypt;
  new DataView(header.buffer).setUint32(1, encryptedLength(vsn, buf.length));
  return encryptPayload(vsn, opts.keyring, buf, streamAad(header, labelBytes(opts.label)), opts.randomBytes).then((blob) => {
    const out = new Uint8Array(5 + blob.length);
    out.set(header);
    out.set(blob, 5);
    return out;
  });
}

/** Dialer side: the label header (if configured) as its own write, then the sealed request. */
export async function writeStreamRequest(conn: StreamConn, msg: Uint8Array, opts: PacketOptions): Promise<void> {
  const sealed = await sealStream(msg, opts);
  const header = encodeLabelHeader(opts.label);
  if (header !== null) await conn.write(header);
  await conn.write(sealed);
}

/** Accepting side: the sealed reply, never with a label header. */
export async function writeStreamReply(conn: StreamConn, msg: Uint8Array, opts: PacketOptions): Promise<void> {
  await conn.write(await sealStream(msg, opts));
}

/** Accumulates chunks from a connection; every wait for more bytes goes through here. */
class StreamBuffer {
  buf = new Uint8Array(4096);
  len = 0;
  private eof = false;
  private readonly conn: StreamConn;
  private readonly max: number;
  constructor(conn: StreamConn, max: number) {
    this.conn = conn;
    this.max = max;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  /** Reads one more chunk; throws truncated at end of stream. */
  async more(): Promise<void> {
    if (this.eof) throw new MemberlistDecodeError(MemberlistErrorCode.truncated, "stream ended before the message was complete", { offset: this.len });
    let chunk: Uint8Array | null;
    try {
      chunk = await this.conn.read();
    } catch (e) {
      throw new MemberlistStreamError(`stream read failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e, offset: this.len });
    }
    if (chunk === null) {
      this.eof = true;
      throw new MemberlistDecodeError(MemberlistErrorCode.truncated, "stream ended before the message was complete", { offset: this.len });
    }
    if (this.len + chunk.length > this.max)
      throw new MemberlistLimitError(`stream message exceeds ${this.max} bytes`, { offset: this.len });
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + chunk.length) size *= 2;
      const next = new Uint8Array(Math.min(size, this.max));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
  /** Waits until at least `n` bytes are buffered. */
  async ensure(n: number): Promise<void> {
    if (n > this.max) throw new MemberlistLimitError(`stream message needs ${n} bytes, limit ${this.max}`, { offset: this.len });
    while (this.len < n) await this.more();
  }
  /** Runs a synchronous parse, reading more and retrying whenever it reports truncation. */
  async parse<T>(fn: (view: Uint8Array) => T): Promise<T> {
    for (;;) {
      try {
        return fn(this.view());
      } catch (e) {
        if (e instanceof MemberlistDecodeError && e.code === MemberlistErrorCode.truncated) {
          await this.more();
          continue;
        }
        throw e;
      }
    }
  }
}

/**
 * Reads exactly one message from a stream. Throws a MemberlistError: label (mismatch), crypto
 * (code encryption_not_configured deserves Go's errResp "Remote state is encrypted and encryption is not
 * configured"; code not_encrypted when a keyring is set and the peer sent plaintext), decode/limit, io.
 */
export async function readStreamMessage(conn: StreamConn, opts: StreamReadOptions): Promise<StreamMessage> {
  try {
    return await readStream(conn, opts);
  } catch (e) {
    throw asMemberlistError(e);
  }
}

async function readStream(conn: StreamConn, opts: StreamReadOptions): Promise<StreamMessage> {
  const limits = resolveLimits(opts.limits);
  const sb = new StreamBuffer(conn, limits.maxStreamBytes);
  let pos = 0;
  let aadLabel: Uint8Array;
  await sb.ensure(1);
  if (opts.role === "dial") {
    aadLabel = labelBytes(opts.label);
  } else {
    let parsed = parseLabelHeader(sb.view());
    while (parsed === "more") {
      await sb.more();
      parsed = parseLabelHeader(sb.view());
    }
    aadLabel = checkLabel(parsed.label, opts.label, opts.skipInboundLabelCheck === true);
    pos = parsed.headerLen;
    await sb.ensure(pos + 1);
  }

  const t = sb.buf[pos]!;
  if (t === MessageType.encrypt) {
    if (opts.keyring === undefined)
      throw new MemberlistCryptoError(MemberlistErrorCode.encryptionNotConfigured, "Remote state is encrypted and encryption is not configured", { offset: pos });
    await sb.ensure(pos + 5);
    const header = sb.buf.slice(pos, pos + 5);
    const len = new DataView(header.buffer).getUint32(1);
    if (len > limits.maxEncryptedStreamBytes)
      throw new MemberlistLimitError(`remote node state is larger than limit (${len})`, { offset: pos + 1 });
    await sb.ensure(pos + 5 + len);
    const plain = await decryptPayload(opts.keyring, sb.buf.subarray(pos + 5, pos + 5 + len), streamAad(header, aadLabel));
    if (plain.length === 0) throw new MemberlistDecodeError(MemberlistErrorCode.empty, "decrypted stream message is empty", { offset: pos + 5 });
    if (conn.charge && !conn.charge(plain.length)) throw new MemberlistLimitError(`decrypted ${plain.length} bytes: the stream memory budget is exhausted`, { offset: pos + 5 });
    return decodeStreamBody(plain, limits, true, hooksOf(conn, opts), opts.keepState);
  }
  if (opts.keyring !== undefined && opts.verifyIncoming !== false)
    throw new MemberlistCryptoError(MemberlistErrorCode.notEncrypted, "Encryption is configured but remote state is not encrypted", { offset: pos });

  if (t === MessageType.compress) {
    const start = pos;
    const c = await sb.parse((v) => readCompressEnvelope(new MsgpackReader(v, envelopeLimits(limits), start + 1)));
    const inner = await inflateAsync(c, limits.maxStreamDecompressedBytes, start, limits, hooksOf(conn, opts));
    return decodeStreamBody(inner, limits, false, hooksOf(conn, opts), opts.keepState);
  }
  if (t === MessageType.pushPull) return { type: "pushPull", body: await readPushPullIncrementally(sb, pos, limits, opts.keepState) };
  if (t === MessageType.user) {
    const start = pos;
    const { h, at } = await sb.parse((v) => {
      const r = new MsgpackReader(v, limits, start + 1);
      return { h: readUserMsgHeader(r), at: r.pos };
    });
    await sb.ensure(at + h.UserMsgLen);
    return { type: "user", body: sb.buf.slice(at, at + h.UserMsgLen) };
  }
  const start = pos;
  return sb.parse((v) => decodeMessage(v.subarray(start), limits, start));
}

/** The decompression hooks for one read: the member's work gate, the connection's memory charge. */
function hooksOf(conn: StreamConn, opts: StreamReadOptions): InflateHooks {
  return { ...(opts.gate ? { gate: opts.gate } : {}), ...(conn.charge ? { charge: (n: number) => conn.charge!(n) } : {}) };
}

/**
 * A compressed stream message is one msgpack field (Buf) holding the whole LZW stream, so on streams a
 * field may be as large as an encrypted stream may be (20 MiB), not just maxFieldBytes. (The whole
 * message is still capped by maxStreamBytes, 16 MiB by default.)
 */
function envelopeLimits(l: ResolvedLimits): ResolvedLimits {
  if (l.maxFieldBytes >= l.maxEncryptedStreamBytes) return l;
  let e = envelopes.get(l);
  if (e === undefined) {
    e = Object.freeze({ ...l, maxFieldBytes: l.maxEncryptedStreamBytes });
    envelopes.set(l, e);
  }
  return e;
}
/** envelopeLimits per resolved limits object (resolved limits are frozen, so the result never goes stale). */
const envelopes = new WeakMap<ResolvedLimits, ResolvedLimits>();

/**
 * Push/pull straight off the wire: the header, then one node state at a time, then the user state. One
 * reader walks whatever is buffered; only when a state runs past the buffered bytes does it wait for more
 * and re-read that state (a new reader, as the buffer may have moved).
 */
async function readPushPullIncrementally(sb: StreamBuffer, start: number, limits: ResolvedLimits, keep?: (name: string) => boolean): Promise<PushPull> {
  let at = start + 1;
  const header = await sb.parse((v) => {
    const r = new MsgpackReader(v, limits, at);
    const h = readPushPullHeader(r);
    at = r.pos;
    return h;
  });
  const states: PushNodeState[] = [];
  let decoded = 0;
  let r = new MsgpackReader(sb.view(), limits, at);
  while (decoded < header.Nodes) {
    try {
      const st = readPushNodeState(r);
      at = r.pos;
      decoded++;
      if (!keep || keep(st.Name)) states.push(st);
    } catch (e) {
      if (!(e instanceof MemberlistDecodeError && e.code === MemberlistErrorCode.truncated)) throw e;
      await sb.more();
      r = new MsgpackReader(sb.view(), limits, at);
    }
  }
  await sb.ensure(at + header.UserStateLen);
  return { header, states, userState: sb.buf.slice(at, at + header.UserStateLen) };
}

/**
 * A complete stream body (after decryption or decompression). After decryption a compress wrapper may
 * follow (compression is applied before encryption); after decompression no further layer is allowed
 * (Go: "Received invalid msgType").
 */
async function decodeStreamBody(buf: Uint8Array, limits: ResolvedLimits, mayBeCompressed: boolean, hooks: InflateHooks, keep?: (name: string) => boolean): Promise<StreamMessage> {
  const t = buf[0];
  if (t === MessageType.compress && mayBeCompressed) {
    const r = new MsgpackReader(buf, envelopeLimits(limits), 1);
    const inner = await inflateAsync(readCompressEnvelope(r), limits.maxStreamDecompressedBytes, 0, limits, hooks);
    return decodeStreamBody(inner, limits, false, hooks, keep);
  }
  if (t === MessageType.pushPull) return { type: "pushPull", body: decodePushPull(buf, limits, 0, keep) };
  if (t === MessageType.user) return { type: "user", body: decodeStreamUser(buf, limits) };
  return decodeMessage(buf, limits);
}
