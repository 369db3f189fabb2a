// Reading gob primitives from the current unit. The stream decoder owns the bytes and the unit
// boundaries; a Cursor reads inside [pos, end) of one unit and asks the decoder (pull) for the next unit
// only where Go does: inside an interface's type sequence, when the unit is used up. Every read checks
// the unit end, so garbage can never read past it; errors carry the stream offset.
import { GobError } from "./errors.ts";
import { GoBytesString } from "./values.ts";
import { UINT_MAX_BYTES } from "./wire.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown (never escapes the decoder) when an item needs a unit that has not fully arrived yet. */
export const NEED_MORE: { readonly needMore: true } = Object.freeze({ needMore: true as const });

export class Cursor {
  /** The decoder's buffer; [pos, end) is what is left of the current unit. */
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Stream offset of buf[0], for error offsets. */
  base = 0;
  /** Moves to the next unit (pos/end) or throws NEED_MORE. Set by the stream decoder. */
  pull: () => void = () => {
    throw NEED_MORE;
  };

  offset(): number {
    return this.base + this.pos;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  fail(reason: ConstructorParameters<typeof GobError>[0], message: string, at = this.pos): never {
    throw new GobError(reason, message, this.base + at);
  }

  /** A gob uint that must fit a safe integer (counts, lengths, deltas, ids). */
  uint(): number {
    const buf = this.buf;
    let p = this.pos;
    if (p >= this.end) this.fail("truncated", "unit ends where a uint should start");
    const b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    const n = 256 - b;
    if (n > UINT_MAX_BYTES) this.fail("bad-uint", `uint byte count ${n} exceeds 8`);
    if (p + n > this.end) this.fail("truncated", `uint needs ${n} bytes, unit has ${this.end - p}`);
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + buf[p + i]!;
    if (x > Number.MAX_SAFE_INTEGER) this.fail("overflow", "uint too large here");
    this.pos = p + n;
    return x;
  }

  /** A full uint64. */
  uint64(): bigint {
    const buf = this.buf;
    let p = this.pos;
    if (p >= this.end) this.fail("truncated", "unit ends where a uint should start");
    const b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return BigInt(b);
    }
    const n = 256 - b;
    if (n > UINT_MAX_BYTES) this.fail("bad-uint", `uint byte count ${n} exceeds 8`);
    if (p + n > this.end) this.fail("truncated", `uint needs ${n} bytes, unit has ${this.end - p}`);
    let x: bigint;
    if (n <= 6) {
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + buf[p + i]!;
      x = BigInt(v);
    } else {
      let hi = 0;
      for (let i = 0; i < n - 4; i++) hi = hi * 256 + buf[p + i]!;
      const q = p + n - 4;
      const lo = ((buf[q]! << 24) | (buf[q + 1]! << 16) | (buf[q + 2]! << 8) | buf[q + 3]!) >>> 0;
      x = (BigInt(hi) << 32n) | BigInt(lo);
    }
    this.pos = p + n;
    return x;
  }

  /** A uint as a number when it is a safe integer, else a bigint (generic values). */
  uintValue(): number | bigint {
    const b = this.pos < this.end ? this.buf[this.pos]! : 0;
    if (b < 0x80 || b >= 0xfa) return this.uint();
    const big = this.uint64();
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  /** A gob int that must fit a safe integer (type ids, small fields). */
  int(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -((u - 1) / 2) - 1;
  }

  /** A full int64. */
  int64(): bigint {
    const u = this.uint64();
    return (u & 1n) === 0n ? u >> 1n : -(u >> 1n) - 1n;
  }

  /** An int as a number when it is a safe integer, else a bigint. */
  intValue(): number | bigint {
    const b = this.pos < this.end ? this.buf[this.pos]! : 0;
    if (b < 0x80 || b >= 0xfa) return this.int();
    const big = this.int64();
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  /** `n` raw bytes, copied (the decoder's buffer is reused). */
  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail("truncated", `${n} bytes announced, unit has ${this.end - this.pos}`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips `n` bytes of this unit. */
  skip(n: number): void {
    if (n > this.end - this.pos) this.fail("truncated", `${n} bytes announced, unit has ${this.end - this.pos}`);
    this.pos += n;
  }

  /** A Go string as JS when it is valid UTF-8, else its bytes. */
  string(): string | GoBytesString {
    const n = this.uint();
    if (n > this.end - this.pos) this.fail("truncated", `string of ${n} bytes, unit has ${this.end - this.pos}`);
    const s = this.decodeUtf8(this.pos, n);
    if (s === null) return new GoBytesString(this.take(n));
    this.pos += n;
    return s;
  }

  /** A string that must be UTF-8 (node names, type names). */
  text(what: string): string {
    return this.textOf(this.uint(), what);
  }

  /** `n` bytes that must be UTF-8 (the length was read already). */
  textOf(n: number, what: string): string {
    if (n > this.end - this.pos) this.fail("truncated", `${what} of ${n} bytes, unit has ${this.end - this.pos}`);
    const s = this.decodeUtf8(this.pos, n);
    if (s === null) this.fail("utf8", `${what} is not valid UTF-8`);
    this.pos += n;
    return s;
  }

  /** The native decoder is as fast as a JS loop even for short names, and checks validity. */
  private decodeUtf8(at: number, n: number): string | null {
    try {
      return utf8.decode(this.buf.subarray(at, at + n));
    } catch {
      return null;
    }
  }
}
