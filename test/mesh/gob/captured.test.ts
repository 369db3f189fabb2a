// Every captured meshage stream (real minimega nodes, Go 1.19 gob) decodes to its annotated values, fed
// in small random chunks through the incremental decoder; and our encoder, given the decoded values in
// order, reproduces the captured bytes exactly (type definitions included, in Go's order and unit cuts).
// The two Go-verified variants of s5 (ids renumbered to 100..104; types pre-declared as standalone
// units) decode to the same values, and re-encode to the ORIGINAL s5 bytes (our ids, Go's layout).
import { describe, expect, it } from "vitest";
import { GobStreamDecoder, GobStreamEncoder, TypeRegistry, toPlain, type GobItem, type GobType, type GobValue } from "../../../src/mesh/gob/index.ts";
import { seededRandom } from "../../../src/util/clock.ts";
import { capturedStreams, hex, splitUnits, vectorFile } from "../vectors.ts";

const streams = capturedStreams();

function decodeAll(bytes: Uint8Array, seed: number): GobItem[] {
  const rnd = seededRandom(seed);
  const dec = new GobStreamDecoder();
  const items: GobItem[] = [];
  let p = 0;
  while (p < bytes.length) {
    const n = 1 + Math.floor(rnd.next() * 40);
    dec.push(bytes.subarray(p, p + n));
    p += n;
    for (let it = dec.next(); it; it = dec.next()) items.push(it);
  }
  dec.finish();
  return items;
}

function annotated(item: GobItem): unknown {
  return item.kind === "type" ? { typedef: item.id } : toPlain(item.type, item.value);
}

function reencode(items: GobItem[]): Uint8Array {
  const enc = new GobStreamEncoder(new TypeRegistry());
  const parts: Uint8Array[] = [];
  for (const it of items) if (it.kind === "value") parts.push(enc.encode(it.type as GobType, it.value as GobValue));
  return Buffer.concat(parts);
}

describe("captured minimega streams", () => {
  it("has all 16 stream directions: 284 top-level items, 252 of them values (the rest type definitions)", () => {
    const originals = streams.filter((s) => !s.name.includes("renumbered") && !s.name.includes("predefined"));
    expect(originals).toHaveLength(16);
    const all = originals.flatMap((s) => s.values);
    expect(all).toHaveLength(284);
    expect(all.filter((v) => !(typeof v === "object" && v !== null && "typedef" in v))).toHaveLength(252);
  });

  for (const s of streams) {
    it(`${s.name} decodes to its annotated values`, () => {
      const items = decodeAll(s.bytes, s.bytes.length);
      expect(items).toHaveLength(s.items);
      expect(items.map(annotated)).toEqual(s.values);
      expect(splitUnits(s.bytes)).toHaveLength(s.units);
    });
  }

  for (const s of streams.filter((x) => !x.name.includes("renumbered") && !x.name.includes("predefined"))) {
    it(`${s.name}: our encoder reproduces the captured bytes`, () => {
      const items = decodeAll(s.bytes, 7);
      const ours = reencode(items);
      expect(splitUnits(ours).map(hex)).toEqual(splitUnits(s.bytes).map(hex));
    });
  }

  it("s5 with renumbered ids and with pre-declared types re-encodes to the original s5 bytes", () => {
    const original = vectorFile("s5-c1-dialer-10.200.0.2.bin");
    for (const variant of ["s5-c1-dialer-10.200.0.2.renumbered-ids.bin", "s5-c1-dialer-10.200.0.2.predefined-types.bin"]) {
      const items = decodeAll(vectorFile(variant), 3);
      expect(hex(reencode(items))).toBe(hex(original));
    }
  });

  it("reads type ids from the stream: the renumbered variant defines 100..104, not 65..69", () => {
    const items = decodeAll(vectorFile("s5-c1-dialer-10.200.0.2.renumbered-ids.bin"), 5);
    const defined = items.filter((i) => i.kind === "type").map((i) => i.id);
    expect(defined).toEqual([100, 101]);
    const values = items.filter((i) => i.kind === "value");
    expect(values.some((v) => v.id === 100)).toBe(true);
  });
});
