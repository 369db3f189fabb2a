// Our gob codec against Go's own encoding/gob beyond what meshage captures show: go-gob-vectors.json holds
// the bytes Go 1.19 writes for scalars (negative, -0, +Inf, max uint64, min int64, complex, []byte),
// arrays, maps with int keys, recursive types, nil and non-nil pointers, a GobEncoder (time.Time),
// interfaces holding basic types, slices, maps, empty structs and nil, slices of interfaces, a NESTED
// interface whose type is new (definitions written inside the enclosing value), and units over 64 KiB.
// Each decodes, and re-encoding what we decoded with a fresh registry writes Go's bytes exactly.
// Regenerate: `cd test/mesh/go && go run . > ../go-gob-vectors.json` (each case runs in its own process).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GobStreamDecoder, GobStreamEncoder, TypeRegistry, toPlain, type GobItem } from "../../../src/mesh/gob/index.ts";
import { hex, splitUnits } from "../vectors.ts";

const file = JSON.parse(readFileSync(new URL("../go-gob-vectors.json", import.meta.url), "utf8")) as { vectors: { name: string; hex: string }[] };
const vector = (name: string) => Uint8Array.from(Buffer.from(file.vectors.find((v) => v.name === name)!.hex, "hex"));

function decode(bytes: Uint8Array): GobItem[] {
  const dec = new GobStreamDecoder();
  dec.push(bytes);
  const out: GobItem[] = [];
  for (let it = dec.next(); it; it = dec.next()) out.push(it);
  dec.finish();
  return out;
}

function values(bytes: Uint8Array): unknown[] {
  return decode(bytes)
    .filter((i) => i.kind === "value")
    .map((i) => (i.kind === "value" ? toPlain(i.type, i.value) : null));
}

describe("Go encoding/gob reference vectors", () => {
  it("covers the expected cases", () => {
    expect(file.vectors.map((v) => v.name)).toHaveLength(14);
  });

  for (const v of file.vectors) {
    it(`${v.name}: decodes and re-encodes to Go's bytes`, () => {
      const bytes = Uint8Array.from(Buffer.from(v.hex, "hex"));
      const items = decode(bytes);
      const enc = new GobStreamEncoder(new TypeRegistry());
      const ours = Buffer.concat(items.flatMap((i) => (i.kind === "value" ? [enc.encode(i.type, i.value)] : [])));
      expect(splitUnits(ours).map(hex)).toEqual(splitUnits(bytes).map(hex));
    });
  }

  it("decodes scalars to the values Go encoded", () => {
    const v = values(vector("scalars"));
    expect(v.slice(0, 8)).toEqual([-3, 300, 1.5, -0, true, false, "héllo", "AQID"]);
    expect(Object.is(v[3], -0)).toBe(true);
    expect(v[8]).toEqual({ re: 1, im: -2 });
    expect(v[9]).toBe(-(2n ** 63n));
    expect(v[10]).toBe(2n ** 64n - 1n);
    expect(v[11]).toBe(Infinity);
  });

  it("decodes a nested interface whose definitions sit inside the enclosing value", () => {
    expect(values(vector("nested-interface"))).toEqual([
      { Body: { type: "main.Outer", value: { Name: "o", X: { type: "main.Inner", value: { A: 7, S: "in" } }, N: -1 } }, Tail: "t" },
      { Body: { type: "main.Outer", value: { X: { type: "main.Inner", value: { A: 8 } } } } },
    ]);
  });

  it("decodes recursive types, nil pointers, slices of interfaces and GobEncoder bytes", () => {
    expect(values(vector("recursive"))).toEqual([{ V: 1, Kids: [{ V: 2 }, { V: 3, Kids: [{ V: 4 }] }] }]);
    expect(values(vector("pointers"))).toEqual([{ Q: { A: 1 } }, {}]);
    expect(values(vector("slice-of-interface"))).toEqual([{ Body: { type: "[]interface {}", value: ["a", { type: "int", value: 5 }, { type: "main.Inner", value: { A: 1 } }, null].map((x) => (typeof x === "string" ? { type: "string", value: x } : x)) } }]);
    const t = values(vector("gob-encoder"))[0] as { When: string; Tag: string };
    expect(t.Tag).toBe("t");
    expect(Buffer.from(t.When, "base64").length).toBeGreaterThan(10);
  });
});
