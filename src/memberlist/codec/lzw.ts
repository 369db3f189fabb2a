// LZW exactly as Go's compress/lzw with order LSB and literal width 8 (memberlist's only compression,
// docs/protocols/memberlist.md §7). Codes 0-255 literals, 256 CLEAR, 257 EOF, first free code 258; widths
// 9..12 bits packed LSB-first; the width grows when the next code to assign reaches 2^width.
// Writer: CLEAR first, then codes, the pending code, EOF, zero-padded final byte; when the next code
// would be 4095 it emits CLEAR and starts over. Reader: starts as if just cleared (no leading CLEAR
// needed), requires the EOF code, and at width 12 stops adding codes until the next CLEAR.
// The reader's output is capped: LZW expands up to ~1300x, so a 64 KiB datagram could otherwise
// become ~80 MB (a compression bomb).
import { MemberlistCompressionError, MemberlistLimitError } from "../errors.ts";
import { borrowOutput, borrowTables, pow2AtLeast, returnOutput, returnTables, type LzwTables } from "./lzw-pool.ts";

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
  const d = new LzwDecoder(data, maxOut);
  try {
    d.run(Infinity);
    return d.result();
  } finally {
    d.release();
  }
}

/**
 * The same decoder, resumable: run(n) decodes until at least n more bytes came out (or the EOF code),
 * so a caller can spread a large inflation over several turns of the event loop and charge the output
 * as it grows (codec/inflate-async.ts). State between runs: the bit reader, the code table, the output.
 * Its buffers come from lzw-pool.ts: call release() once done (after result(), or after a throw).
 */
export class LzwDecoder {
  private readonly data: Uint8Array;
  private readonly maxOut: number;
  private readonly tables: LzwTables;
  private readonly prefix: Uint16Array;
  private readonly suffix: Uint8Array;
  private readonly scratch: Uint8Array;
  private out: Uint8Array;
  private released = false;
  private o = 0;
  private bits = 0;
  private nBits = 0;
  private i = 0;
  private width = 9;
  private hi = EOF;
  private overflow = 1 << 9;
  private last = -1; // decoderInvalidCode
  /** True once the EOF code was read. */
  done = false;

  constructor(data: Uint8Array, maxOut: number) {
    this.data = data;
    this.maxOut = maxOut;
    this.tables = borrowTables(1 << MAX_WIDTH);
    this.prefix = this.tables.prefix;
    this.suffix = this.tables.suffix;
    this.scratch = this.tables.scratch;
    this.out = borrowOutput(Math.min(maxOut, pow2AtLeast(Math.max(64, data.length * 4))));
  }

  /** Gives the buffers back to the pool (idempotent); the decoder is unusable afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    returnOutput(this.out);
    returnTables(this.tables);
    this.out = new Uint8Array(0);
    this.done = true;
  }

  /** Bytes decoded so far. */
  get produced(): number {
    return this.o;
  }

  /** Input bytes consumed so far. */
  get consumed(): number {
    return this.i;
  }

  /** The decoded bytes (call once done). */
  result(): Uint8Array {
    return this.out.slice(0, this.o);
  }

  private emit(from: number): void {
    const scratch = this.scratch;
    const n = scratch.length - from;
    const o = this.o;
    if (o + n > this.maxOut) throw new MemberlistLimitError(`decompressed size exceeds ${this.maxOut} bytes`, { offset: this.i });
    if (o + n > this.out.length) {
      let size = this.out.length * 2;
      while (size < o + n) size *= 2;
      const next = borrowOutput(Math.min(size, this.maxOut));
      next.set(this.out.subarray(0, o));
      returnOutput(this.out);
      this.out = next;
    }
    this.out.set(scratch.subarray(from), o);
    this.o = o + n;
  }

  /** Decodes until `atLeast` more bytes came out or the EOF code was read. Returns `done`. */
  run(atLeast: number): boolean {
    if (this.done) return true;
    const data = this.data;
    const prefix = this.prefix;
    const suffix = this.suffix;
    const scratch = this.scratch;
    const stopAt = this.o + atLeast;
    while (this.o < stopAt) {
      while (this.nBits < this.width) {
        if (this.i >= data.length) throw new MemberlistCompressionError("lzw: unexpected EOF (no EOF code)", { offset: this.i });
        this.bits |= data[this.i++]! << this.nBits;
        this.nBits += 8;
      }
      const code = this.bits & ((1 << this.width) - 1);
      this.bits >>>= this.width;
      this.nBits -= this.width;
      const last = this.last;
      const hi = this.hi;

      if (code < CLEAR) {
        scratch[scratch.length - 1] = code;
        this.emit(scratch.length - 1);
        if (last !== -1) {
          suffix[hi] = code;
          prefix[hi] = last;
        }
      } else if (code === CLEAR) {
        this.width = 9;
        this.hi = EOF;
        this.overflow = 1 << 9;
        this.last = -1;
        continue;
      } else if (code === EOF) {
        this.done = true;
        return true;
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
        this.emit(k);
        if (last !== -1) {
          suffix[hi] = c;
          prefix[hi] = last;
        }
      } else {
        throw new MemberlistCompressionError(`lzw: invalid code ${code}`, { offset: this.i });
      }
      this.last = code;
      this.hi = hi + 1;
      if (this.hi >= this.overflow) {
        if (this.width === MAX_WIDTH) {
          this.last = -1;
          this.hi--;
        } else {
          this.width++;
          this.overflow = 1 << this.width;
        }
      }
    }
    return false;
  }
}
