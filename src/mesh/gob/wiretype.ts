// Type definitions on the wire (Go's wireType): parse one into a stream-local WireDef (ids as that stream
// numbered them), and write one for a GobType under the ids an encoder assigned. Layout (all structs,
// field deltas, zero fields omitted, 00 terminators):
//   wireType  {ArrayT *arrayType; SliceT *sliceType; StructT *structType; MapT *mapType;
//              GobEncoderT, BinaryMarshalerT, TextMarshalerT *gobEncoderType}   exactly one present
//   CommonType {Name string; Id int}
//   arrayType {CommonType; Elem int; Len int}    sliceType {CommonType; Elem int}
//   structType {CommonType; Field []fieldType}   fieldType {Name string; Id int}
//   mapType   {CommonType; Key int; Elem int}    gobEncoderType {CommonType}
import type { Cursor } from "./cursor.ts";
import type { EncBuf } from "./buffer.ts";
import type { GobLimits } from "./limits.ts";
import type { GobCompositeType, GobType } from "./types.ts";
import {
  CT_NAME,
  MAX_INTERFACE_NAME,
  WT_ARRAY,
  WT_BINARY_MARSHALER,
  WT_FIELD_COUNT,
  WT_GOB_ENCODER,
  WT_MAP,
  WT_SLICE,
  WT_STRUCT,
  WT_TEXT_MARSHALER,
} from "./wire.ts";

export type WireDef =
  | { kind: "array"; name: string; elem: number; len: number }
  | { kind: "slice"; name: string; elem: number }
  | { kind: "struct"; name: string; fields: { name: string; id: number }[] }
  | { kind: "map"; name: string; key: number; elem: number }
  | { kind: "gob-encoder" | "binary-marshaler" | "text-marshaler"; name: string };

/** Reads a struct's field deltas, calling `field(i)` for each present field, until 00 or the unit ends. */
function readFields(c: Cursor, count: number, what: string, field: (i: number) => void): void {
  let f = -1;
  while (c.remaining() > 0) {
    const delta = c.uint();
    if (delta === 0) return;
    f += delta;
    if (f >= count) c.fail("wiretype", `${what}: field ${f} out of range (${count} fields)`);
    field(f);
  }
}

function readCommon(c: Cursor, into: { name: string; id: number }): void {
  readFields(c, 2, "CommonType", (f) => {
    if (f === CT_NAME) into.name = c.text("type name");
    else into.id = c.int();
  });
  if (into.name.length > MAX_INTERFACE_NAME) c.fail("limit", `type name longer than ${MAX_INTERFACE_NAME} bytes`);
}

/** Parses the wireType that follows a negative id. */
export function readWireType(c: Cursor, limits: GobLimits): WireDef {
  let def: WireDef | undefined;
  const set = (d: WireDef) => {
    if (def) c.fail("wiretype", "type definition describes more than one kind");
    def = d;
  };
  readFields(c, WT_FIELD_COUNT, "wireType", (f) => {
    const common = { name: "", id: 0 };
    switch (f) {
      case WT_ARRAY: {
        const d = { kind: "array" as const, name: "", elem: 0, len: 0 };
        readFields(c, 3, "arrayType", (g) => {
          if (g === 0) readCommon(c, common);
          else if (g === 1) d.elem = c.int();
          else d.len = c.int();
        });
        if (d.len < 0) c.fail("wiretype", "negative array length");
        d.name = common.name;
        set(d);
        break;
      }
      case WT_SLICE: {
        const d = { kind: "slice" as const, name: "", elem: 0 };
        readFields(c, 2, "sliceType", (g) => {
          if (g === 0) readCommon(c, common);
          else d.elem = c.int();
        });
        d.name = common.name;
        set(d);
        break;
      }
      case WT_STRUCT: {
        const d = { kind: "struct" as const, name: "", fields: [] as { name: string; id: number }[] };
        readFields(c, 2, "structType", (g) => {
          if (g === 0) {
            readCommon(c, common);
            return;
          }
          const n = c.uint();
          if (n > limits.maxFields) c.fail("limit", `struct with ${n} fields (limit ${limits.maxFields})`);
          if (n > c.remaining()) c.fail("truncated", `${n} fields announced, unit has ${c.remaining()} bytes`);
          for (let i = 0; i < n; i++) {
            const fd = { name: "", id: 0 };
            readFields(c, 2, "fieldType", (h) => {
              if (h === 0) fd.name = c.text("field name");
              else fd.id = c.int();
            });
            d.fields.push(fd);
          }
        });
        d.name = common.name;
        set(d);
        break;
      }
      case WT_MAP: {
        const d = { kind: "map" as const, name: "", key: 0, elem: 0 };
        readFields(c, 3, "mapType", (g) => {
          if (g === 0) readCommon(c, common);
          else if (g === 1) d.key = c.int();
          else d.elem = c.int();
        });
        d.name = common.name;
        set(d);
        break;
      }
      default: {
        readFields(c, 1, "gobEncoderType", () => readCommon(c, common));
        const kind = f === WT_GOB_ENCODER ? "gob-encoder" : f === WT_BINARY_MARSHALER ? "binary-marshaler" : "text-marshaler";
        set({ kind, name: common.name });
      }
    }
  });
  if (!def) c.fail("wiretype", "type definition describes no kind");
  return def;
}

function writeCommon(b: EncBuf, name: string, id: number): void {
  // CommonType is a struct-valued field: always sent (delta 1 from the start of its parent).
  b.uint(1);
  if (name !== "") {
    b.uint(1);
    b.string(name);
    b.uint(1);
  } else {
    b.uint(2);
  }
  b.int(id);
  b.uint(0);
}

/** Writes the wireType of `t` (which has id `id`), referring to component types through `idOf`. */
export function writeWireType(b: EncBuf, t: GobCompositeType, id: number, idOf: (t: GobType) => number): void {
  switch (t.kind) {
    case "array":
      b.uint(WT_ARRAY + 1);
      writeCommon(b, t.name, id);
      b.uint(1);
      b.int(idOf(t.elem));
      if (t.len !== 0) {
        b.uint(1);
        b.int(t.len);
      }
      b.uint(0);
      break;
    case "slice":
      b.uint(WT_SLICE + 1);
      writeCommon(b, t.name, id);
      b.uint(1);
      b.int(idOf(t.elem));
      b.uint(0);
      break;
    case "struct":
      b.uint(WT_STRUCT + 1);
      writeCommon(b, t.name, id);
      if (t.fields.length > 0) {
        b.uint(1);
        b.uint(t.fields.length);
        for (const f of t.fields) {
          if (f.name !== "") {
            b.uint(1);
            b.string(f.name);
            b.uint(1);
          } else {
            b.uint(2);
          }
          b.int(idOf(f.type));
          b.uint(0);
        }
      }
      b.uint(0);
      break;
    case "map":
      b.uint(WT_MAP + 1);
      writeCommon(b, t.name, id);
      b.uint(1);
      b.int(idOf(t.key));
      b.uint(1);
      b.int(idOf(t.elem));
      b.uint(0);
      break;
    default: {
      const field = t.kind === "gob-encoder" ? WT_GOB_ENCODER : t.kind === "binary-marshaler" ? WT_BINARY_MARSHALER : WT_TEXT_MARSHALER;
      b.uint(field + 1);
      writeCommon(b, t.name, id);
      b.uint(0);
    }
  }
  b.uint(0);
}
