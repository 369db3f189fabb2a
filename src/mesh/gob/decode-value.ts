// Generic value decoding: any value of any resolved type, into GobValue (values.ts), following Go's
// decoder rules (encoding/gob decode.go as of Go 1.19): struct field deltas with 00 or the unit end
// terminating, non-struct values at top level and inside interfaces behind a 00 singleton delta, array
// counts that must equal the length, interface values whose type sequence may pull further units, and
// interface byte counts read but not trusted. Depth and element budgets bound the work per item.
import type { Cursor } from "./cursor.ts";
import { GobError } from "./errors.ts";
import type { GobLimits } from "./limits.ts";
import type { TypeTable } from "./typetable.ts";
import type { GobStructType, GobType } from "./types.ts";
import { GobComplex, GobInterface, GobMap, GobNaN, GobStruct, type GobFloat, type GobValue } from "./values.ts";
import { MAX_INTERFACE_NAME } from "./wire.ts";
import { readWireType } from "./wiretype.ts";

/** Per-item decoding state: the stream's types, the limits and what this item has used of them. */
export class DecodeContext {
  readonly table: TypeTable;
  readonly limits: GobLimits;
  depth = 0;
  elements = 0;
  constructor(table: TypeTable, limits: GobLimits) {
    this.table = table;
    this.limits = limits;
  }

  enter(c: Cursor): void {
    if (++this.depth > this.limits.maxDepth) c.fail("limit", `nesting deeper than ${this.limits.maxDepth}`);
  }

  count(c: Cursor, n: number): void {
    this.elements += n;
    if (this.elements > this.limits.maxElements) c.fail("limit", `more than ${this.limits.maxElements} elements in one item`);
  }

  /**
   * Go's type sequence inside an interface: inline definitions (each possibly ending its unit, so the
   * next unit is pulled when this one is used up) until a non-negative id names the concrete type. When
   * a definition leaves bytes in the unit, the count of the delimited value that follows is skipped.
   */
  typeSequence(c: Cursor): number {
    for (;;) {
      if (c.remaining() === 0) c.pull();
      const at = c.offset();
      const id = c.int();
      if (id >= 0) return id;
      const def = readWireType(c, this.limits);
      this.table.define(-id, def, at);
      if (c.remaining() > 0) c.uint();
    }
  }
}

const f64 = new DataView(new ArrayBuffer(8));

/** gob float: the uint holds the IEEE bits with their byte order reversed. */
export function readFloat(c: Cursor): GobFloat {
  const pos = c.pos;
  const b = c.pos < c.end ? c.buf[c.pos]! : -1;
  if (b < 0) c.fail("truncated", "unit ends where a float should start");
  f64.setBigUint64(0, 0n);
  if (b < 0x80) {
    c.pos++;
    f64.setUint8(7, b);
  } else {
    c.uint64(); // validates the length; the bytes are then copied below
    const n = 256 - b;
    for (let i = 0; i < n; i++) f64.setUint8(8 - n + i, c.buf[pos + 1 + i]!);
  }
  const v = f64.getFloat64(0, true);
  if (Number.isNaN(v)) return new GobNaN(f64.getBigUint64(0, true));
  return v;
}

/** A value as it appears at top level or inside an interface: struct fields, or 00 then the value. */
export function decodeTop(ctx: DecodeContext, c: Cursor, t: GobType): GobValue {
  if (t.kind === "struct") return decodeStruct(ctx, c, t);
  const at = c.pos;
  const delta = c.uint();
  if (delta !== 0) c.fail("corrupt", `non-zero delta ${delta} before a single value`, at);
  return decodeValue(ctx, c, t);
}

export function decodeStruct(ctx: DecodeContext, c: Cursor, t: GobStructType): GobStruct {
  ctx.enter(c);
  const n = t.fields.length;
  const fields = new Array<GobValue | undefined>(n);
  let f = -1;
  while (c.remaining() > 0) {
    const delta = c.uint();
    if (delta === 0) break;
    f += delta;
    if (f >= n) c.fail("corrupt", `field ${f} out of range for struct ${t.name} (${n} fields)`);
    ctx.count(c, 1);
    fields[f] = decodeValue(ctx, c, t.fields[f]!.type);
  }
  ctx.depth--;
  return new GobStruct(fields);
}

function elementCount(ctx: DecodeContext, c: Cursor, elem: GobType | null): number {
  const n = c.uint();
  ctx.count(c, n);
  // Every element takes at least one byte, in this unit unless an interface element can pull more units.
  if (elem !== null && elem.kind !== "interface" && n > c.remaining()) c.fail("truncated", `${n} elements announced, unit has ${c.remaining()} bytes`);
  return n;
}

function elements(ctx: DecodeContext, c: Cursor, elem: GobType, n: number): GobValue[] {
  const out = new Array<GobValue>(n);
  for (let i = 0; i < n; i++) {
    if (c.remaining() === 0) c.fail("truncated", `element ${i} of ${n} missing`);
    out[i] = decodeValue(ctx, c, elem);
  }
  return out;
}

export function decodeInterface(ctx: DecodeContext, c: Cursor): GobInterface | null {
  const n = c.uint();
  if (n > c.remaining()) c.fail("truncated", `interface type name of ${n} bytes, unit has ${c.remaining()}`);
  if (n === 0) return null;
  if (n > MAX_INTERFACE_NAME) c.fail("limit", `interface type name longer than ${MAX_INTERFACE_NAME} bytes`);
  const name = c.textOf(n, "interface type name");
  const at = c.offset();
  const id = ctx.typeSequence(c);
  const t = ctx.table.resolve(id, at);
  if (t.kind === "interface") throw new GobError("type-mismatch", "interface value whose concrete type is interface", at);
  c.uint(); // byte count of the value: informational (Go skips it the same way)
  ctx.enter(c);
  const v = decodeTop(ctx, c, t);
  ctx.depth--;
  return new GobInterface(name, t, v);
}

export function decodeValue(ctx: DecodeContext, c: Cursor, t: GobType): GobValue {
  switch (t.kind) {
    case "bool":
      return c.uint64() !== 0n;
    case "int":
      return c.intValue();
    case "uint":
      return c.uintValue();
    case "float":
      return readFloat(c);
    case "complex":
      return new GobComplex(readFloat(c), readFloat(c));
    case "bytes": {
      const n = c.uint();
      return c.take(n);
    }
    case "string":
      return c.string();
    case "interface":
      return decodeInterface(ctx, c);
    case "struct":
      return decodeStruct(ctx, c, t);
    case "slice": {
      ctx.enter(c);
      const n = elementCount(ctx, c, t.elem);
      const out = elements(ctx, c, t.elem, n);
      ctx.depth--;
      return out;
    }
    case "array": {
      ctx.enter(c);
      const n = elementCount(ctx, c, t.elem);
      if (n !== t.len) c.fail("corrupt", `array of length ${t.len} sent with ${n} elements`);
      const out = elements(ctx, c, t.elem, n);
      ctx.depth--;
      return out;
    }
    case "map": {
      ctx.enter(c);
      const n = c.uint();
      ctx.count(c, n);
      if (t.key.kind !== "interface" && t.elem.kind !== "interface" && n * 2 > c.remaining()) c.fail("truncated", `${n} map entries announced, unit has ${c.remaining()} bytes`);
      const entries = new Array<[GobValue, GobValue]>(n);
      for (let i = 0; i < n; i++) {
        const k = decodeValue(ctx, c, t.key);
        entries[i] = [k, decodeValue(ctx, c, t.elem)];
      }
      ctx.depth--;
      return new GobMap(entries);
    }
    default: {
      // GobEncoder / BinaryMarshaler / TextMarshaler: count + opaque bytes.
      const n = c.uint();
      return c.take(n);
    }
  }
}
