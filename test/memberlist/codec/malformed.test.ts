// Malformed input (issue 3, deliverable 5): random, truncated, oversized, wrong-type input, absurd counts, deep
// nesting and LZW bombs. The decoders may only answer with a MemberlistError (never another exception),
// must not lose the good parts of a packet, and must keep memory bounded by the configured limits.
import { encode as msgpackEncode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeCompound,
  encodeCompressed,
  encodeMessage,
  Keyring,
  lzwCompress,
  lzwDecompress,
  makeCompound,
  openPacket,
  readStreamMessage,
  sealPacket,
} from "../../../src/memberlist/codec/index.ts";
import type { DecodeLimits } from "../../../src/memberlist/codec/index.ts";
import { MemberlistError, MemberlistLimitError } from "../../../src/memberlist/errors.ts";
import { AES_KEY, chunkedConn, concat } from "./helpers.ts";
import { CAPTURED, DET_022, DET_LATEST, hex } from "./vectors.ts";

/** Runs fn; passes if it returns or throws a MemberlistError. Returns the error (if any). */
function onlyTyped(fn: () => unknown): MemberlistError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof MemberlistError)) throw new Error(`untyped exception escaped: ${String(e)}`, { cause: e });
    return e;
  }
}
async function onlyTypedAsync(p: Promise<unknown>): Promise<MemberlistError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!(e instanceof MemberlistError)) throw new Error(`untyped exception escaped: ${String(e)}`, { cause: e });
    return e;
  }
}
function expectTypedPacket(opened: { messages: unknown[]; errors: unknown[] }): void {
  for (const e of opened.errors) expect(e).toBeInstanceOf(MemberlistError);
}

const PACKET_VECTORS = [
  ...["S01", "S02", "S03", "S04", "S05a", "S05b", "S06", "S07", "S08", "S09", "S10", "S21", "S22", "S23"].map((n) => CAPTURED[n]!),
  ...Object.entries(DET_022)
    .filter(([n]) => !n.startsWith("encrypted") && !n.startsWith("pushPull") && n !== "stream userMsg" && n !== "compress(TOBEORNOT...)")
    .map(([, h]) => h),
].map(hex);
const STREAM_VECTORS = ["S11", "S12", "S13", "S14", "S15", "S16", "S19", "S20", "S24", "S25", "S26", "S27", "S28"].map((n) => hex(CAPTURED[n]!));

/** Mutations of a valid input: bit flips, byte overwrites, truncation, insertions, extension. */
const mutated = (inputs: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...inputs),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "xor", "cut", "insert")), { minLength: 1, maxLength: 4 }),
    )
    .map(([base, edits]) => {
      let b: Uint8Array = base.slice();
      for (const [pos, v, op] of edits) {
        const at = b.length === 0 ? 0 : pos % b.length;
        if (op === "set") b[at] = v;
        else if (op === "xor") b[at] = b[at]! ^ (1 << (v & 7));
        else if (op === "cut") b = b.slice(0, at);
        else b = concat(b.slice(0, at), new Uint8Array([v]), b.slice(at));
      }
      return b;
    });

describe("decodeMessage / openPacket on hostile bytes", () => {
  it("random bytes (any first byte, and every type byte): only typed errors", () => {
    const typeByte = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 244);
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(typeByte, fc.uint8Array({ maxLength: 200 })).map(([t, b]) => concat(new Uint8Array([t]), b)),
    );
    fc.assert(
      fc.property(input, (b) => {
        onlyTyped(() => decodeMessage(b));
        expectTypedPacket(openPacket(b, {}));
      }),
      { numRuns: 5000 },
    );
  });

  it("mutated valid vectors: only typed errors, packets never throw", () => {
    fc.assert(
      fc.property(mutated(PACKET_VECTORS), (b) => {
        onlyTyped(() => decodeMessage(b));
        expectTypedPacket(openPacket(b, {}));
        expectTypedPacket(openPacket(b, { label: "dc1" }));
      }),
      { numRuns: 5000 },
    );
  });

  it("every truncation of every packet vector is a typed error or a shorter valid result", () => {
    for (const v of PACKET_VECTORS) {
      for (let n = 0; n < v.length; n++) {
        const opened = openPacket(v.subarray(0, n), {});
        expectTypedPacket(opened);
        onlyTyped(() => decodeMessage(v.subarray(0, n)));
      }
    }
  });

  it("wrong msgpack types for every field (values from an independent msgpack library)", () => {
    const keys = ["Node", "SeqNo", "SourceAddr", "SourceNode", "SourcePort", "Nack", "Port", "Target", "Payload", "Error", "From",
      "Incarnation", "Addr", "Meta", "Vsn", "Unknown"];
    const value = fc.oneof(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.double(),
      fc.string({ maxLength: 10 }),
      fc.uint8Array({ maxLength: 10 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 8 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    );
    const obj = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 });
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3, 4, 5, 11, 13), obj, (t, o) => {
        const body = msgpackEncode(o, { useBigInt64: true });
        const buf = concat(new Uint8Array([t]), body);
        const err = onlyTyped(() => decodeMessage(buf));
        if (err) expect(["memberlist.wrong_type", "memberlist.bad_value", "memberlist.bad_msgpack", "memberlist.truncated"]).toContain(err.code);
        expectTypedPacket(openPacket(buf, {}));
      }),
      { numRuns: 3000 },
    );
  });

  it("documented leniency: str8 names, bin8 addresses, array-encoded Vsn, int16 ports, IPv4-mapped addresses, unknown keys", () => {
    const body = msgpackEncode({
      Addr: hex("00000000000000000000ffff7f000001"),
      Incarnation: 1,
      Meta: null,
      Node: "x".repeat(40),
      Port: 7946,
      Vsn: [1, 5, 2, 2, 5, 4],
      Extra: { nested: [1, 2, { deep: "yes" }] },
    });
    const m = decodeMessage(concat(new Uint8Array([4]), body));
    expect(m).toEqual({
      type: "alive",
      body: { Addr: hex("00000000000000000000ffff7f000001"), Incarnation: 1, Meta: null, Node: "x".repeat(40), Port: 7946, Vsn: hex("010502020504") },
    });
    expect(body.includes(0xd9) && body.includes(0xc4)).toBe(true); // really str8 and bin8 on the wire
  });

  it("out-of-range values are rejected with their offset: negative SeqNo, port > 65535, Vsn byte > 255", () => {
    const bad = [
      { t: 0, o: { Node: "n", SeqNo: -1 } },
      { t: 4, o: { Addr: new Uint8Array(4), Port: 70000 } },
      { t: 4, o: { Vsn: [1, 5, 2, 0, 0, 256] } },
      { t: 2, o: { SeqNo: 2 ** 32 } },
    ];
    for (const { t, o } of bad) {
      const err = onlyTyped(() => decodeMessage(concat(new Uint8Array([t]), msgpackEncode(o))));
      expect(err?.code).toBe("memberlist.bad_value");
      expect(err?.offset).toBeGreaterThan(0);
    }
  });
});

describe("absurd counts, sizes and nesting", () => {
  it("map/array/raw headers claiming 4 GiB fail fast without allocating", () => {
    for (const h of ["00df ffffffff", "00 81 a4 4e6f6465 db ffffffff", "00 81 a3 586b7a dd ffffffff", "00 81 a3 586b7a c9 ffffffff 01"]) {
      const err = onlyTyped(() => decodeMessage(hex(h.replace(/ /g, ""))));
      expect(err).toBeInstanceOf(MemberlistError);
      expect(["memberlist.limit", "memberlist.truncated"]).toContain(err!.code);
    }
  });

  it("deep msgpack nesting inside an unknown key hits maxDepth, not the JS stack", () => {
    const depth = 100_000;
    const b = new Uint8Array(1 + 1 + 4 + depth + 1);
    b.set(hex("0081a3586b7a"));
    b.fill(0x91, 6, 6 + depth); // fixarray(1) nested
    b[b.length - 1] = 0xc0;
    const err = onlyTyped(() => decodeMessage(b));
    expect(err).toBeInstanceOf(MemberlistLimitError);
  });

  it("deeply nested compound/compress layers are capped (maxLayerDepth)", () => {
    let m = encodeMessage({ type: "nackResp", body: { SeqNo: 1 } });
    for (let i = 0; i < 50; i++) m = i % 2 ? makeCompound([m]) : encodeCompressed(m);
    const opened = openPacket(m, {});
    expect(opened.messages).toEqual([]);
    expect(opened.errors.map((e) => e.code)).toEqual(["memberlist.limit"]);
  });

  it("push/pull with absurd Nodes / UserStateLen / UserMsgLen is refused before reading on", async () => {
    const cases = [
      hex("0683a44a6f696ec2a54e6f646573ce7fffffffac5573657253746174654c656e00"), // Nodes 2^31-1
      hex("0683a44a6f696ec2a54e6f64657300ac5573657253746174654c656ece7fffffff"), // UserStateLen 2^31-1
      hex("0683a44a6f696ec2a54e6f646573ffac5573657253746174654c656e00"), // Nodes -1
      hex("0881aa557365724d73674c656ece7fffffff"), // UserMsgLen 2^31-1
    ];
    for (const c of cases) {
      const conn = chunkedConn(c, [c.length], false); // no EOF: must not wait for the promised bytes
      const err = await onlyTypedAsync(readStreamMessage(conn, {}));
      expect(["memberlist.limit", "memberlist.bad_value"]).toContain(err?.code);
    }
  });

  it("encrypted stream length above 20 MiB is refused from the header alone", async () => {
    const err = await onlyTypedAsync(readStreamMessage(chunkedConn(hex("0a01400001"), [5], false), { keyring: new Keyring(AES_KEY) }));
    expect(err?.code).toBe("memberlist.limit");
  });

  it("a stream that never ends is cut at maxStreamBytes", async () => {
    const limits: DecodeLimits = { maxStreamBytes: 10_000, maxUserStateBytes: 1 << 30 };
    const head = hex("0683a44a6f696ec2a54e6f64657300ac5573657253746174654c656ece00100000"); // 1 MiB of user state promised
    const err = await onlyTypedAsync(readStreamMessage(chunkedConn(concat(head, new Uint8Array(20_000)), [1000], false), { limits }));
    expect(err?.code).toBe("memberlist.limit");
  });

  it("a compound with more parts than maxPacketMessages stops early with one limit error", () => {
    const nack = encodeMessage({ type: "nackResp", body: { SeqNo: 1 } });
    const inner = makeCompound(Array.from({ length: 255 }, () => nack));
    const outer = makeCompound(Array.from({ length: 20 }, () => inner));
    const opened = openPacket(outer, { limits: { maxPacketMessages: 1000 } });
    expect(opened.messages.length).toBe(1000);
    expect(opened.errors.map((e) => e.code)).toEqual(["memberlist.limit"]);
  });
});

describe("LZW bombs and garbage", () => {
  const zeros = new Uint8Array(3 * 1024 * 1024);
  const bomb = lzwCompress(zeros); // ~3 MiB of zeros in a few KiB

  it("a bomb in a packet is capped at maxPacketDecompressedBytes (default 1 MiB)", () => {
    expect(bomb.length).toBeLessThan(20_000);
    const pkt = encodeCompressed(zeros);
    const opened = openPacket(pkt, {});
    expect(opened.messages).toEqual([]);
    expect(opened.errors.map((e) => e.code)).toEqual(["memberlist.limit"]);
  });

  it("the decompression budget is shared by all parts of one packet", () => {
    // Incompressible parts (LZW grows them), so the ratio cap does not apply and the shared budget does.
    const noise = new Uint8Array(40 * 1024);
    for (let i = 0, x = 7; i < noise.length; i++) noise[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const part = encodeCompressed(concat(new Uint8Array([8]), noise)); // user message, 40 KiB
    const opened = openPacket(makeCompound([part, part, part]), { limits: { maxPacketDecompressedBytes: 50 * 1024 } });
    expect(opened.messages.length).toBe(1);
    expect(opened.errors.map((e) => e.code)).toEqual(["memberlist.limit", "memberlist.limit"]);
  });

  it("a packet part inflating past 64x its size (and the 16 KiB floor) is refused; the floor always passes", () => {
    const bomb = encodeCompressed(concat(new Uint8Array([8]), new Uint8Array(600 * 1024))); // ~1 KiB in
    expect(bomb.length).toBeLessThan(2048);
    const opened = openPacket(makeCompound([bomb, bomb]), {});
    expect(opened.messages).toEqual([]);
    expect(opened.errors.map((e) => e.code)).toEqual(["memberlist.limit", "memberlist.limit"]);
    const small = encodeCompressed(concat(new Uint8Array([8]), new Uint8Array(16 * 1024 - 1))); // exactly the floor
    expect(openPacket(small, {}).messages).toHaveLength(1);
    const over = encodeCompressed(concat(new Uint8Array([8]), new Uint8Array(16 * 1024))); // one byte past it
    expect(openPacket(over, {}).errors.map((e) => e.code)).toEqual(["memberlist.limit"]);
  });

  it("a bomb on a stream is capped at maxStreamDecompressedBytes", async () => {
    const err = await onlyTypedAsync(readStreamMessage(chunkedConn(encodeCompressed(zeros), [4096]), { limits: { maxStreamDecompressedBytes: 1 << 20 } }));
    expect(err?.code).toBe("memberlist.limit");
  });

  it("random bytes as LZW: typed errors only, output within the cap", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 100_000 }), (b, cap) => {
        try {
          expect(lzwDecompress(b, cap).length).toBeLessThanOrEqual(cap);
        } catch (e) {
          expect(e).toBeInstanceOf(MemberlistError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("LZW without the EOF code is rejected (Go: unexpected EOF); a leading CLEAR is not required", () => {
    // Go's own LZW bytes (vector compress(TOBEORNOT...), after 09 82 a4"Algo" 00 a3"Buf" b5).
    const ok = hex(DET_022["compress(TOBEORNOT...)"]!).subarray(13);
    expect(ok.length).toBe(21);
    expect(onlyTyped(() => lzwDecompress(ok.subarray(0, ok.length - 2), 1000))?.code).toBe("memberlist.compression");
    // Drop the leading 9-bit CLEAR: shift the whole bit stream right by 9 (all codes here are 9 bits wide).
    let big = 0n;
    for (let k = ok.length - 1; k >= 0; k--) big = (big << 8n) | BigInt(ok[k]!);
    big >>= 9n;
    const packed = new Uint8Array(ok.length);
    for (let k = 0; k < packed.length; k++) packed[k] = Number((big >> BigInt(8 * k)) & 0xffn);
    expect(ok[0]).toBe(0x00); // the CLEAR code 256 starts 00 01... in LSB order
    expect(new TextDecoder().decode(lzwDecompress(new Uint8Array(packed), 1000))).toBe("TOBEORNOTTOBEORTOBEORNOT");
  });
});

describe("streams on hostile bytes", () => {
  it("random and mutated stream input: only typed errors (accept and dial roles, with and without a keyring)", async () => {
    const keyring = new Keyring(AES_KEY);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(STREAM_VECTORS)),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom("accept" as const, "dial" as const),
        fc.boolean(),
        async (b, sizes, role, enc) => {
          await onlyTypedAsync(readStreamMessage(chunkedConn(b, sizes), { role, label: role === "accept" ? "" : "x", ...(enc ? { keyring } : {}) }));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("every truncation of every stream vector ends in a typed truncated error at EOF", async () => {
    for (const v of STREAM_VECTORS) {
      for (let n = 0; n < v.length; n += Math.max(1, v.length >> 5)) {
        const err = await onlyTypedAsync(readStreamMessage(chunkedConn(v.subarray(0, n), [7]), { role: "dial" }));
        expect(err?.code, `len ${n}`).toMatch(/memberlist\.(truncated|empty|compression)/);
      }
    }
  });

  it("transport failures come out as MemberlistStreamError (code io)", async () => {
    const conn = chunkedConn(new Uint8Array(0));
    conn.read = () => Promise.reject(new Error("deadline exceeded"));
    expect((await onlyTypedAsync(readStreamMessage(conn, {})))?.code).toBe("memberlist.io");
  });

  it("encrypted vectors with every single bit flipped fail authentication (typed)", async () => {
    const keyring = new Keyring(AES_KEY);
    const v = hex(DET_LATEST["label.packet(encrypted v1, aad=label)"]!);
    for (let i = 5; i < v.length; i++) {
      const b = v.slice();
      b[i] = b[i]! ^ 0x10;
      const opened = await openPacket(b, { label: "dc1", keyring });
      expect(opened.messages).toEqual([]);
      expect(opened.errors.length).toBe(1);
    }
  });
});

describe("a bad part does not lose the good ones", () => {
  it("compound with a garbage part, an unknown type and a truncated tail keeps the valid parts", () => {
    const good = encodeMessage({ type: "nackResp", body: { SeqNo: 7 } });
    const compound = makeCompound([good, hex("0285c1"), hex("63"), good]);
    const truncatedTail = concat(compound.subarray(0, 2), hex("0100"), compound.subarray(4)); // not a valid length slice
    const opened = openPacket(compound, {});
    expect(opened.messages).toEqual([
      { type: "nackResp", body: { SeqNo: 7 } },
      { type: "nackResp", body: { SeqNo: 7 } },
    ]);
    expect(opened.errors.length).toBe(2);
    expectTypedPacket(openPacket(truncatedTail, {}));
    // Declared part past the end: the earlier parts survive, the rest is reported once.
    const cut = compound.subarray(0, compound.length - 3);
    const c = openPacket(cut, {});
    expect(c.messages.length).toBe(1);
    expect(c.errors.map((e) => e.code)).toContain("memberlist.bad_compound");
  });

  it("CRC mismatch drops the packet with a checksum error", () => {
    const v = hex(CAPTURED.S03!);
    v[v.length - 1] ^= 1;
    const opened = openPacket(v, {});
    expect(opened).toMatchObject({ messages: [], errors: [{ code: "memberlist.checksum" }] });
  });

  it("encodeCompound rejects parts the length field cannot carry", () => {
    expect(() => encodeCompound([new Uint8Array(70_000), new Uint8Array(1)])).toThrow(MemberlistError);
    expect(sealPacket(new Uint8Array([11, 0x80]), {})).toEqual(new Uint8Array([11, 0x80]));
  });
});
