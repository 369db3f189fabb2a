// The cross-shard batch format (worker/forward-batch.ts) and shard placement (worker/placement.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchWriter, ForwardBatchError, readBatch } from "../../worker/forward-batch.ts";
import { chooseShard, directoryFor, fnv1a } from "../../worker/placement.ts";

const key = fc.string({ minLength: 1, maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a"));

describe("forward batch", () => {
  it("round-trips any records in order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 300 })), { maxLength: 40 }), (recs) => {
        const w = new BatchWriter();
        for (const [k, m] of recs) w.push(k, m);
        expect(w.count).toBe(recs.length);
        const out: [string, Uint8Array][] = [];
        const n = readBatch(w.take(), (k, m) => out.push([k, m.slice()]));
        expect(n).toBe(recs.length);
        expect(out).toEqual(recs);
        expect(w.count).toBe(0);
      }),
    );
  });

  it("throws only ForwardBatchError on truncated or random input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 50 })), { minLength: 1, maxLength: 5 }), fc.nat(), (junk, recs, cut) => {
        const w = new BatchWriter();
        for (const [k, m] of recs) w.push(k, m);
        const full = w.take();
        for (const buf of [junk, full.subarray(0, cut % full.length)]) {
          try {
            readBatch(buf, () => {});
          } catch (e) {
            expect(e).toBeInstanceOf(ForwardBatchError);
            expect((e as ForwardBatchError).code).toBe("forward_batch.malformed");
          }
        }
      }),
    );
  });

  it("refuses non-ASCII keys and oversize messages", () => {
    const w = new BatchWriter();
    expect(() => w.push("é", new Uint8Array(1))).toThrow(ForwardBatchError);
    expect(() => w.push("k", new Uint8Array(0x10000))).toThrow(ForwardBatchError);
    expect(w.count).toBe(0);
  });
});

describe("placement", () => {
  const req = (q: string, h: Record<string, string> = {}) => new Request(`http://x/relay${q}`, { headers: h });
  it("honours an explicit in-range shard, hashes a peer hint, else picks at random", () => {
    expect(chooseShard(req("?shard=2"), 4)).toBe("shard-2");
    expect(chooseShard(req("", { "x-gossamer-shard": "3" }), 4)).toBe("shard-3");
    expect(chooseShard(req("?shard=9", {}), 4, () => 0.99)).toBe("shard-3"); // out of range -> random
    const p = chooseShard(req("?peer=sha-abc"), 4);
    for (let i = 0; i < 5; i++) expect(chooseShard(req("?peer=sha-abc"), 4, () => Math.random())).toBe(p);
    expect(chooseShard(req(""), 4, () => 0)).toBe("shard-0");
    expect(chooseShard(req(""), 4, () => 0.5)).toBe("shard-2");
  });
  it("spreads peer hashes over shards and directories", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(chooseShard(req(`?peer=sha-${i}`), 4));
    expect(seen.size).toBe(4);
    expect(directoryFor("sha-x", 1)).toBe("dir-0");
    expect(directoryFor("sha-x", 8)).toBe(`dir-${fnv1a("sha-x") % 8}`);
  });
});
