// LZW exactly as Go's compress/lzw with order LSB and literal width 8 (memberlist's only compression,
// docs/protocols/memberlist.md §7). Codes 0-255 literals, 256 CLEAR, 257 EOF, first free code 258; widths
// 9..12 bits packed LSB-first; the width grows when the next code to assign reaches 2^width.
// Writer: CLEAR first, then codes, the pending code, EOF, zero-padded final byte; when the next code
// would be 4095 it emits CLEAR and starts over. Reader: starts as if just cleared (no leading CLEAR
// needed), requires the EOF code, and at width 12 stops adding codes until the next CLEAR.
// The reader's output is capped: LZW expands up to ~1300x, so a 64 KiB datagram could otherwise
// become ~80 MB (a compression bomb).
import { MemberlistCompressionError, MemberlistLimitError } from "../errors.ts";

const CLEAR = 256;
const EOF = 257;
const MAX_WIDTH = 12;
const MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095

/** Compresses like Go's lzw.NewWriter(w, lzw.LSB, 8) + one Write + Close (byte-identical output). */
export function lzwCompress(data: Uint8Array): Uint8Array {
  let out = new Uint8Array(Math.max(16, (data.length * 3) >> 1) + 8);
  let o = 0;
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = EOF;
  let overflow = 1 << 9;
  const dict = new Map<number, number>();

  const write = (code: number): void => {
    bits |= code << nBits;
    nBits += width;
    while (nBits >= 8) {
      if (o === out.length) {
        const next = new Uint8Array(out.length * 2);
        next.set(out);
        out = next;
      }
      out[o++] = bits & 0xff;
      bits >>>= 8;
      nBits -= 8;
    }
  };
  /** Go's incHi: returns false when it ran out of codes (and has emitted CLEAR and reset). */
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = 9;
      hi = EOF;
      overflow = 1 << 9;
      dict.clear();
      return false;
    }
    return true;
  };

  write(CLEAR);
  if (data.length > 0) {
    let code = data[0]!;
    for (let i = 1; i < data.length; i++) {
      const lit = data[i]!;
      const key = (code << 8) | lit;
      const hit = dict.get(key);
      if (hit !== undefined) {
        code = hit;
        continue;
      }
      write(code);
      code = lit;
      if (!incHi()) continue;
      dict.set(key, hi);
    }
    write(code);
    incHi();
  }
  write(EOF);
  if (nBits > 0) {
    // Flush the partial byte (zero padding).
    if (o === out.length) {
      const next = new Uint8Array(out.length + 1);
      next.set(out);
      out = next;
    }
    out[o++] = bits & 0xff;
  }
  return out.slice(0, o);
}

/**
 * Decompresses Go-compatible LSB/8 LZW. Throws MemberlistCompressionError for an invalid code or data
 * ending before the EOF code, MemberlistLimitError when the output would exceed `maxOut` bytes.
 * Bytes after the EOF code are ignored (as Go does).
 */
export function lzwDecompress(data: Uint8Array, maxOut: number): Uint8Array {
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  const scratch = new Uint8Array(1 << MAX_WIDTH);
  let out = new Uint8Array(Math.min(maxOut, Math.max(64, data.length * 4)));
  let o = 0;
  let bits = 0;
  let nBits = 0;
  let i = 0;
  let width = 9;
  let hi = EOF;
  let overflow = 1 << 9;
  let last = -1; // decoderInvalidCode

  const emit = (from: number): void => {
    const n = scratch.length - from;
    if (o + n > maxOut) throw new MemberlistLimitError(`decompressed size exceeds ${maxOut} bytes`, { offset: i });
    if (o + n > out.length) {
      let size = out.length * 2;
      while (size < o + n) size *= 2;
      const next = new Uint8Array(Math.min(size, maxOut));
      next.set(out.subarray(0, o));
      out = next;
    }
    out.set(scratch.subarray(from), o);
    o += n;
  };

  for (;;) {
    while (nBits < width) {
      if (i >= data.length) throw new MemberlistCompressionError("lzw: unexpected EOF (no EOF code)", { offset: i });
      bits |= data[i++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code < CLEAR) {
      scratch[scratch.length - 1] = code;
      emit(scratch.length - 1);
      if (last !== -1) {
        suffix[hi] = code;
        prefix[hi] = last;
      }
    } else if (code === CLEAR) {
      width = 9;
      hi = EOF;
      overflow = 1 << 9;
      last = -1;
      continue;
    } else if (code === EOF) {
      break;
    } else if (code <= hi) {
      let c = code;
      let k = scratch.length - 1;
      if (code === hi && last !== -1) {
        // KwKwK: expands to last's expansion followed by its first byte.
        c = last;
        while (c >= CLEAR) c = prefix[c]!;
        scratch[k--] = c;
        c = last;
      }
      while (c >= CLEAR) {
        scratch[k--] = suffix[c]!;
        c = prefix[c]!;
      }
      scratch[k] = c;
      emit(k);
      if (last !== -1) {
        suffix[hi] = c;
        prefix[hi] = last;
      }
    } else {
      throw new MemberlistCompressionError(`lzw: invalid code ${code}`, { offset: i });
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        last = -1;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
  return out.slice(0, o);
}
