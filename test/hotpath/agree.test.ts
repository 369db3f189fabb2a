// Properties: the Wasm build and the TS twin agree on random and malformed input (random bytes, cut
// streams, absurd lengths), and scanning never throws anything but HotpathFrameError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HotpathFrameError } from "../../src/hotpath/index.ts";
import type { Hotpath } from "../../src/hotpath/index.ts";
import { ckit, compound, IMPLS, outcome } from "./impls.ts";

const [wasm, ts] = IMPLS.map(([, make]) => make({ inputBytes: 1 << 14, maxPairs: 256 })) as [Hotpath, Hotpath];

/** Outcome plus the pairs it wrote (the count comes from the result or from the error's `frames`). */
function run(hp: Hotpath, f: (h: Hotpath) => unknown) {
  const o = outcome(() => f(hp));
  const n = "ok" in o ? (o.ok as { count: number }).count : o.err.frames;
  return { o, pairs: Array.from(hp.pairs().subarray(0, 2 * n)) };
}

/** A ckit stream with some malformations: cut at a random point, a byte flipped, absurd lengths. */
const ckitish = fc
  .tuple(
    fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 250, maxLength: 700 })), { maxLength: 40 }),
    fc.boolean(),
    fc.option(fc.nat(), { nil: undefined }),
    fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined }),
  )
  .map(([ps, long, cut, flip]) => {
    const b = ckit(ps, long);
    if (flip && b.length > 0) b[flip[0] % b.length] = flip[1];
    return cut === undefined || b.length === 0 ? b : b.subarray(0, cut % (b.length + 1));
  });

const anyBytes = fc.uint8Array({ maxLength: 600 });

describe("wasm and ts agree", () => {
  it("on ckit scans of malformed and random input", () => {
    fc.assert(
      fc.property(fc.oneof(ckitish, anyBytes), fc.option(fc.nat({ max: 200 }), { nil: undefined }), (data, maxFrame) => {
        const opt = maxFrame === undefined ? undefined : { maxFrame };
        const a = run(wasm, (h) => h.scanCkit(data, opt));
        const b = run(ts, (h) => h.scanCkit(data, opt));
        expect(a).toEqual(b);
        // every reported pair lies inside the data
        for (let i = 0; i < a.pairs.length; i += 2) expect(a.pairs[i]! + a.pairs[i + 1]!).toBeLessThanOrEqual(data.length);
      }),
      { numRuns: 500 },
    );
  });

  it("on resident ckit scans at random offsets, including 'full'", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3 }), { minLength: 200, maxLength: 400 }), fc.nat(64), (ps, start) => {
        const data = ckit(ps);
        for (const h of [wasm, ts]) h.input(start + data.length).set(data, start);
        const a = run(wasm, (h) => h.scanCkitWindow(start, start + data.length));
        const b = run(ts, (h) => h.scanCkitWindow(start, start + data.length));
        expect(a).toEqual(b);
      }),
      { numRuns: 100 },
    );
  });

  it("on compound messages, well-formed or not", () => {
    const compoundish = fc
      .tuple(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 20 }), fc.option(fc.nat(), { nil: undefined }))
      .map(([ps, cut]) => {
        const b = compound(ps);
        return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
      });
    fc.assert(
      fc.property(fc.oneof(compoundish, anyBytes, anyBytes.map((b) => new Uint8Array([7, ...b]))), (data) => {
        expect(run(wasm, (h) => h.scanCompound(data))).toEqual(run(ts, (h) => h.scanCompound(data)));
      }),
      { numRuns: 500 },
    );
  });

  it("on relay headers and swaps", () => {
    const id = new Uint8Array(36).fill(0x5a);
    fc.assert(
      fc.property(
        fc.oneof(anyBytes, fc.uint8Array({ maxLength: 60 }).map((b) => new Uint8Array([1, 3, ...b]))),
        (msg) => {
          expect(outcome(() => wasm.relayType(msg))).toEqual(outcome(() => ts.relayType(msg)));
          const m1 = msg.slice(), m2 = msg.slice();
          expect(outcome(() => wasm.swapPeerId(m1, id))).toEqual(outcome(() => ts.swapPeerId(m2, id)));
          expect(m1).toEqual(m2);
        },
      ),
    );
  });

  it("on bursts of relay messages", () => {
    const msg = fc.oneof(anyBytes, fc.uint8Array({ maxLength: 80 }).map((b) => new Uint8Array([1, 3, ...b])));
    const id = fc.uint8Array({ minLength: 36, maxLength: 36 });
    // own instances: the Wasm burst uses its input window as scratch, which the other properties compare
    const [bw, bt] = IMPLS.map(([, make]) => make({ inputBytes: 1 << 12, maxPairs: 256 })) as [Hotpath, Hotpath];
    fc.assert(
      fc.property(fc.array(fc.tuple(msg, id), { maxLength: 40 }), (burst) => {
        const ids = burst.map(([, i]) => i);
        const m1 = burst.map(([m]) => m.slice());
        const m2 = burst.map(([m]) => m.slice());
        const r1 = Array.from(bw.swapPeerIdBurst(m1, ids, burst.length));
        const r2 = Array.from(bt.swapPeerIdBurst(m2, ids, burst.length));
        expect(r1).toEqual(r2);
        expect(m1).toEqual(m2);
        // each result agrees with the one-message swap on the same input
        burst.forEach(([m], i) => {
          const one = m.slice();
          const o = outcome(() => bt.swapPeerId(one, ids[i]!));
          expect("ok" in o).toBe(r2[i] === 3);
          expect(one).toEqual(m2[i]);
        });
      }),
    );
  });

  it("on hashes of random input and batches", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 30 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(), (msgs, seed, s32) => {
        for (const m of msgs) {
          expect(wasm.crc32(m, s32 >>> 0)).toBe(ts.crc32(m, s32 >>> 0));
          expect(wasm.xxh64(m, seed)).toBe(ts.xxh64(m, seed));
          expect(wasm.sha256(m)).toEqual(ts.sha256(m));
        }
        for (const h of [wasm, ts]) {
          let off = 0;
          msgs.forEach((m, i) => {
            h.input().set(m, off);
            h.pairs().set([off, m.length], 2 * i);
            off += m.length;
          });
        }
        expect(Array.from(wasm.crc32Frames(msgs.length, 1))).toEqual(Array.from(ts.crc32Frames(msgs.length, 1)));
        expect(Array.from(wasm.xxh64Frames(msgs.length, seed))).toEqual(Array.from(ts.xxh64Frames(msgs.length, seed)));
        expect(Array.from(wasm.sha256Frames(msgs.length))).toEqual(Array.from(ts.sha256Frames(msgs.length)));
      }),
      { numRuns: 100 },
    );
  });

  it("never throws anything but the typed error from scanners", () => {
    fc.assert(
      fc.property(anyBytes, fc.integer({ min: -5, max: 20000 }), fc.integer({ min: -5, max: 20000 }), (data, s, e) => {
        for (const h of [wasm, ts]) {
          for (const f of [
            () => h.scanCkit(data),
            () => h.scanCompound(data),
            () => h.relayType(data),
            () => h.scanCkitWindow(s, e),
            () => h.scanCompoundWindow(s, e),
            () => h.swapPeerIdWindow(s, e - s, 0),
            () => h.crc32Window(s, e - s),
            () => h.xxh64Window(s, e - s),
            () => h.sha256Window(s, e - s),
          ]) {
            try {
              f();
            } catch (x) {
              expect(x).toBeInstanceOf(HotpathFrameError);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("on batch hashes over random (offset, length) pairs, in or out of the window", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1 << 15), fc.nat(1 << 15)), { maxLength: 12 }), (ps) => {
        const res = [wasm, ts].map((h) => {
          const size = h.input().length;
          ps.forEach(([o, l], i) => h.pairs().set([o % (size + 2), l % 64], 2 * i));
          return [
            outcome(() => Array.from(h.crc32Frames(ps.length))),
            outcome(() => Array.from(h.xxh64Frames(ps.length))),
            outcome(() => Array.from(h.sha256Frames(ps.length))),
          ];
        });
        expect(res[0]).toEqual(res[1]);
      }),
      { numRuns: 200 },
    );
  });
});
