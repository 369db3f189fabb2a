// The cross-shard link format (worker/forward-batch.ts) and shard placement (worker/placement.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchWriter, encodeMissing, ForwardBatchError, LINK_FORWARD, LINK_MISSING, readBatch, readMissing } from "../../worker/forward-batch.ts";
import { chooseShard, directoryFor, fnv1a } from "../../worker/placement.ts";


const id36 = fc.uint8Array({ minLength: 36, maxLength: 36 });

describe("forward batch (link messages)", () => {
  it("round-trips any records in order, the destination raw beside the message", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id36, fc.uint8Array({ maxLength: 300 })), { maxLength: 40 }), (recs) => {
        const w = new BatchWriter();
        for (const [id, m] of recs) w.push(id, 0, m);
        expect(w.count).toBe(recs.length);
        const out: [Uint8Array, Uint8Array][] = [];
        const n = readBatch(w.take(), (buf, off, m) => out.push([buf.slice(off, off + 36), m.slice()]));
        expect(n).toBe(recs.length);
        expect(out).toEqual(recs);
        expect(w.count).toBe(0);
        expect(readBatch(w.take(), () => {})).toBe(0); // an empty FORWARD after take()
      }),
    );
  });

  it("takes the destination from any offset and copies the message at push time", () => {
    const w = new BatchWriter();
    const scratch = new Uint8Array(100).fill(7);
    scratch.fill(9, 40, 76);
    const m = Uint8Array.of(1, 3, 5);
    w.push(scratch, 40, m);
    m[2] = 0; // the caller reuses its buffers
    scratch.fill(0);
    const out: number[][] = [];
    readBatch(w.take(), (buf, off, msg) => out.push([...buf.subarray(off, off + 36)], [...msg]));
    expect(out).toEqual([Array(36).fill(9), [1, 3, 5]]);
  });

  it("grows past its first buffer for large batches", () => {
    const w = new BatchWriter();
    const id = new Uint8Array(36).fill(1);
    for (let i = 0; i < 100; i++) w.push(id, 0, new Uint8Array(1400).fill(i));
    const seen: number[] = [];
    expect(readBatch(w.take(), (_b, _o, m) => seen.push(m[0]!, m.length))).toBe(100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => [i, 1400]).flat());
  });

  it("throws only ForwardBatchError on truncated or random input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.tuple(id36, fc.uint8Array({ maxLength: 50 })), { minLength: 1, maxLength: 5 }), fc.nat(), (junk, recs, cut) => {
        const w = new BatchWriter();
        for (const [id, m] of recs) w.push(id, 0, m);
        const full = w.take();
        for (const buf of [junk, full.subarray(0, cut % full.length), Uint8Array.of(LINK_FORWARD, ...junk)]) {
          for (const read of [() => readBatch(buf, () => {}), () => readMissing(buf, () => {})]) {
            try {
              read();
            } catch (e) {
              expect(e).toBeInstanceOf(ForwardBatchError);
              expect((e as ForwardBatchError).code).toBe("forward_batch.malformed");
            }
          }
        }
      }),
    );
  });

  it("refuses oversize messages and out-of-range destinations", () => {
    const w = new BatchWriter();
    expect(() => w.push(new Uint8Array(36), 0, new Uint8Array(0x10000))).toThrow(ForwardBatchError);
    expect(() => w.push(new Uint8Array(40), 5, new Uint8Array(1))).toThrow(ForwardBatchError);
    expect(w.count).toBe(0);
  });

  it("MISSING notices carry raw IDs back", () => {
    fc.assert(
      fc.property(fc.array(id36, { maxLength: 20 }), (ids) => {
        const flat = new Uint8Array(36 * ids.length + 36);
        ids.forEach((id, i) => flat.set(id, 36 * i));
        const msg = encodeMissing(flat, ids.length);
        expect(msg[0]).toBe(LINK_MISSING);
        const out: Uint8Array[] = [];
        expect(readMissing(msg, (b, o) => out.push(b.slice(o, o + 36)))).toBe(ids.length);
        expect(out).toEqual(ids);
      }),
    );
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
