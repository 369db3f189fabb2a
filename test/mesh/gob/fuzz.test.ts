// fast-check fuzzing of the gob codec: random typed values round-trip byte-exactly through any chunking
// (what forwarding relies on); arbitrary bytes, mutated captures and hostile counts only ever produce a
// GobError (never another exception, a hang, or a buffer beyond the limits).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GobError, GobStreamDecoder, GobStreamEncoder, TypeRegistry, type GobItem, type GobType, type GobValue } from "../../../src/mesh/gob/index.ts";
import { capturedStreams } from "../vectors.ts";
import { typedValue } from "./arbitraries.ts";

const LIMITS = { maxUnitBytes: 1 << 16, maxItemBytes: 1 << 17, maxElements: 10_000, maxTypes: 64, maxDepth: 24, maxUnitsPerItem: 32 };

function feed(bytes: Uint8Array, cuts: number[], limits = LIMITS): GobItem[] {
  const dec = new GobStreamDecoder(limits);
  const items: GobItem[] = [];
  let p = 0;
  for (const c of [...cuts, bytes.length]) {
    const end = Math.min(bytes.length, p + Math.max(1, c));
    dec.push(bytes.subarray(p, end));
    p = end;
    for (let it = dec.next(); it; it = dec.next()) items.push(it);
    if (p >= bytes.length) break;
  }
  while (p < bytes.length) {
    dec.push(bytes.subarray(p, p + 64));
    p += 64;
    for (let it = dec.next(); it; it = dec.next()) items.push(it);
  }
  dec.finish();
  return items;
}

/** Runs the decoder over garbage: returns normally or throws GobError; nothing else is allowed. */
function survive(bytes: Uint8Array, cuts: number[]): void {
  try {
    feed(bytes, cuts);
  } catch (e) {
    if (!(e instanceof GobError)) throw e;
    expect(typeof e.code).toBe("string");
    expect(e.offset === undefined || (e.offset >= 0 && e.offset <= bytes.length)).toBe(true);
  }
}

describe("gob fuzzing", () => {
  it("random typed values round-trip byte-exactly in any chunking", () => {
    fc.assert(
      fc.property(fc.array(typedValue, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 20 }), (pairs, cuts) => {
        const enc = new GobStreamEncoder(new TypeRegistry());
        const bytes = Buffer.concat(pairs.map(([t, v]) => enc.encode(t, v)));
        const items = feed(bytes, cuts, { ...LIMITS, maxUnitBytes: 1 << 20, maxItemBytes: 1 << 21, maxDepth: 64 }).filter((i) => i.kind === "value");
        expect(items).toHaveLength(pairs.length);
        const again = new GobStreamEncoder(new TypeRegistry());
        const bytes2 = Buffer.concat(items.map((i) => again.encode(i.type as GobType, i.value as GobValue)));
        expect(bytes2.toString("hex")).toBe(bytes.toString("hex"));
      }),
      { numRuns: 400 },
    );
  });

  it("arbitrary bytes only ever produce GobError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 8 }), (bytes, cuts) => survive(bytes, cuts)),
      { numRuns: 3000 },
    );
  });

  it("mutated captures (flips, cuts, insertions) only ever produce GobError", () => {
    const streams = capturedStreams().map((s) => s.bytes);
    fc.assert(
      fc.property(
        fc.constantFrom(...streams),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("flip", "insert", "delete")), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 10 }),
        (orig, edits, cuts) => {
          const b = Array.from(orig);
          for (const [pos, val, op] of edits) {
            const i = pos % (b.length + 1);
            if (op === "flip" && i < b.length) b[i] = val;
            else if (op === "insert") b.splice(i, 0, val);
            else if (i < b.length) b.splice(i, 1);
          }
          survive(Uint8Array.from(b), cuts);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("hostile counts and lengths fail fast without allocating what they announce", () => {
    fc.assert(
      fc.property(fc.constantFrom("f8ffffffffffffffff", "f87fffffffffffffff", "fc7fffffff", "fe7fff"), fc.constantFrom("slice", "string", "map", "unit"), (big, where) => {
        const prefix: Record<string, string> = {
          // a top-level []int (id 66 defined as []int) with an absurd count
          slice: `0d ff 83 02 01 01 05 5b 5d 69 6e 74 01 04 00 00`,
          string: ``,
          map: `0f ff 83 04 01 01 01 6d 01 ff 84 00 01 0c 01 04 00 00`,
          unit: ``,
        };
        const body: Record<string, string> = {
          slice: `ff 84 00 ${big}`,
          string: `0c 00 ${big}`,
          map: `ff 84 00 ${big}`,
          unit: ``,
        };
        const payload = Buffer.from(body[where]!.replace(/\s+/g, ""), "hex");
        const unit = where === "unit" ? Buffer.from(big, "hex") : Buffer.concat([Buffer.from([payload.length]), payload]);
        const bytes = Buffer.concat([Buffer.from(prefix[where]!.replace(/\s+/g, ""), "hex"), unit]);
        const before = process.memoryUsage().heapUsed;
        const dec = new GobStreamDecoder({ ...LIMITS, maxUnitBytes: 4096 });
        let threw: unknown;
        try {
          dec.push(bytes);
          while (dec.next());
        } catch (e) {
          threw = e;
        }
        expect(threw).toBeInstanceOf(GobError);
        expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 << 20);
      }),
      { numRuns: 50 },
    );
  });
});
