// msgpack writer, exactly as go-msgpack writes memberlist's structs (docs/protocols/memberlist.md §3.1):
// old-spec "raw" strings and bytes only (a0-bf, da, db; never d9 or c4-c6), nil as c0, smallest unsigned
// ints, and Go `int` fields per flavour (0.2.2: unsigned forms for ≥ 0; latest: d1/d2/d3 above 127).
// The reader is in msgpack-reader.ts.
import { encodeGoString } from "./gostring.ts";

export type MsgpackFlavor = "0.2.2" | "latest";

/** Growable output buffer with go-msgpack's encodings. */
export class MsgpackWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(initial = 128) {
    this.buf = new Uint8Array(initial);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  /** The bytes written so far (a view; copy if the writer is reused). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = v >>> 16;
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
  }
  raw(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n < 16) {
      // Keys, addresses, Vsn: a loop beats TypedArray.set's fixed cost at these sizes.
      const out = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) out[p++] = b[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += n;
  }
  nil(): void {
    this.byte(0xc0);
  }
  bool(v: boolean): void {
    this.byte(v ? 0xc3 : 0xc2);
  }
  /** Old-spec raw header: fixraw a0|n, raw16 da, raw32 db. */
  rawHeader(n: number): void {
    if (n < 32) this.byte(0xa0 | n);
    else if (n < 0x10000) {
      this.byte(0xda);
      this.u16(n);
    } else {
      this.byte(0xdb);
      this.u32(n);
    }
  }
  /** A Go string or []byte: raw header + bytes. */
  rawBytes(b: Uint8Array): void {
    this.rawHeader(b.length);
    this.raw(b);
  }
  str(s: string): void {
    // ASCII fast path (node names, keys): no TextEncoder allocation.
    let ascii = s.length < 32;
    for (let i = 0; ascii && i < s.length; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
    if (ascii) {
      this.rawHeader(s.length);
      this.ensure(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    this.rawBytes(encodeGoString(s));
  }
  /** Unsigned Go integer: smallest of fixint, cc, cd, ce, cf. */
  uint(v: number): void {
    if (v < 0x80) this.byte(v);
    else if (v < 0x100) {
      this.byte(0xcc);
      this.byte(v);
    } else if (v < 0x10000) {
      this.byte(0xcd);
      this.u16(v);
    } else if (v < 0x100000000) {
      this.byte(0xce);
      this.u32(v);
    } else {
      this.byte(0xcf);
      this.u32(Math.floor(v / 0x100000000));
      this.u32(v >>> 0);
    }
  }
  /** Signed Go `int`: 0.2.2 writes non-negative values as unsigned; latest as fixint or d1/d2/d3. */
  int(v: number, flavor: MsgpackFlavor): void {
    if (v >= 0) {
      if (flavor === "0.2.2" || v < 0x80) return this.uint(v);
      if (v < 0x8000) {
        this.byte(0xd1);
        this.u16(v);
      } else if (v < 0x80000000) {
        this.byte(0xd2);
        this.u32(v);
      } else this.int64(v);
      return;
    }
    if (v >= -32) this.byte(v & 0xff);
    else if (v >= -128) {
      this.byte(0xd0);
      this.byte(v & 0xff);
    } else if (v >= -32768) {
      this.byte(0xd1);
      this.u16(v & 0xffff);
    } else if (v >= -2147483648) {
      this.byte(0xd2);
      this.u32(v >>> 0);
    } else this.int64(v);
  }
  private int64(v: number): void {
    this.byte(0xd3);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setBigInt64(this.pos, BigInt(v));
    this.pos += 8;
  }
  mapHeader(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else if (n < 0x10000) {
      this.byte(0xde);
      this.u16(n);
    } else {
      this.byte(0xdf);
      this.u32(n);
    }
  }
}

let spare: MsgpackWriter | undefined;

/**
 * Runs `fn` with a reusable writer and returns a copy of what it wrote. Encoding allocates one exact-size
 * array per message instead of a growable buffer each time (the simulation encodes millions). The writer is
 * taken while in use, so re-entrant calls get their own; buffers grown past 64 KiB are not kept.
 * `sizeHint` (bytes expected) lets large messages (push/pull) start at about their size instead of
 * doubling their way there.
 */
export function encodeWith(fn: (w: MsgpackWriter) => void, sizeHint = 0): Uint8Array {
  let w = spare;
  if (w === undefined || w.buf.length < sizeHint) w = new MsgpackWriter(Math.max(1024, sizeHint));
  else spare = undefined;
  w.pos = 0;
  try {
    fn(w);
    return w.buf.slice(0, w.pos);
  } finally {
    if (w.buf.length <= 65536) spare = w;
  }
}
