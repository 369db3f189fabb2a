// CRC-32, xxHash64 and SHA-256: one suite for the Wasm build and the TS twin, checked against published
// vectors and the reference implementations in node:zlib, node:crypto and xxhash-wasm.
import { createHash, randomBytes } from "node:crypto";
import { crc32 as zcrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import xxhash from "xxhash-wasm";
import { HotpathFrameError } from "../../src/hotpath/index.ts";
import { enc, hex, IMPLS } from "./impls.ts";

const { h64Raw } = await xxhash();
const nodeSha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

describe.each(IMPLS)("hashes (%s)", (_kind, make) => {
  const hp = make({ inputBytes: 4096, maxPairs: 256 });

  it("CRC-32 matches the check value and node:zlib", () => {
    expect(hp.crc32(enc.encode("123456789"))).toBe(0xcbf43926);
    expect(hp.crc32(enc.encode("hello"))).toBe(907060870);
    expect(hp.crc32(new Uint8Array(0))).toBe(0);
    for (let n = 0; n < 300; n += 7) {
      const b = randomBytes(n);
      expect(hp.crc32(b)).toBe(zcrc32(b));
    }
  });

  it("CRC-32 continues from a seed like zlib", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        const whole = new Uint8Array([...a, ...b]);
        expect(hp.crc32(b, hp.crc32(a))).toBe(zcrc32(whole));
        expect(hp.crc32(b, zcrc32(a))).toBe(zcrc32(b, zcrc32(a)));
      }),
    );
  });

  it("xxHash64 matches published vectors and the xxhash-wasm reference", () => {
    expect(hp.xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(hp.xxh64(enc.encode("a"))).toBe(0xd24ec4f1a98c6e5bn);
    expect(hp.xxh64(enc.encode("abc"))).toBe(0x44bc2cf5ad770999n);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (b, seed) => {
        expect(hp.xxh64(b, seed)).toBe(h64Raw(b, seed));
      }),
      { numRuns: 300 },
    );
  });

  it("streaming xxHash64 equals the one-shot hash for any split", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 8 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (chunks, seed) => {
        const s = hp.xxh64Stream(seed);
        const seen: number[] = [];
        for (const c of chunks) {
          s.update(c);
          seen.push(...c);
          expect(s.digest()).toBe(h64Raw(Uint8Array.from(seen), seed));
        }
        expect(s.digest()).toBe(h64Raw(Uint8Array.from(seen), seed));
      }),
      { numRuns: 200 },
    );
    const big = randomBytes(100_000);
    expect(hp.xxh64Stream().update(big.subarray(0, 33_333)).update(big.subarray(33_333)).digest()).toBe(h64Raw(big));
  });

  it("xxHash64 takes the seed mod 2^64", () => {
    const b = enc.encode("seeded");
    expect(hp.xxh64(b, -1n)).toBe(h64Raw(b, (1n << 64n) - 1n));
  });

  it("SHA-256 matches the FIPS 180-4 examples and node:crypto", () => {
    expect(hex(hp.sha256(enc.encode("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hex(hp.sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(hp.sha256(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(hex(hp.sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
    // every padding boundary around one and two blocks
    for (let n = 0; n <= 140; n++) {
      const b = randomBytes(n);
      expect(hex(hp.sha256(b))).toBe(nodeSha(b));
    }
  });

  it("window and batch variants hash resident data like the one-shot calls", () => {
    const win = hp.input(4096);
    const pairs = hp.pairs();
    const msgs = Array.from({ length: 40 }, (_, i) => randomBytes(i * 3));
    let off = 0;
    msgs.forEach((m, i) => {
      win.set(m, off);
      pairs[2 * i] = off;
      pairs[2 * i + 1] = m.length;
      off += m.length;
    });
    const crcs = Array.from(hp.crc32Frames(msgs.length));
    expect(crcs).toEqual(msgs.map((m) => zcrc32(m)));
    const xs = Array.from(hp.xxh64Frames(msgs.length, 7n));
    expect(xs).toEqual(msgs.map((m) => h64Raw(m, 7n)));
    const shas = hp.sha256Frames(msgs.length);
    msgs.forEach((m, i) => expect(hex(shas.subarray(32 * i, 32 * i + 32))).toBe(nodeSha(m)));
    const [o5, l5] = [pairs[10]!, pairs[11]!];
    expect(hp.crc32Window(o5, l5)).toBe(zcrc32(msgs[5]!));
    expect(hp.xxh64Window(o5, l5, 3n)).toBe(h64Raw(msgs[5]!, 3n));
    expect(hex(hp.sha256Window(o5, l5))).toBe(nodeSha(msgs[5]!));
  });

  it("batches of equal-length messages (the four-lane SHA-256 path) match node:crypto", () => {
    for (const size of [0, 1, 55, 56, 63, 64, 119, 120, 700]) {
      const msgs = Array.from({ length: 11 }, () => randomBytes(size));
      const win = hp.input(11 * size);
      const pairs = hp.pairs();
      msgs.forEach((m, i) => {
        win.set(m, i * size);
        pairs[2 * i] = i * size;
        pairs[2 * i + 1] = size;
      });
      const shas = hp.sha256Frames(msgs.length);
      msgs.forEach((m, i) => expect(hex(shas.subarray(32 * i, 32 * i + 32))).toBe(nodeSha(m)));
    }
  });

  it("rejects windows and pairs outside the input window with the typed error", () => {
    const size = hp.input().length;
    expect(() => hp.crc32Window(size - 1, 2)).toThrow(HotpathFrameError);
    expect(() => hp.sha256Window(-1, 1)).toThrow(HotpathFrameError);
    const pairs = hp.pairs();
    pairs.set([0, 4, size, 1], 0);
    expect(() => hp.xxh64Frames(2)).toThrow(expect.objectContaining({ code: "frame_out_of_window", frames: 1 }));
    expect(() => hp.crc32Frames(hp.maxPairs + 1)).toThrow(HotpathFrameError);
  });

  it("handles inputs larger than its windows (grows them)", () => {
    const big = randomBytes(300_000);
    expect(hp.crc32(big)).toBe(zcrc32(big));
    expect(hex(hp.sha256(big))).toBe(nodeSha(big));
    expect(hp.xxh64(big)).toBe(h64Raw(big));
    const w = hp.input(200_000);
    expect(w.length).toBeGreaterThanOrEqual(200_000);
    w.set(big.subarray(0, 200_000));
    expect(hp.crc32Window(0, 200_000)).toBe(zcrc32(big.subarray(0, 200_000)));
  });
});
