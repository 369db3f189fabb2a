// fast-check arbitraries for the gob codec: random type graphs (basic, slice, array, map, struct,
// interface, GobEncoder-style) and values that fit them.
import fc from "fast-check";
import {
  BOOL,
  BYTES,
  COMPLEX,
  FLOAT,
  GobComplex,
  GobInterface,
  GobMap,
  GobStruct,
  INT,
  INTERFACE,
  STRING,
  UINT,
  type GobType,
  type GobValue,
} from "../../../src/mesh/gob/index.ts";

const BASICS: GobType[] = [BOOL, INT, UINT, FLOAT, BYTES, STRING, COMPLEX];
const name = fc.constantFrom("A", "B", "Name", "Body", "x", "Ünïcode", "T");

export function typeArb(depth: number): fc.Arbitrary<GobType> {
  const leaf = fc.constantFrom(...BASICS, INTERFACE, { kind: "gob-encoder", name: "Time" } as GobType);
  if (depth <= 0) return leaf;
  const sub = typeArb(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: sub.map((elem): GobType => ({ kind: "slice", name: "[]x", elem })) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.integer({ min: 0, max: 3 })).map(([elem, len]): GobType => ({ kind: "array", name: `[${len}]x`, elem, len })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(STRING, INT, UINT), sub).map(([key, elem]): GobType => ({ kind: "map", name: "map[k]v", key, elem })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("S1", "S2", "probe"), fc.uniqueArray(fc.tuple(name, sub), { maxLength: 4, selector: (f) => f[0] }))
        .map(([n, fields]): GobType => ({ kind: "struct", name: n, fields: fields.map(([fname, type]) => ({ name: fname, type })) })),
    },
  );
}

const float = fc.oneof(fc.double(), fc.constantFrom(0, -0, Infinity, -Infinity, 1.5, 2 ** 60));
const intArb = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)));
const uintArb = fc.oneof(fc.nat(1000), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)));

export function valueArb(t: GobType, depth = 3): fc.Arbitrary<GobValue> {
  switch (t.kind) {
    case "bool":
      return fc.boolean();
    case "int":
      return intArb;
    case "uint":
      return uintArb;
    case "float":
      return float;
    case "complex":
      return fc.tuple(float, float).map(([re, im]) => new GobComplex(re, im));
    case "bytes":
    case "gob-encoder":
    case "binary-marshaler":
    case "text-marshaler":
      return fc.uint8Array({ maxLength: 20 });
    case "string":
      return fc.string({ unit: "grapheme", maxLength: 12 });
    case "interface":
      return fc.oneof(
        fc.constant(null),
        typeArb(depth > 0 ? 1 : 0)
          .filter((x) => x.kind !== "interface")
          .chain((ct) => valueArb(ct, depth - 1).map((v) => new GobInterface(ct.kind === "struct" ? `main.${ct.name}` : "concrete", ct, v))),
      );
    case "slice":
      return fc.array(valueArb(t.elem, depth - 1), { maxLength: 3 });
    case "array":
      return fc.array(valueArb(t.elem, depth - 1), { minLength: t.len, maxLength: t.len });
    case "map":
      return fc.array(fc.tuple(valueArb(t.key, depth - 1), valueArb(t.elem, depth - 1)), { maxLength: 3 }).map((e) => new GobMap(e));
    case "struct":
      return fc
        .tuple(...t.fields.map((f) => fc.option(valueArb(f.type, depth - 1), { nil: undefined })))
        .map((fields) => new GobStruct(fields as (GobValue | undefined)[]));
  }
}

/** A random (type, value) pair, top-level. */
export const typedValue: fc.Arbitrary<[GobType, GobValue]> = typeArb(3)
  .filter((t) => t.kind !== "interface")
  .chain((t) => valueArb(t).map((v): [GobType, GobValue] => [t, v]));
