// msgpack reader for memberlist's structs (docs/protocols/memberlist.md §3.2), lenient the way Go's decoder is
// (str8, bin for byte fields, any int width, arrays for byte slices, nil for zero values) and strict about
// limits: every length is checked against the buffer and the limits before anything is allocated, so
// hostile input costs at most its own size. Running out of input is always code `truncated`: the stream
// reader relies on that to wait for more bytes.
// Leniency was checked differentially against memberlist 0.2.2's own decode() (go-msgpack 0.5.5) on 8000
// fuzzed messages: same accept/reject decisions and same values. Go refuses bin (c4-c6) for strings,
// takes an empty map as an empty []byte and an empty array as the zero struct; so do we.
import { MemberlistDecodeError, MemberlistErrorCode, MemberlistLimitError } from "../errors.ts";
import { decodeGoString } from "./gostring.ts";
import type { ResolvedLimits } from "./limits.ts";

function truncated(offset: number, what: string): MemberlistDecodeError {
  return new MemberlistDecodeError(MemberlistErrorCode.truncated, `truncated ${what}`, { offset });
}
function wrongType(offset: number, b: number, want: string): MemberlistDecodeError {
  return new MemberlistDecodeError(
    MemberlistErrorCode.wrongType,
    `msgpack byte 0x${b.toString(16).padStart(2, "0")} where ${want} was expected`,
    { offset },
  );
}
function badValue(offset: number, msg: string): MemberlistDecodeError {
  return new MemberlistDecodeError(MemberlistErrorCode.badValue, msg, { offset });
}

/** Cursor over a buffer; positions reported in errors are relative to `base` (the message start). */
export class MsgpackReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  readonly limits: ResolvedLimits;
  /** Added to positions in error offsets (where this buffer sits in the enclosing input). */
  readonly base: number;
  private dv: DataView | undefined;
  constructor(buf: Uint8Array, limits: ResolvedLimits, pos = 0, base = 0) {
    this.buf = buf;
    this.pos = pos;
    this.end = buf.length;
    this.limits = limits;
    this.base = base;
  }
  /** Created on first use: most messages only need byte reads. */
  private get view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }
  get offset(): number {
    return this.base + this.pos;
  }
  remaining(): number {
    return this.end - this.pos;
  }
  need(n: number, what: string): void {
    if (this.end - this.pos < n) throw truncated(this.base + this.end, what);
  }
  u8(): number {
    this.need(1, "msgpack value");
    return this.buf[this.pos++]!;
  }
  peek(): number {
    this.need(1, "msgpack value");
    return this.buf[this.pos]!;
  }
  private u16(): number {
    this.need(2, "msgpack length");
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }
  private u32(): number {
    this.need(4, "msgpack length");
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  /** Reads `n` raw bytes (a view into the input). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Any msgpack integer as a JS number (must be a safe integer). Returns null for nil. */
  intOrNil(): number | null {
    const at = this.offset;
    const b = this.u8();
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0:
        return null;
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        this.need(8, "uint64");
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badValue(at, "integer out of range");
        return Number(v);
      }
      case 0xd0: {
        this.need(1, "int8");
        return this.view.getInt8(this.pos++);
      }
      case 0xd1: {
        this.need(2, "int16");
        const v = this.view.getInt16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(4, "int32");
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3: {
        this.need(8, "int64");
        const v = this.view.getBigInt64(this.pos);
        this.pos += 8;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          throw badValue(at, "integer out of range");
        return Number(v);
      }
    }
    throw wrongType(at, b, "an integer");
  }

  /** Unsigned Go field of `bits` width; nil is 0 (Go's zero value). */
  uint(bits: 8 | 16 | 32): number {
    const p = this.pos;
    const b = this.buf;
    if (p < this.end) {
      const t = b[p]!;
      if (t < 0x80) {
        this.pos = p + 1;
        return t; // positive fixint: the common case
      }
      // uint16 (ports) and uint32 (incarnations, sequence numbers) in full: no range check needed beyond width.
      if (t === 0xcd && bits !== 8 && this.end - p >= 3) {
        this.pos = p + 3;
        return (b[p + 1]! << 8) | b[p + 2]!;
      }
      if (t === 0xce && bits === 32 && this.end - p >= 5) {
        this.pos = p + 5;
        return ((b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) >>> 0;
      }
    }
    const at = this.base + p;
    const v = this.intOrNil();
    if (v === null) return 0;
    if (v < 0 || v >= 2 ** bits) throw badValue(at, `value ${v} does not fit uint${bits}`);
    return v;
  }

  /** Go `int` field; nil is 0. */
  int(): number {
    return this.intOrNil() ?? 0;
  }

  /** Go bool: c2/c3 (go-msgpack also takes fixint 0/1); nil is false. */
  bool(): boolean {
    const at = this.offset;
    const b = this.u8();
    if (b === 0xc3 || b === 0x01) return true;
    if (b === 0xc2 || b === 0x00 || b === 0xc0) return false;
    throw wrongType(at, b, "a bool");
  }

  /**
   * Length of a raw/str/bin value, or -1 for nil. Any string or binary family is accepted (Go decodes
   * both into string and []byte fields).
   */
  private rawLength(want: string): number {
    const at = this.offset;
    const b = this.u8();
    let n: number;
    if ((b & 0xe0) === 0xa0) n = b & 0x1f;
    else if (b === 0xc0) return -1;
    else if (b === 0xd9 || b === 0xc4) n = this.u8();
    else if (b === 0xda || b === 0xc5) n = this.u16();
    else if (b === 0xdb || b === 0xc6) n = this.u32();
    else throw wrongType(at, b, want);
    if (n > this.limits.maxFieldBytes)
      throw new MemberlistLimitError(`field of ${n} bytes exceeds ${this.limits.maxFieldBytes}`, { offset: at });
    return n;
  }

  /**
   * A struct map key (any string or binary form), consumed: returns its length; its bytes are the `len`
   * bytes before `pos` (no object per key: this runs for every field of every struct).
   */
  keyLength(): number {
    const b = this.peek();
    const isStr = (b & 0xe0) === 0xa0 || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6);
    if (!isStr) throw new MemberlistDecodeError(MemberlistErrorCode.badMsgpack, "struct map key is not a string", { offset: this.offset });
    const n = this.rawLength("a key");
    this.need(n, "map key");
    this.pos += n;
    return n;
  }

  /** Go string; nil is "". Bytes outside valid UTF-8 come back as U+DC80..U+DCFF (lossless, see gostring.ts). */
  str(): string {
    const b = this.peek();
    // go-msgpack 0.5 refuses bin (c4-c6) for string fields; str8 (d9) is fine.
    if (b >= 0xc4 && b <= 0xc6) throw wrongType(this.offset, b, "a string");
    const n = this.rawLength("a string");
    if (n <= 0) return "";
    const bytes = this.take(n, "string");
    if (n < 32) {
      let s = "";
      for (let i = 0; i < n; i++) {
        const c = bytes[i]!;
        if (c > 0x7f) return decodeGoString(bytes);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decodeGoString(bytes);
  }

  /**
   * Any string or binary value as a Go string (go-msgpack decodes both into a map[string]string, as in
   * Serf's tags); nil is "".
   */
  anyStr(): string {
    const n = this.rawLength("a string");
    if (n <= 0) return "";
    return decodeGoString(this.take(n, "string"));
  }

  /** Go []byte; nil is null. Also accepts an array of small ints (as Go does for Vsn). Copies. */
  bytesOrNil(): Uint8Array | null {
    const b = this.peek();
    if (b === 0x80) {
      this.pos++;
      return new Uint8Array(0); // go-msgpack takes an empty map as an empty (non-nil) slice
    }
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      const n = this.arrayHeader();
      this.need(n, "byte array");
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = this.uint(8);
      return out;
    }
    const n = this.rawLength("bytes");
    if (n < 0) return null;
    this.need(n, "bytes");
    const p = this.pos;
    this.pos = p + n;
    return this.buf.slice(p, p + n);
  }

  mapHeader(): number {
    const at = this.offset;
    const b = this.u8();
    let n: number;
    if ((b & 0xf0) === 0x80) n = b & 0x0f;
    else if (b === 0xde) n = this.u16();
    else if (b === 0xdf) n = this.u32();
    else if (b === 0xc0 || b === 0x90) return 0; // nil, or an empty array (Go: the zero struct)
    else throw wrongType(at, b, "a map");
    if (n > this.limits.maxEntries)
      throw new MemberlistLimitError(`map of ${n} entries exceeds ${this.limits.maxEntries}`, { offset: at });
    // Every entry takes at least two bytes: a count past the buffer is truncation, found before looping.
    if (n * 2 > this.remaining()) throw truncated(this.base + this.end, "map");
    return n;
  }

  arrayHeader(): number {
    const at = this.offset;
    const b = this.u8();
    let n: number;
    if ((b & 0xf0) === 0x90) n = b & 0x0f;
    else if (b === 0xdc) n = this.u16();
    else if (b === 0xdd) n = this.u32();
    else throw wrongType(at, b, "an array");
    if (n > this.limits.maxEntries)
      throw new MemberlistLimitError(`array of ${n} entries exceeds ${this.limits.maxEntries}`, { offset: at });
    if (n > this.remaining()) throw truncated(this.base + this.end, "array");
    return n;
  }

  /** Skips one value of any kind (unknown map keys). Nesting is capped by limits.maxDepth. */
  skip(depth = 0): void {
    const at = this.offset;
    if (depth > this.limits.maxDepth)
      throw new MemberlistLimitError(`msgpack nesting deeper than ${this.limits.maxDepth}`, { offset: at });
    const b = this.u8();
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf) {
      this.pos--;
      const n = this.mapHeader();
      for (let i = 0; i < 2 * n; i++) this.skip(depth + 1);
      return;
    }
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      this.pos--;
      const n = this.arrayHeader();
      for (let i = 0; i < n; i++) this.skip(depth + 1);
      return;
    }
    if ((b & 0xe0) === 0xa0) return void this.take(b & 0x1f, "string");
    switch (b) {
      case 0xcc:
      case 0xd0:
        return void this.take(1, "int");
      case 0xcd:
      case 0xd1:
        return void this.take(2, "int");
      case 0xce:
      case 0xd2:
      case 0xca:
        return void this.take(4, "number");
      case 0xcf:
      case 0xd3:
      case 0xcb:
        return void this.take(8, "number");
      case 0xd9:
      case 0xc4:
      case 0xda:
      case 0xc5:
      case 0xdb:
      case 0xc6: {
        this.pos--;
        const n = this.rawLength("a value");
        return void this.take(n, "string");
      }
      case 0xd4:
        return void this.take(2, "ext");
      case 0xd5:
        return void this.take(3, "ext");
      case 0xd6:
        return void this.take(5, "ext");
      case 0xd7:
        return void this.take(9, "ext");
      case 0xd8:
        return void this.take(17, "ext");
      case 0xc7:
        return void this.take(this.u8() + 1, "ext");
      case 0xc8:
        return void this.take(this.u16() + 1, "ext");
      case 0xc9: {
        const n = this.u32();
        if (n > this.limits.maxFieldBytes)
          throw new MemberlistLimitError(`ext of ${n} bytes exceeds ${this.limits.maxFieldBytes}`, { offset: at });
        return void this.take(n + 1, "ext");
      }
    }
    throw new MemberlistDecodeError(MemberlistErrorCode.badMsgpack, "reserved msgpack byte 0xc1", { offset: at });
  }
}
