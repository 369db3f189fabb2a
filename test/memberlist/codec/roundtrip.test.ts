// Round-trip properties: whatever we encode, we decode back unchanged, through every layer combination
// (compound, compress, CRC, encryption v0/v1, label) and through streams read in arbitrary chunks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeCompound,
  encodeMessage,
  encodePushPull,
  encodeStreamUser,
  Keyring,
  lzwCompress,
  lzwDecompress,
  openPacket,
  readStreamMessage,
  sealPacket,
  writeStreamReply,
  writeStreamRequest,
} from "../../../src/memberlist/codec/index.ts";
import type { PacketOptions } from "../../../src/memberlist/codec/index.ts";
import { decodeGoString, encodeGoString } from "../../../src/memberlist/codec/gostring.ts";
import { message, pushPull } from "./arbitraries.ts";
import { chunkedConn, concat } from "./helpers.ts";

const flavor = fc.constantFrom("0.2.2" as const, "latest" as const);

describe("msgpack message round trip", () => {
  it("decode(encode(m)) === m for every message type, both flavours", () => {
    fc.assert(
      fc.property(message, flavor, (m, fl) => {
        expect(decodeMessage(encodeMessage(m, { flavor: fl }))).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("decoded values own their bytes", () => {
  it("overwriting the input buffer (a reused receive buffer) does not change decoded messages", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (msgs) => {
        const [pkt] = encodeCompound(msgs.map((m) => encodeMessage(m)));
        const buf = pkt!.slice();
        const opened = openPacket(buf, {});
        buf.fill(0xaa);
        expect(opened.messages).toEqual(msgs);
      }),
      { numRuns: 300 },
    );
  });
});

describe("Go byte strings (surrogateescape)", () => {
  it("any bytes survive bytes -> string -> bytes; valid UTF-8 decodes as usual", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(encodeGoString(decodeGoString(b))).toEqual(b);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (s) => {
        expect(decodeGoString(new TextEncoder().encode(s))).toBe(s);
      }),
    );
  });
});

describe("LZW round trip (Go compress/lzw LSB/8 semantics)", () => {
  it("random and repetitive data, including past the 4095-code reset", () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4000 })).map(([unit, n]) => {
        const out = new Uint8Array(unit.length * n);
        for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
        return out;
      }),
    );
    fc.assert(
      fc.property(data, (d) => {
        expect(lzwDecompress(lzwCompress(d), d.length)).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });
  it("large inputs that cross many table resets", () => {
    const d = new Uint8Array(200_000);
    for (let i = 0; i < d.length; i++) d[i] = (i * 7919) % 251 ^ (i >> 9);
    expect(lzwDecompress(lzwCompress(d), d.length)).toEqual(d);
  });
});

const KEY_A = new Uint8Array(16).map((_, i) => i);
const KEY_B = new Uint8Array(32).map((_, i) => 255 - i);

const packetOpts: fc.Arbitrary<PacketOptions> = fc.record({
  label: fc.constantFrom(undefined, "", "dc1", "a-much-longer-label-ünïcode"),
  compress: fc.boolean(),
  crc: fc.boolean(),
  encrypt: fc.constantFrom(undefined, 0 as const, 1 as const),
}).map(({ encrypt, ...o }) =>
  encrypt === undefined ? o : { ...o, keyring: new Keyring(KEY_A, [KEY_B]), encryptionVersion: encrypt },
);

describe("packet layers round trip", () => {
  it("openPacket(sealPacket(compound(msgs))) returns msgs, for every layer combination", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 300 }), packetOpts, async (msgs, opts) => {
        const packets = encodeCompound(msgs.map((m) => encodeMessage(m)));
        const got = [];
        for (const p of packets) {
          const opened = await openPacket(await sealPacket(p, opts), opts);
          expect(opened.errors).toEqual([]);
          got.push(...opened.messages);
        }
        expect(got).toEqual(msgs);
      }),
      { numRuns: 150 },
    );
  });

  it("a compound of > 255 parts is split into several compounds (latest's behaviour)", () => {
    const parts = Array.from({ length: 600 }, (_, i) => encodeMessage({ type: "nackResp", body: { SeqNo: i } }));
    const packets = encodeCompound(parts);
    expect(packets.map((p) => p[1])).toEqual([255, 255, 90]);
    const seqs = packets.flatMap((p) => openPacket(p, {}).messages.map((m) => (m.body as { SeqNo: number }).SeqNo));
    expect(seqs).toEqual(parts.map((_, i) => i));
  });

  it("compression is used on packets only when strictly smaller", () => {
    const small = encodeMessage({ type: "nackResp", body: { SeqNo: 1 } });
    expect(sealPacket(small, { compress: true })).toEqual(small);
  });

  it("sealPacket and openPacket are synchronous without a keyring", () => {
    const m = encodeMessage({ type: "nackResp", body: { SeqNo: 9 } });
    const sealed = sealPacket(m, { compress: true, crc: true, label: "x" });
    expect(sealed).toBeInstanceOf(Uint8Array);
    const opened = openPacket(sealed, { label: "x" });
    expect(opened).not.toBeInstanceOf(Promise);
    expect(opened.messages).toEqual([{ type: "nackResp", body: { SeqNo: 9 } }]);
  });
});

describe("stream round trip", () => {
  const streamOpts = fc.record({
    label: fc.constantFrom(undefined, "L1"),
    compress: fc.boolean(),
    encrypt: fc.constantFrom(undefined, 0 as const, 1 as const),
  }).map(({ encrypt, ...o }) => (encrypt === undefined ? o : { ...o, keyring: new Keyring(KEY_B, [KEY_A]), encryptionVersion: encrypt }));
  const chunks = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 });

  it("push/pull request and reply, user messages, pings: any chunking, no EOF", async () => {
    await fc.assert(
      fc.asyncProperty(pushPull, streamOpts, chunks, fc.uint8Array({ maxLength: 2000 }), async (pp, opts, sizes, user) => {
        const req = chunkedConn(new Uint8Array(0));
        await writeStreamRequest(req, encodePushPull(pp), opts);
        const gotReq = await readStreamMessage(chunkedConn(concat(...req.written), sizes, false), { ...opts, role: "accept" });
        expect(gotReq).toEqual({ type: "pushPull", body: pp });

        const rep = chunkedConn(new Uint8Array(0));
        await writeStreamReply(rep, encodePushPull(pp), opts);
        expect(rep.written.length).toBe(1); // no label header on replies
        const gotRep = await readStreamMessage(chunkedConn(rep.written[0]!, sizes, false), { ...opts, role: "dial" });
        expect(gotRep).toEqual({ type: "pushPull", body: pp });

        const u = chunkedConn(new Uint8Array(0));
        await writeStreamRequest(u, encodeStreamUser(user), opts);
        expect(await readStreamMessage(chunkedConn(concat(...u.written), sizes, false), opts)).toEqual({ type: "user", body: user });
      }),
      { numRuns: 120 },
    );
  });
});
