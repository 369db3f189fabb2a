// The compress wrapper (type 9, docs/protocols/memberlist.md §7): 09 + msgpack {Algo: 0, Buf: <LZW bytes>}.
// Algo 0 (LZW LSB/8) is the only algorithm. The decompressed bytes are a complete message again
// (starting with its own type byte) and are dispatched once more by the caller. The output is capped at
// the caller's maxOut and at a ratio of the input (inflateCap); streams inflate over several event-loop
// turns (inflate-async.ts).
import { MemberlistCompressionError, MemberlistLimitError } from "../errors.ts";
import { MessageType } from "../messages.ts";
import type { Compress } from "../messages.ts";
import type { ResolvedLimits } from "./limits.ts";
import { lzwCompress, lzwDecompress } from "./lzw.ts";
import { MsgpackReader } from "./msgpack-reader.ts";
import { encodeWith } from "./msgpack.ts";
import type { MsgpackFlavor } from "./msgpack.ts";
import { readStruct, SCHEMAS, writeStruct } from "./schema.ts";

export const LZW_ALGO = 0;

/** 09 + {Algo: 0, Buf: lzw(msg)}. */
export function encodeCompressed(msg: Uint8Array, flavor: MsgpackFlavor = "0.2.2"): Uint8Array {
  const buf = lzwCompress(msg);
  return encodeWith((w) => {
    w.byte(MessageType.compress);
    writeStruct(w, SCHEMAS.compress, { Algo: LZW_ALGO, Buf: buf } satisfies Compress, flavor);
  });
}

/** Reads the msgpack compress envelope at r.pos (after the 09 byte). */
export function readCompressEnvelope(r: MsgpackReader): Compress {
  const at = r.offset;
  const c = readStruct<Compress>(r, SCHEMAS.compress);
  if (c.Algo !== LZW_ALGO) throw new MemberlistCompressionError(`cannot decompress unknown algorithm ${c.Algo}`, { offset: at });
  return c;
}

/**
 * The output cap for an envelope: `maxOut`, and at most maxInflateRatio x the compressed size (but
 * always inflateRatioFloor bytes). A bomb is refused after that much work, not after maxOut.
 */
export function inflateCap(compressedLen: number, maxOut: number, ratio: number, floor: number): number {
  return Math.min(maxOut, Math.max(floor, compressedLen * ratio));
}

/**
 * Inflates a compress envelope's Buf; an empty result is rejected (as latest does). With `limits` (a
 * packet's layer) the output is also capped at maxInflateRatio (packetInflateRatioFloor at least).
 */
export function inflate(c: Compress, maxOut: number, offset: number, limits?: ResolvedLimits): Uint8Array {
  let out: Uint8Array;
  try {
    out = lzwDecompress(c.Buf, limits ? inflateCap(c.Buf.length, maxOut, limits.maxInflateRatio, limits.packetInflateRatioFloor) : maxOut);
  } catch (e) {
    // Re-anchor the offset on the envelope (the original, relative to Buf, stays as cause).
    if (e instanceof MemberlistLimitError) throw new MemberlistLimitError(e.message, { cause: e, offset });
    if (e instanceof MemberlistCompressionError) throw new MemberlistCompressionError(e.message, { cause: e, offset });
    throw e;
  }
  if (out.length === 0) throw new MemberlistCompressionError("decompressed payload is empty", { offset });
  return out;
}

/** Decodes a whole compress message (buf[0] === 9) to the inner message bytes. */
export function decodeCompressed(buf: Uint8Array, limits: ResolvedLimits, maxOut: number, base = 0): Uint8Array {
  const r = new MsgpackReader(buf, limits, 1, base);
  return inflate(readCompressEnvelope(r), maxOut, base, limits);
}
