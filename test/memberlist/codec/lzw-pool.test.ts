// The LZW decoder's reused buffers (src/memberlist/codec/lzw-pool.ts): reuse never changes what a decode
// returns (stale tables and output bytes are never read), buffers refused at the cap go back to the pool,
// and the pool stays small.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lzwCompress, lzwDecompress } from "../../../src/memberlist/codec/index.ts";
import { borrowOutput, borrowTables, MAX_POOLED_BYTES, pooledCount, pow2AtLeast, returnOutput, returnTables } from "../../../src/memberlist/codec/lzw-pool.ts";
import { MemberlistCompressionError, MemberlistLimitError } from "../../../src/memberlist/errors.ts";

const bomb = lzwCompress(new Uint8Array(1 << 20)); // 1 MiB of zeros, a few KiB compressed

describe("lzw buffer pool", () => {
  it("decodes are the same with reused buffers, interleaved with refused bombs and corrupt input", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20_000 }), { minLength: 1, maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (inputs, junk) => {
        for (const data of inputs) {
          expect(() => lzwDecompress(bomb, 64 * 1024)).toThrow(MemberlistLimitError);
          try {
            lzwDecompress(junk, 1 << 16); // invalid codes or no EOF: a typed error, buffers given back
          } catch (e) {
            expect(e instanceof MemberlistCompressionError || e instanceof MemberlistLimitError).toBe(true);
          }
          const c = lzwCompress(data);
          expect(lzwDecompress(c, data.length + 1)).toEqual(data);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a bomb refused at the cap returns its buffers: a thousand bombs leave a bounded pool", () => {
    for (let i = 0; i < 1_000; i++) expect(() => lzwDecompress(bomb, 256 * 1024)).toThrow(MemberlistLimitError);
    const n = pooledCount();
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(2 * 21); // two per power-of-two size up to 1 MiB, two table sets
  });

  it("keeps only whole power-of-two buffers within the size limit", () => {
    const before = pooledCount();
    returnOutput(new Uint8Array(3000)); // not a power of two
    returnOutput(new Uint8Array(MAX_POOLED_BYTES * 2)); // too large
    returnOutput(new Uint8Array(8192).subarray(0, 4096)); // a view, not a whole buffer
    expect(pooledCount()).toBe(before);
    const b = new Uint8Array(1 << 13);
    returnOutput(b);
    expect(borrowOutput(1 << 13)).toBe(b);
    expect(pow2AtLeast(1)).toBe(1);
    expect(pow2AtLeast(4096)).toBe(4096);
    expect(pow2AtLeast(4097)).toBe(8192);
  });

  it("keeps two buffers per size, a 1 MiB buffer included, and hands back exactly those", () => {
    for (const size of [1 << 12, MAX_POOLED_BYTES]) {
      borrowOutput(size); // at most two of a size are kept: two borrows empty it
      borrowOutput(size);
      const [a, b, c] = [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)];
      const before = pooledCount();
      returnOutput(a);
      returnOutput(b);
      returnOutput(c); // a third of one size is left to the GC
      expect(pooledCount() - before).toBe(2);
      const got = [borrowOutput(size), borrowOutput(size)];
      expect(got).toContain(a);
      expect(got).toContain(b);
      expect(borrowOutput(size)).not.toBe(c);
    }
  });

  it("code tables: reused (at most two kept), cleared before reuse, and only when their size matches", () => {
    const t = borrowTables(4096);
    const u = borrowTables(4096);
    const v = borrowTables(4096);
    t.prefix.fill(7);
    t.suffix.fill(9);
    const before = pooledCount();
    returnTables(t);
    returnTables(u);
    returnTables(v); // a third set is left to the GC
    expect(pooledCount() - before).toBe(2);
    const again = [borrowTables(4096), borrowTables(4096)];
    expect(again).toContain(t);
    expect(again).toContain(u);
    expect(t.prefix.every((x) => x === 0) && t.suffix.every((x) => x === 0)).toBe(true);
    returnTables(t);
    const small = borrowTables(256); // a kept set of another size is not handed out
    expect(small.prefix.length).toBe(256);
    expect(small.suffix.length).toBe(256);

  });
});
