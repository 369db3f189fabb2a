// shard.StringKey and KeyBuilder against the 35 keys recorded from ckit (XXH64, seed 0), on both hot
// paths; the builder is fed 3-byte chunks like the recorder did, and arbitrary splits in a property.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bytesKey, keyBuilder, stringKey } from "../../src/ckit/index.ts";
import { hex, platforms, vectors } from "./vectors.ts";

describe.each(platforms())("shard keys (%s hot path)", (_kind, platform) => {
  it("StringKey equals ckit for all 35 recorded inputs", () => {
    expect(vectors.stringKeys).toHaveLength(35);
    for (const v of vectors.stringKeys) {
      const bytes = hex(v.inputHex);
      expect(bytes.length).toBe(v.inputLen);
      expect(bytesKey(platform, bytes)).toBe(BigInt(v.key));
      if (v.input !== undefined) expect(stringKey(platform, v.input), JSON.stringify(v.input)).toBe(BigInt(v.key));
      expect(bytesKey(platform, bytes).toString(16).padStart(16, "0")).toBe(v.keyHex);
    }
  });

  it("KeyBuilder fed 3-byte chunks gives the same keys, and reset() starts over", () => {
    const kb = keyBuilder(platform);
    for (const v of vectors.stringKeys) {
      const bytes = hex(v.inputHex);
      kb.reset();
      for (let i = 0; i < bytes.length; i += 3) kb.write(bytes.subarray(i, i + 3));
      expect(kb.key()).toBe(BigInt(v.key));
    }
  });

  it("KeyBuilder equals StringKey for any split of any string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "grapheme" }), fc.array(fc.nat(), { maxLength: 6 }), (s, cuts) => {
        const b = new TextEncoder().encode(s);
        const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        const kb = keyBuilder(platform);
        let prev = 0;
        for (const p of [...points, b.length]) {
          kb.write(b.subarray(prev, p));
          prev = p;
        }
        expect(kb.key()).toBe(stringKey(platform, s));
        expect(keyBuilder(platform).write(s).key()).toBe(stringKey(platform, s));
      }),
      { numRuns: 200 },
    );
  });
});
