// The outgoing side of one gob stream. Mirrors Go's Encoder (Go 1.19 encoder.go / encode.go) so that
// the bytes match a Go process's: a type's definition is sent once per stream, just before its first
// use, followed by the definitions of its component types (struct fields in order, slice/array element,
// map key then element); definitions needed by an interface value are written by flushing the unit under
// construction, which is why Go cuts such a Message into several units; definitions needed inside an
// interface value's own bytes go into the enclosing buffer as delimited chunks. Ids come from the
// node-wide TypeRegistry.
import { EncBuf } from "./buffer.ts";
import { GobError } from "./errors.ts";
import type { TypeRegistry } from "./registry.ts";
import { isBasic, type GobStructType, type GobType } from "./types.ts";
import { GobComplex, GobInterface, GobMap, GobNaN, GobStruct, GoBytesString, type GobFloat, type GobValue } from "./values.ts";
import { writeWireType } from "./wiretype.ts";

/** Where finished units go: the stream (collected for the caller) or an enclosing buffer. */
type Sink = EncBuf | Uint8Array[];

const utf8 = new TextEncoder();
const f64 = new DataView(new ArrayBuffer(8));

export function writeFloat(b: EncBuf, v: GobFloat): void {
  if (v instanceof GobNaN) f64.setBigUint64(0, v.bits, true);
  else f64.setFloat64(0, v, true);
  // Little-endian float bits read big-endian are the byte-reversed bits Go sends as a uint.
  b.uint64(f64.getBigUint64(0, false));
}

export class GobStreamEncoder {
  readonly registry: TypeRegistry;
  /** Ids whose definitions this stream has carried. */
  private readonly sent = new Set<number>();
  private sinks: Sink[] = [];
  private readonly top = new EncBuf(512);
  /** Buffers for interface values, one per nesting level, reused across calls. */
  private readonly pool: EncBuf[] = [];
  private depth = 0;

  constructor(registry: TypeRegistry) {
    this.registry = registry;
  }

  /** Whether this stream has already defined the type with this id. */
  hasSent(id: number): boolean {
    return this.sent.has(id);
  }

  /** Encodes one top-level value (Go's Encoder.Encode): the type's definitions if new, then the value. */
  encode(t: GobType, v: GobValue): Uint8Array {
    return this.encodeWith(t, (b) => this.writeTop(b, t, v));
  }

  /**
   * Top-level framing with a caller-written value (fast paths such as the meshage Message): `write`
   * appends the value's bytes to `b` and may call encodeInterface / encodeValue for parts of it.
   */
  encodeWith(t: GobType, write: (b: EncBuf) => void): Uint8Array {
    const out: Uint8Array[] = [];
    this.sinks = [out];
    const b = this.top;
    b.reset();
    try {
      this.sendTypeDescriptor(out, b, t);
      b.int(this.registry.idOf(t));
      write(b);
      this.writeUnit(out, b);
    } finally {
      this.sinks = [];
      this.depth = 0;
      b.reset();
    }
    if (out.length === 1) return out[0]!;
    let n = 0;
    for (const u of out) n += u.length;
    const all = new Uint8Array(n);
    n = 0;
    for (const u of out) {
      all.set(u, n);
      n += u.length;
    }
    return all;
  }

  /** Finishes `b` as a unit into `sink` and resets it (Go's writeMessage). */
  private writeUnit(sink: Sink, b: EncBuf): void {
    const unit = b.unitView();
    if (Array.isArray(sink)) sink.push(unit.slice());
    else sink.bytes(unit);
    b.reset();
  }

  private sendTypeDescriptor(sink: Sink, b: EncBuf, t: GobType): void {
    if (isBasic(t)) return;
    if (this.sent.has(this.registry.idOf(t))) return;
    this.sendType(sink, b, t);
  }

  private sendType(sink: Sink, b: EncBuf, t: GobType): void {
    if (isBasic(t)) return; // basic types, []byte and interfaces are never described
    const id = this.registry.idOf(t);
    if (this.sent.has(id)) return;
    b.int(-id);
    writeWireType(b, t, id, (x) => this.registry.idOf(x));
    this.writeUnit(sink, b);
    this.sent.add(id);
    switch (t.kind) {
      case "struct":
        for (const f of t.fields) this.sendType(sink, b, f.type);
        break;
      case "slice":
      case "array":
        this.sendType(sink, b, t.elem);
        break;
      case "map":
        this.sendType(sink, b, t.key);
        this.sendType(sink, b, t.elem);
        break;
      default:
    }
  }

  /** A value as at top level or inside an interface: struct fields, or the 00 singleton delta then the value. */
  writeTop(b: EncBuf, t: GobType, v: GobValue): void {
    if (t.kind === "struct") {
      this.encodeStruct(b, t, v);
      return;
    }
    b.uint(0);
    this.encodeValue(b, t, v);
  }

  /** An interface value (nil is a zero-length name). */
  encodeInterface(b: EncBuf, iv: GobValue): void {
    if (iv === null) {
      b.uint(0);
      return;
    }
    if (!(iv instanceof GobInterface)) throw new GobError("encode", "interface value must be a GobInterface or null");
    if (iv.type.kind === "interface") throw new GobError("encode", "an interface's concrete type cannot be interface");
    if (iv.name === "") throw new GobError("encode", "interface values need a registered type name");
    b.string(iv.name);
    this.sendTypeDescriptor(this.sinks[this.sinks.length - 1]!, b, iv.type);
    b.int(this.registry.idOf(iv.type));
    this.sinks.push(b);
    const data = (this.pool[this.depth] ??= new EncBuf(256));
    this.depth++;
    data.reset();
    try {
      this.writeTop(data, iv.type, iv.value);
      this.writeUnit(b, data);
    } finally {
      this.sinks.pop();
      this.depth--;
    }
  }

  private encodeStruct(b: EncBuf, t: GobStructType, v: GobValue): void {
    if (!(v instanceof GobStruct)) throw new GobError("encode", `struct ${t.name} needs a GobStruct value`);
    if (v.fields.length > t.fields.length) throw new GobError("encode", `struct ${t.name} value has ${v.fields.length} fields, type has ${t.fields.length}`);
    let last = -1;
    for (let i = 0; i < v.fields.length; i++) {
      const f = v.fields[i];
      if (f === undefined) continue;
      b.uint(i - last);
      this.encodeValue(b, t.fields[i]!.type, f);
      last = i;
    }
    b.uint(0);
  }

  private list(b: EncBuf, elem: GobType, v: GobValue, what: string): void {
    if (!Array.isArray(v)) throw new GobError("encode", `${what} needs an array value`);
    b.uint(v.length);
    if (elem.kind === "string") {
      for (const x of v) {
        if (typeof x === "string") b.string(x);
        else this.encodeValue(b, elem, x);
      }
      return;
    }
    for (const x of v) this.encodeValue(b, elem, x);
  }

  /** A value in place (struct field, element, map entry): no delta of its own. */
  encodeValue(b: EncBuf, t: GobType, v: GobValue): void {
    switch (t.kind) {
      case "bool":
        if (typeof v !== "boolean") throw new GobError("encode", "bool needs a boolean");
        b.uint(v ? 1 : 0);
        return;
      case "int":
        if (typeof v !== "number" && typeof v !== "bigint") throw new GobError("encode", "int needs a number or bigint");
        b.int64(v);
        return;
      case "uint":
        if (typeof v !== "number" && typeof v !== "bigint") throw new GobError("encode", "uint needs a number or bigint");
        b.uint64(v);
        return;
      case "float":
        if (typeof v !== "number" && !(v instanceof GobNaN)) throw new GobError("encode", "float needs a number");
        writeFloat(b, v);
        return;
      case "complex":
        if (!(v instanceof GobComplex)) throw new GobError("encode", "complex needs a GobComplex");
        writeFloat(b, v.re);
        writeFloat(b, v.im);
        return;
      case "string":
        if (typeof v === "string") b.string(v);
        else if (v instanceof GoBytesString) {
          b.uint(v.bytes.length);
          b.bytes(v.bytes);
        } else throw new GobError("encode", "string needs a string");
        return;
      case "interface":
        this.encodeInterface(b, v);
        return;
      case "struct":
        this.encodeStruct(b, t, v);
        return;
      case "slice":
        this.list(b, t.elem, v, "slice");
        return;
      case "array":
        if (!Array.isArray(v) || v.length !== t.len) throw new GobError("encode", `array ${t.name} needs exactly ${t.len} elements`);
        this.list(b, t.elem, v, "array");
        return;
      case "map":
        if (!(v instanceof GobMap)) throw new GobError("encode", "map needs a GobMap");
        b.uint(v.entries.length);
        for (const [k, x] of v.entries) {
          this.encodeValue(b, t.key, k);
          this.encodeValue(b, t.elem, x);
        }
        return;
      default: {
        // bytes, and the opaque bytes of GobEncoder-style types
        const bytes = typeof v === "string" ? utf8.encode(v) : v;
        if (!(bytes instanceof Uint8Array)) throw new GobError("encode", `${t.kind} needs bytes`);
        b.uint(bytes.length);
        b.bytes(bytes);
      }
    }
  }
}
