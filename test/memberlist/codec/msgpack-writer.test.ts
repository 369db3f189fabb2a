// Boundary cases of the msgpack writer (src/memberlist/codec/msgpack.ts), one value on each side of every
// encoding switch: integers against the @msgpack/msgpack oracle (same smallest-form rules), go-msgpack's
// old-spec raw headers and map headers by their exact bytes, the ASCII fast path and its fallback, buffer
// growth, and encodeWith's reusable writer.
import { encode as oracle } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { MsgpackWriter, encodeWith } from "../../../src/memberlist/codec/msgpack.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const written = (fn: (w: MsgpackWriter) => void, initial = 1) => {
  const w = new MsgpackWriter(initial);
  fn(w);
  return hex(w.bytes());
};

describe("msgpack writer boundaries", () => {
  it("unsigned ints: fixint / cc / cd / ce / cf switch exactly at 2^7, 2^8, 2^16, 2^32", () => {
    for (const v of [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, 2 ** 53 - 1]) {
      expect(written((w) => w.uint(v)), String(v)).toBe(hex(oracle(v)));
    }
  });

  it("negative ints: fixint / d0 / d1 / d2 / d3 switch exactly at -32, -128, -32768, -2^31", () => {
    for (const v of [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1]) {
      expect(written((w) => w.int(v, "0.2.2")), String(v)).toBe(hex(oracle(v)));
      expect(written((w) => w.int(v, "latest")), String(v)).toBe(hex(oracle(v)));
    }
  });

  it("non-negative Go ints: 0.2.2 writes them unsigned; latest as fixint, d1, d2, d3", () => {
    const cases: Array<[number, string, string]> = [
      [0, "00", "00"],
      [0x7f, "7f", "7f"],
      [0x80, "cc80", "d10080"],
      [0xff, "ccff", "d100ff"],
      [0x7fff, "cd7fff", "d17fff"],
      [0x8000, "cd8000", "d200008000"],
      [0x7fffffff, "ce7fffffff", "d27fffffff"],
      [0x80000000, "ce80000000", "d30000000080000000"],
    ];
    for (const [v, old, latest] of cases) {
      expect(written((w) => w.int(v, "0.2.2")), `0.2.2 ${v}`).toBe(old);
      expect(written((w) => w.int(v, "latest")), `latest ${v}`).toBe(latest);
    }
  });

  it("old-spec raw headers: a0|n below 32, da below 2^16, db from 2^16; never d9 or c4", () => {
    expect(written((w) => w.rawHeader(0))).toBe("a0");
    expect(written((w) => w.rawHeader(31))).toBe("bf");
    expect(written((w) => w.rawHeader(32))).toBe("da0020");
    expect(written((w) => w.rawHeader(0xffff))).toBe("daffff");
    expect(written((w) => w.rawHeader(0x10000))).toBe("db00010000");
    expect(written((w) => w.rawBytes(Uint8Array.of(1, 2)))).toBe("a20102");
  });

  it("map headers: 80|n below 16, de below 2^16, df from 2^16; nil and bools", () => {
    expect(written((w) => w.mapHeader(15))).toBe("8f");
    expect(written((w) => w.mapHeader(16))).toBe("de0010");
    expect(written((w) => w.mapHeader(0xffff))).toBe("deffff");
    expect(written((w) => w.mapHeader(0x10000))).toBe("df00010000");
    expect(written((w) => (w.nil(), w.bool(true), w.bool(false)))).toBe("c0c3c2");
  });

  it("strings: short ASCII on the fast path, 31/32 characters, non-ASCII through UTF-8", () => {
    const a31 = "a".repeat(31);
    const a32 = "a".repeat(32);
    expect(written((w) => w.str(a31))).toBe("bf" + "61".repeat(31));
    expect(written((w) => w.str(a32))).toBe("da0020" + "61".repeat(32));
    expect(written((w) => w.str("\u007f"))).toBe("a17f");
    expect(written((w) => w.str("é"))).toBe("a2c3a9");
    expect(written((w) => w.str(""))).toBe("a0");
  });

  it("raw bytes below and above the 16-byte copy switch, growing the buffer past its start size", () => {
    for (const n of [0, 15, 16, 17, 300]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      const w = new MsgpackWriter(1);
      w.byte(0xee);
      w.raw(b);
      w.u16(0x0102);
      w.u32(0x03040506);
      expect(hex(w.bytes())).toBe("ee" + hex(b) + "0102" + "03040506");
    }
  });

  it("encodeWith: exact-size copies, a size hint, re-entrant calls get their own writer, large buffers are not kept", () => {
    const a = encodeWith((w) => w.uint(300));
    expect(hex(a)).toBe("cd012c");
    const big = encodeWith((w) => w.raw(new Uint8Array(200_000).fill(9)), 200_000);
    expect(big.length).toBe(200_000);
    const outer = encodeWith((w) => {
      w.byte(1);
      const inner = encodeWith((v) => v.byte(2));
      w.raw(inner);
      w.byte(3);
    });
    expect(hex(outer)).toBe("010203");
    // The output is a copy: encoding again does not change an earlier result.
    const first = encodeWith((w) => w.byte(0x11));
    encodeWith((w) => w.byte(0x22));
    expect(hex(first)).toBe("11");
  });
});
