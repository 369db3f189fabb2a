// The incoming side of one gob stream (one TCP direction). Bytes are pushed as they arrive; next() hands
// out complete top-level items: a type definition (alone in its unit, as Go requires at top level) or a
// value. A value normally fills one unit, but inline type definitions inside an interface cut it into
// several; the item is then decoded once all its units are here (an attempt that runs out of units is
// rolled back and retried only when more units have arrived). Limits bound every buffer and count.
import { Cursor, NEED_MORE } from "./cursor.ts";
import { DecodeContext, decodeTop } from "./decode-value.ts";
import { GobError } from "./errors.ts";
import { gobLimits, type GobLimits } from "./limits.ts";
import { TypeTable } from "./typetable.ts";
import type { GobType } from "./types.ts";
import type { GobValue } from "./values.ts";
import { readWireType, type WireDef } from "./wiretype.ts";

/** Reads one value of type `t` (id `id` on this stream) at the cursor. */
export type ValueReader<T> = (ctx: DecodeContext, c: Cursor, t: GobType, id: number) => T;

export type GobItem<T = GobValue> =
  | { readonly kind: "type"; readonly id: number; readonly def: WireDef; readonly offset: number }
  | { readonly kind: "value"; readonly id: number; readonly type: GobType; readonly value: T; readonly offset: number };

const genericReader: ValueReader<GobValue> = (ctx, c, t) => decodeTop(ctx, c, t);

export class GobStreamDecoder {
  readonly limits: GobLimits;
  readonly types: TypeTable;
  private data = new Uint8Array(4096);
  /** Stream offset of data[0]. */
  private base = 0;
  private start = 0;
  private fill = 0;
  /** Do not attempt again before the stream holds this many bytes (the unit the last attempt lacked). */
  private waitUntil = 0;
  private readonly cursor = new Cursor();

  constructor(limits: Partial<GobLimits> = {}) {
    this.limits = gobLimits(limits);
    this.types = new TypeTable(this.limits);
  }

  /** Stream offset of the first byte not yet consumed by an item. */
  get offset(): number {
    return this.base + this.start;
  }

  /** Bytes received but not yet consumed. */
  get buffered(): number {
    return this.fill - this.start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.fill + chunk.length > this.data.length) {
      const live = this.fill - this.start;
      if (live + chunk.length > this.limits.maxItemBytes + this.limits.maxUnitBytes) {
        throw new GobError("limit", `more than ${this.limits.maxItemBytes + this.limits.maxUnitBytes} bytes buffered without a complete item`, this.base + this.fill);
      }
      let cap = 4096;
      while (cap < live + chunk.length) cap *= 2;
      if (cap <= this.data.length) this.data.copyWithin(0, this.start, this.fill);
      else {
        const next = new Uint8Array(cap);
        next.set(this.data.subarray(this.start, this.fill));
        this.data = next;
      }
      this.base += this.start;
      this.fill = live;
      this.start = 0;
    }
    this.data.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  /**
   * Parses the unit header at `at`: returns the payload start and end, or null if the header or the
   * payload has not fully arrived (waitUntil is then set).
   */
  private unitAt(at: number): [number, number] | null {
    const d = this.data;
    if (at >= this.fill) {
      this.waitUntil = this.base + at + 1;
      return null;
    }
    const b = d[at]!;
    let count: number;
    let p = at + 1;
    if (b < 0x80) count = b;
    else {
      const n = 256 - b;
      if (n > 8) throw new GobError("bad-uint", `unit count has a byte count of ${n}`, this.base + at);
      if (p + n > this.fill) {
        this.waitUntil = this.base + p + n;
        return null;
      }
      count = 0;
      for (let i = 0; i < n; i++) count = count * 256 + d[p + i]!;
      p += n;
    }
    if (count > this.limits.maxUnitBytes) throw new GobError("unit-too-large", `unit of ${count} bytes exceeds the limit of ${this.limits.maxUnitBytes}`, this.base + at);
    if (count === 0) throw new GobError("corrupt", "empty unit (Go reads it as the end of the stream)", this.base + at);
    if (p + count > this.fill) {
      this.waitUntil = this.base + p + count;
      return null;
    }
    return [p, p + count];
  }

  /**
   * The next complete item, or null when more bytes are needed. Throws GobError on invalid input (the
   * stream cannot be resynchronised after that: close it). `reader` decodes values (default: generic).
   */
  next(): GobItem<GobValue> | null;
  next<T>(reader: ValueReader<T>): GobItem<T> | null;
  next<T>(reader?: ValueReader<T>): GobItem<T | GobValue> | null {
    if (this.base + this.fill < this.waitUntil) return null;
    const first = this.unitAt(this.start);
    if (!first) return null;
    const c = this.cursor;
    c.buf = this.data;
    c.base = this.base;
    c.pos = first[0];
    c.end = first[1];
    const itemStart = this.start;
    const offset = this.base + itemStart;
    const id = c.int();
    if (id < 0) {
      const def = readWireType(c, this.limits);
      if (c.remaining() > 0) c.fail("extra-data", `${c.remaining()} bytes after the type definition of ${-id}`);
      this.types.define(-id, def, offset);
      this.types.commit();
      this.start = c.end;
      this.release();
      return { kind: "type", id: -id, def, offset };
    }
    let units = 1;
    c.pull = () => {
      const u = this.unitAt(c.end);
      if (!u) throw NEED_MORE;
      if (++units > this.limits.maxUnitsPerItem) c.fail("limit", `item spans more than ${this.limits.maxUnitsPerItem} units`);
      if (u[1] - itemStart > this.limits.maxItemBytes) c.fail("limit", `item spans more than ${this.limits.maxItemBytes} bytes`);
      c.pos = u[0];
      c.end = u[1];
    };
    try {
      const ctx = new DecodeContext(this.types, this.limits);
      const t = this.types.resolve(id, offset);
      const value = (reader ?? genericReader)(ctx, c, t, id);
      this.types.commit();
      // Like Go, bytes left in the item's last unit are dropped.
      this.start = c.end;
      this.release();
      return { kind: "value", id, type: t, value, offset };
    } catch (e) {
      if (e !== NEED_MORE) throw e;
      this.types.rollback();
      return null;
    }
  }

  /** Drops a large buffer once everything in it is consumed (one big item must not pin its memory). */
  private release(): void {
    if (this.start === this.fill && this.data.length > 1 << 20) {
      this.base += this.start;
      this.start = this.fill = 0;
      this.data = new Uint8Array(4096);
    }
  }

  /** The stream ended: an item cut short is an error (Go: unexpected EOF). */
  finish(): void {
    if (this.fill > this.start) throw new GobError("truncated", `stream ended inside an item (${this.fill - this.start} bytes pending)`, this.base + this.start);
  }
}
