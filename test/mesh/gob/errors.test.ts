// Bad gob input gets a typed GobError with a stable code and the stream offset where it went wrong;
// every limit holds; the primitive encodings match the spec's examples.
import { describe, expect, it } from "vitest";
import {
  EncBuf,
  GobError,
  GobInterface,
  GobStreamDecoder,
  GobStreamEncoder,
  GobStruct,
  INT,
  STRING,
  TypeRegistry,
  sliceOf,
  structOf,
  type GobLimits,
} from "../../../src/mesh/gob/index.ts";
import { Cursor } from "../../../src/mesh/gob/cursor.ts";
import { vectorFile } from "../vectors.ts";

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

function fail(bytes: Uint8Array, limits: Partial<GobLimits> = {}): GobError {
  const dec = new GobStreamDecoder(limits);
  try {
    dec.push(bytes);
    while (dec.next());
    dec.finish();
  } catch (e) {
    expect(e).toBeInstanceOf(GobError);
    return e as GobError;
  }
  throw new Error("expected a GobError");
}

const MESSAGE_DEFS = (() => {
  const all = vectorFile("s1a-c1-dialer-10.200.0.2.bin");
  // name, version, then the two definitions (0x6c + 0x17 bytes)
  return all.subarray(9 + 7, 9 + 7 + 0x6c + 0x17);
})();

describe("gob primitives", () => {
  it("encodes uints and ints as the spec's examples (not LEB128)", () => {
    const cases: [number | bigint, string][] = [
      [0, "00"],
      [127, "7f"],
      [130, "ff82"],
      [142, "ff8e"],
      [600, "fe0258"],
      [2n ** 64n - 1n, "f8ffffffffffffffff"],
      [12863860383455142192n, "f8b2859cdcf4106130"],
    ];
    for (const [v, hexs] of cases) {
      const b = new EncBuf();
      b.uint64(v);
      expect(Buffer.from(b.buf.subarray(9, b.len)).toString("hex")).toBe(hexs);
      const c = new Cursor();
      c.buf = b.buf;
      c.pos = 9;
      c.end = b.len;
      expect(c.uint64()).toBe(BigInt(v));
    }
    const ints: [number, string][] = [
      [6, "0c"],
      [2, "04"],
      [65, "ff82"],
      [-65, "ff81"],
      [-1, "01"],
      [300, "fe0258"],
    ];
    for (const [v, hexs] of ints) {
      const b = new EncBuf();
      b.int(v);
      expect(Buffer.from(b.buf.subarray(9, b.len)).toString("hex")).toBe(hexs);
    }
  });
});

describe("typed decoding errors with offsets", () => {
  it("truncated: a string longer than its unit", () => {
    const e = fail(h("04 0c 00 09 61"));
    expect(e.code).toBe("mesh.gob.truncated");
    expect(e.offset).toBe(4);
  });
  it("bad-uint: a byte count over 8", () => {
    const e = fail(h("02 0c 80"));
    expect(e.code).toBe("mesh.gob.bad-uint");
    expect(e.offset).toBe(2);
  });
  it("unit-too-large: the count is checked before anything is buffered", () => {
    const e = fail(h("fe 10 00"), { maxUnitBytes: 1024 });
    expect(e.code).toBe("mesh.gob.unit-too-large");
    expect(e.offset).toBe(0);
  });
  it("corrupt: empty unit, non-zero singleton delta, field out of range, array length mismatch", () => {
    expect(fail(h("00")).code).toBe("mesh.gob.corrupt");
    const e = fail(h("04 0c 01 01 61"));
    expect([e.code, e.offset]).toEqual(["mesh.gob.corrupt", 2]);
    // Message value with a field delta past field 6
    const bad = Buffer.concat([MESSAGE_DEFS, h("04 ff 82 08 00")]);
    expect(fail(bad).code).toBe("mesh.gob.corrupt");
  });
  it("duplicate-type and type-id", () => {
    const defs = MESSAGE_DEFS;
    const e = fail(Buffer.concat([defs, defs.subarray(0, 0x6c)]));
    expect(e.code).toBe("mesh.gob.duplicate-type");
    expect(e.offset).toBe(defs.length);
    // a definition for id 10 (reserved)
    expect(fail(h("14 13 02 01 01 08 5b 5d 73 74 72 69 6e 67 01 14 00 01 0c 00 00")).code).toBe("mesh.gob.type-id");
  });
  it("unknown-type: a value of an undefined id, and a definition referring to one", () => {
    expect(fail(h("03 ff 8c 00")).code).toBe("mesh.gob.unknown-type");
    // Message defined, but []string (66) never defined
    expect(fail(Buffer.concat([MESSAGE_DEFS.subarray(0, 0x6c), h("03 ff 82 00")])).code).toBe("mesh.gob.unknown-type");
  });
  it("extra-data after a top-level definition", () => {
    const def = Buffer.from(MESSAGE_DEFS.subarray(0x6c));
    const longer = Buffer.concat([h("17"), def.subarray(1), h("00")]);
    expect(fail(longer).code).toBe("mesh.gob.extra-data");
  });
  it("wiretype: a definition with no kind, or with two", () => {
    expect(fail(h("03 ff 83 00")).code).toBe("mesh.gob.wiretype");
    expect(fail(h("0d ff 83 02 01 01 01 01 04 00 01 0c 00 00")).code).toBe("mesh.gob.wiretype");
  });
  it("finish() inside an item is truncated", () => {
    const dec = new GobStreamDecoder();
    dec.push(h("08 0c 00 05 61 6c"));
    expect(dec.next()).toBeNull();
    expect(() => dec.finish()).toThrow(GobError);
  });
});

describe("limits", () => {
  const reg = () => new GobStreamEncoder(new TypeRegistry());
  it("depth", () => {
    let t: ReturnType<typeof sliceOf> | typeof INT = INT;
    let v: unknown = 1;
    for (let i = 0; i < 10; i++) {
      t = sliceOf(t, `s${i}`);
      v = [v];
    }
    const bytes = reg().encode(t, v as never);
    expect(fail(bytes, { maxDepth: 5 }).code).toBe("mesh.gob.limit");
    const dec = new GobStreamDecoder({ maxDepth: 20 });
    dec.push(bytes);
    let n = 0;
    while (dec.next()) n++;
    expect(n).toBeGreaterThan(0);
  });
  it("elements per item", () => {
    const bytes = reg().encode(sliceOf(INT), Array.from({ length: 100 }, (_, i) => i));
    expect(fail(bytes, { maxElements: 50 }).code).toBe("mesh.gob.limit");
  });
  it("type definitions per stream", () => {
    const e = reg();
    const parts = Array.from({ length: 5 }, (_, i) => e.encode(structOf(`T${i}`, [{ name: "A", type: INT }]), new GobStruct([i + 1])));
    expect(fail(Buffer.concat(parts), { maxTypes: 3 }).code).toBe("mesh.gob.limit");
  });
  it("units per item and bytes per item", () => {
    const body = structOf("Deep", [{ name: "X", type: structOf("D1", [{ name: "Y", type: structOf("D2", [{ name: "Z", type: INT }]) }]) }]);
    const wrap = structOf("Wrap", [{ name: "Body", type: { kind: "interface", id: 8 } }]);
    const bytes = reg().encode(wrap, new GobStruct([new GobInterface("main.Deep", body, new GobStruct([new GobStruct([new GobStruct([5])])]))]));
    expect(fail(bytes, { maxUnitsPerItem: 2 }).code).toBe("mesh.gob.limit");
    expect(fail(bytes, { maxItemBytes: 40 }).code).toBe("mesh.gob.limit");
  });
  it("non-UTF-8 strings survive as bytes; non-UTF-8 type names are errors", () => {
    const dec = new GobStreamDecoder();
    dec.push(h("05 0c 00 02 ff fe"));
    const it = dec.next();
    expect(it?.kind).toBe("value");
    const again = reg().encode(STRING, it!.kind === "value" ? it!.value : null);
    expect(Buffer.from(again).toString("hex")).toBe("050c0002fffe");
  });
});

describe("encoding errors", () => {
  it("rejects values that do not fit their type", () => {
    const e = reg();
    expect(() => e.encode(INT, "x")).toThrow(GobError);
    expect(() => e.encode(STRING, 5)).toThrow(GobError);
    expect(() => e.encode(structOf("S", [{ name: "A", type: INT }]), [1])).toThrow(GobError);
    expect(() => e.encode({ kind: "uint", id: 3 }, -1)).toThrow(GobError);
    expect(() => e.encode({ kind: "uint", id: 3 }, 2n ** 64n)).toThrow(GobError);
  });
  function reg() {
    return new GobStreamEncoder(new TypeRegistry());
  }
});
