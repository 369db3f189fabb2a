// Compound messages (type 7, docs/protocols/memberlist.md §5.1): 07 | count u8 | count × u16 BE length | parts.
// Each part is a complete message with its own type byte. A part whose length runs past the buffer stops
// the split; the parts before it are kept (Go logs how many were truncated and handles the rest).
import { MemberlistDecodeError, MemberlistEncodeError, MemberlistErrorCode } from "../errors.ts";
import { MessageType } from "../messages.ts";

/** Most parts one compound can carry (the count is one byte). */
export const MAX_COMPOUND_PARTS = 255;

/**
 * Packs messages for one datagram. One part is sent bare; more than 255 are split into several compounds
 * (latest's behaviour). No parts: no packets.
 */
export function encodeCompound(parts: Uint8Array[]): Uint8Array[] {
  if (parts.length === 0) return [];
  if (parts.length === 1) return [parts[0]!];
  const out: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS) out.push(makeCompound(parts.slice(i, i + MAX_COMPOUND_PARTS)));
  return out;
}

/** One compound message of at most 255 parts (also for 1 part, when a caller needs that form). */
export function makeCompound(parts: Uint8Array[]): Uint8Array {
  if (parts.length > MAX_COMPOUND_PARTS) throw new MemberlistEncodeError(`compound of ${parts.length} parts exceeds 255`);
  let total = 2 + 2 * parts.length;
  for (const p of parts) {
    if (p.length > 0xffff) throw new MemberlistEncodeError(`compound part of ${p.length} bytes exceeds 65535`);
    total += p.length;
  }
  const out = new Uint8Array(total);
  out[0] = MessageType.compound;
  out[1] = parts.length;
  let at = 2;
  for (const p of parts) {
    out[at++] = p.length >>> 8;
    out[at++] = p.length & 0xff;
  }
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface SplitCompound {
  /** Parts (views into the input) with their offsets in the input. */
  parts: { buf: Uint8Array; offset: number }[];
  /** Set when some declared parts ran past the buffer (they are dropped). */
  truncated?: MemberlistDecodeError;
}

/** Splits a compound message (buf[0] === 7). Throws only when the header itself is unreadable. */
export function splitCompound(buf: Uint8Array, base = 0): SplitCompound {
  if (buf.length < 2) throw new MemberlistDecodeError(MemberlistErrorCode.badCompound, "missing compound length byte", { offset: base + buf.length });
  const n = buf[1]!;
  let at = 2 + 2 * n;
  if (buf.length < at) throw new MemberlistDecodeError(MemberlistErrorCode.badCompound, "truncated compound length slice", { offset: base + buf.length });
  const parts: SplitCompound["parts"] = [];
  for (let i = 0; i < n; i++) {
    const len = (buf[2 + 2 * i]! << 8) | buf[3 + 2 * i]!;
    if (buf.length - at < len) {
      return {
        parts,
        truncated: new MemberlistDecodeError(MemberlistErrorCode.badCompound, `compound truncated: ${n - i} of ${n} parts missing`, {
          offset: base + at,
        }),
      };
    }
    parts.push({ buf: buf.subarray(at, at + len), offset: base + at });
    at += len;
  }
  return { parts };
}
