// A growable byte buffer for encoding, shaped like Go's: it starts with 9 reserved bytes so that, when a
// unit is finished, its count can be written in front of the payload without moving it (flushInto).
import { GobError } from "./errors.ts";

export const RESERVED = 9;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_U64 = 0xffff_ffff_ffff_ffffn;
const utf8 = new TextEncoder();

export class EncBuf {
  buf: Uint8Array;
  len = RESERVED;
  /** The last big uint64 written and its bytes (a node writes its own Instance in every message). */
  private lastBig = -1n;
  private readonly lastBigBytes = new Uint8Array(9);
  private lastBigLen = 0;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(capacity, 32));
  }

  /** Payload bytes written since the last reset. */
  payloadLength(): number {
    return this.len - RESERVED;
  }

  reset(): void {
    this.len = RESERVED;
  }

  private grow(extra: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  byte(b: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** gob uint from a non-negative safe integer. */
  uint(x: number): void {
    if (x < 0x80) {
      this.byte(x);
      return;
    }
    if (this.len + 9 > this.buf.length) this.grow(9);
    let n = 0;
    for (let v = x; v >= 1; v = Math.floor(v / 256)) n++;
    const buf = this.buf;
    buf[this.len] = 256 - n;
    let v = x;
    for (let i = n; i >= 1; i--) {
      buf[this.len + i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.len += n + 1;
  }

  /** gob uint from a uint64 given as number or bigint. */
  uint64(x: number | bigint): void {
    if (typeof x === "number") {
      if (!Number.isSafeInteger(x) || x < 0) throw new GobError("encode", `uint out of range: ${x}`);
      this.uint(x);
      return;
    }
    if (x < 0n || x > MAX_U64) throw new GobError("encode", `uint out of range: ${x}`);
    if (x <= MAX_SAFE) {
      this.uint(Number(x));
      return;
    }
    if (x === this.lastBig) {
      this.bytes(this.lastBigLen === 9 ? this.lastBigBytes : this.lastBigBytes.subarray(0, this.lastBigLen));
      return;
    }
    // Above 2^53: write the high and low 32-bit halves as numbers (one BigInt split, no per-byte BigInt work).
    const start = this.len;
    const hi = Number(x >> 32n);
    const lo = Number(x & 0xffff_ffffn);
    let n = 4;
    for (let v = hi; v >= 1; v = Math.floor(v / 256)) n++;
    if (this.len + 9 > this.buf.length) this.grow(9);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 256 - n;
    for (let i = n - 5; i >= 0; i--) buf[p++] = Math.floor(hi / 2 ** (8 * i)) & 0xff;
    buf[p++] = lo >>> 24;
    buf[p++] = (lo >>> 16) & 0xff;
    buf[p++] = (lo >>> 8) & 0xff;
    buf[p++] = lo & 0xff;
    this.len = p;
    this.lastBig = x;
    this.lastBigLen = p - start;
    this.lastBigBytes.set(buf.subarray(start, p));
  }

  /** gob int (zigzag through bit 0) from a safe integer. */
  int(i: number): void {
    this.uint(i >= 0 ? i * 2 : -i * 2 - 1);
  }

  /** gob int from an int64 given as number or bigint. */
  int64(i: number | bigint): void {
    if (typeof i === "number") {
      if (!Number.isSafeInteger(i)) throw new GobError("encode", `int out of range: ${i}`);
      if (Math.abs(i) <= 2 ** 51) {
        this.int(i);
        return;
      }
      i = BigInt(i);
    }
    if (i < -(2n ** 63n) || i >= 2n ** 63n) throw new GobError("encode", `int out of range: ${i}`);
    this.uint64(i >= 0n ? i << 1n : ((-i) << 1n) - 1n);
  }

  /** count + UTF-8 bytes (one pass for ASCII; TextEncoder otherwise). */
  string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      if (this.len + n + 1 > this.buf.length) this.grow(n + 1);
      const buf = this.buf;
      const start = this.len;
      buf[start] = n;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        this.len = start + 1 + n;
        return;
      }
    }
    const b = utf8.encode(s);
    this.uint(b.length);
    this.bytes(b);
  }

  /** The unit: count in front of the payload. Returns a view into this buffer (valid until the next write). */
  unitView(): Uint8Array {
    const n = this.len - RESERVED;
    let start: number;
    if (n < 0x80) {
      start = RESERVED - 1;
      this.buf[start] = n;
    } else {
      let k = 0;
      for (let v = n; v >= 1; v = Math.floor(v / 256)) k++;
      start = RESERVED - 1 - k;
      this.buf[start] = 256 - k;
      let v = n;
      for (let i = k; i >= 1; i--) {
        this.buf[start + i] = v % 256;
        v = Math.floor(v / 256);
      }
    }
    return this.buf.subarray(start, this.len);
  }
}
