// Cluster fabric codec: layouts from docs/protocols/relay-fabric.md §1, round trips of every frame type
// (decoded structure deep-equal to what was encoded, re-encoded bytes equal to the input), the incremental
// frame reader, and fast-check on malformed, truncated and oversized input (only FabricDecodeError
// escapes, with an in-range offset; the reader never loses or invents bytes however the stream is split).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeFrame,
  decodeFrameBytes,
  encodeFrame,
  encodeFwd,
  encodeHelloFrame,
  encodeIHave,
  encodePresence,
  encodeWhoHas,
  FrameReader,
  helloSignedBytes,
} from "../../src/relay/fabric/codec.ts";
import type { FabricFrame, PresenceState } from "../../src/relay/fabric/codec.ts";
import { FabricDecodeError } from "../../src/relay/fabric/errors.ts";
import * as F from "../../src/relay/fabric/protocol.ts";
import { encodeTransport } from "../../src/relay/codec.ts";
import { peerIdFromString, peerIdToString } from "../../src/relay/peer-id.ts";
import { arbId, id } from "./ids.ts";


function decodeErr(fn: () => unknown): FabricDecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FabricDecodeError) return e;
    throw e;
  }
  throw new Error("decoded");
}

describe("fabric layouts (docs/protocols/relay-fabric.md §1.3)", () => {
  it("uses upstream's frame types and limits", () => {
    expect([F.FRAME_HELLO, F.FRAME_WHO_HAS, F.FRAME_I_HAVE]).toEqual([0x00, 0x01, 0x02]);
    expect([F.FRAME_OPEN, F.FRAME_OPEN_ACK, F.FRAME_DATA, F.FRAME_CLOSE, F.FRAME_FWD]).toEqual([0x10, 0x11, 0x12, 0x13, 0x14]);
    expect([F.FRAME_PING, F.FRAME_PONG]).toEqual([0x20, 0x21]);
    expect([F.FRAME_HEADER_SIZE, F.MAX_FRAME_PAYLOAD, F.DEFAULT_CLUSTER_PORT]).toEqual([3, 65535, 7090]);
    expect([F.DIAL_TIMEOUT_MS, F.HELLO_DEADLINE_MS, F.LOOKUP_WINDOW_MS, F.LOCATE_CACHE_TTL_MS, F.REDIAL_INTERVAL_MS]).toEqual([3000, 10000, 200, 300000, 10000]);
  });

  it("frames as [type u8][len u16 BE][payload]", () => {
    const payload = new Uint8Array(300).fill(7);
    const f = encodeFrame(0x42, payload);
    expect([...f.subarray(0, 3)]).toEqual([0x42, 0x01, 0x2c]);
    expect(f.subarray(3)).toEqual(payload);
    expect(decodeErr(() => encodeFrame(1, new Uint8Array(65536))).reason).toBe("oversize");
    expect(encodeFrame(1, new Uint8Array(65535)).length).toBe(65538);
  });

  it("lays out WHO_HAS, I_HAVE and FWD", () => {
    expect([...encodeWhoHas(id(3))]).toEqual([0x01, 0, 36, ...id(3)]);
    expect([...encodeIHave(id(4), 0x01020304)]).toEqual([0x02, 0, 40, ...id(4), 1, 2, 3, 4]);
    const msg = encodeTransport(id(5), new Uint8Array([0xaa, 0xbb])); // ID slot = source
    const fwd = encodeFwd(id(6), msg);
    expect([...fwd]).toEqual([0x14, 0, 36 + msg.length, ...id(6), ...msg]);
    expect(decodeFrameBytes(fwd)).toEqual({ type: "fwd", dst: peerIdToString(id(6)), message: msg });
    expect(decodeFrameBytes(encodeIHave(id(4), 0xffffffff))).toEqual({ type: "iHave", peerId: peerIdToString(id(4)), seqno: 0xffffffff });
  });

  it("lays out HELLO v2 as version ‖ addr_len ‖ addr ‖ ts u64 BE ‖ hmac_len ‖ hmac", () => {
    const addr = "10.0.0.7:7090";
    const signed = helloSignedBytes(addr, 0x0102030405);
    const a = [...new TextEncoder().encode(addr)];
    expect([...signed]).toEqual([2, a.length, ...a, 0, 0, 0, 1, 2, 3, 4, 5]);
    const mac = new Uint8Array(32).fill(9);
    const f = encodeHelloFrame(signed, mac);
    expect([...f]).toEqual([0x00, 0, signed.length + 33, ...signed, 32, ...mac]);
    expect(decodeFrameBytes(f)).toEqual({ type: "hello", version: 2, addr, timestamp: 0x0102030405, hmac: mac, signed });
    expect(decodeFrameBytes(encodeHelloFrame(signed, null))).toMatchObject({ hmac: null, addr });
  });

  it("decodes the codec-only data-channel frames and skips unknown types", () => {
    const ch = [0, 0, 1, 0];
    expect(decodeFrame({ type: 0x10, payload: new Uint8Array([...id(1), ...id(2), ...ch]) })).toMatchObject({ type: "open", channel: 256 });
    expect(decodeFrame({ type: 0x11, payload: new Uint8Array([...ch, 1]) })).toEqual({ type: "openAck", channel: 256, accept: true });
    expect(decodeFrame({ type: 0x12, payload: new Uint8Array([...ch, 9, 9]) })).toMatchObject({ type: "data", channel: 256 });
    expect(decodeFrame({ type: 0x13, payload: new Uint8Array(ch) })).toEqual({ type: "close", channel: 256 });
    expect(decodeFrame({ type: 0x7f, payload: new Uint8Array([1]) })).toMatchObject({ type: "unknown", code: 0x7f });
  });

  it("PRESENCE (extension) is [0xE0][len][state: 0 offline, 1 online, 2 present][N x 36-byte IDs]", () => {
    expect([F.FRAME_PRESENCE, F.PRESENCE_OFFLINE, F.PRESENCE_ONLINE, F.PRESENCE_PRESENT]).toEqual([0xe0, 0, 1, 2]);
    expect([...encodePresence("present", [id(1), id(2)])[0]!]).toEqual([0xe0, 0, 73, 2, ...id(1), ...id(2)]);
    expect(decodeFrameBytes(encodePresence("online", [id(1)])[0]!)).toEqual({ type: "presence", state: "online", peerIds: [peerIdToString(id(1))] });
  });

  it("PRESENCE (extension) chunks long lists and round-trips", () => {
    const ids = Array.from({ length: F.PRESENCE_MAX_IDS + 3 }, (_, i) => id(i & 0xff));
    const frames = encodePresence("offline", ids);
    expect(frames).toHaveLength(2);
    expect(frames[0]!.length).toBeLessThanOrEqual(65538);
    const back = frames.flatMap((f) => {
      const d = decodeFrameBytes(f);
      if (d.type !== "presence") throw new Error("not presence");
      expect(d.state).toBe("offline");
      return d.peerIds;
    });
    expect(back).toEqual(ids.map(peerIdToString));
  });

  it("rejects wrong sizes and values with typed errors", () => {
    expect(decodeErr(() => decodeFrame({ type: 1, payload: id(1).subarray(0, 35) })).reason).toBe("truncated");
    expect(decodeErr(() => decodeFrame({ type: 1, payload: new Uint8Array(37) })).reason).toBe("length");
    expect(decodeErr(() => decodeFrame({ type: 2, payload: new Uint8Array(39) })).reason).toBe("truncated");
    expect(decodeErr(() => decodeFrame({ type: 0x11, payload: new Uint8Array([0, 0, 0, 1, 2]) })).reason).toBe("value");
    const bad = encodeFwd(id(1), encodeTransport(id(2), new Uint8Array(1)));
    bad[3 + 36 + 1] = 4; // inner type: close, not transport
    expect(decodeErr(() => decodeFrameBytes(bad))).toMatchObject({ reason: "value", offset: 36 });
    const huge = new Uint8Array(8821);
    huge.set(encodeTransport(id(2), new Uint8Array(0)));
    expect(decodeErr(() => decodeFrameBytes(encodeFwd(id(1), huge))).reason).toBe("oversize");
    const hello = encodeHelloFrame(helloSignedBytes("a:1", 5), null);
    hello[3] = 1;
    expect(decodeErr(() => decodeFrameBytes(hello))).toMatchObject({ reason: "version", offset: 0 });
    const h2 = encodeHelloFrame(helloSignedBytes("a:1", 5), null);
    h2[h2.length - 1] = 31; // hmac_len neither 0 nor 32
    expect(decodeErr(() => decodeFrameBytes(h2)).reason).toBe("value");
    expect(decodeErr(() => decodeFrame({ type: 0xe0, payload: new Uint8Array([3, ...id(1)]) })).reason).toBe("value");
    expect(decodeErr(() => decodeFrame({ type: 0xe0, payload: new Uint8Array([1, ...id(1), 0]) })).reason).toBe("length");
    expect(decodeErr(() => helloSignedBytes("x".repeat(256), 1)).reason).toBe("oversize");
  });
});

const be32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

/** Re-encodes a decoded frame with the codec's encoders (the layouts of the codec-only types by hand). */
function reencode(f: FabricFrame): Uint8Array {
  switch (f.type) {
    case "hello":
      return encodeHelloFrame(helloSignedBytes(f.addr, f.timestamp, f.version), f.hmac);
    case "whoHas":
      return encodeWhoHas(peerIdFromString(f.peerId));
    case "iHave":
      return encodeIHave(peerIdFromString(f.peerId), f.seqno);
    case "open":
      return encodeFrame(F.FRAME_OPEN, peerIdFromString(f.src), peerIdFromString(f.dst), be32(f.channel));
    case "openAck":
      return encodeFrame(F.FRAME_OPEN_ACK, be32(f.channel), new Uint8Array([f.accept ? 1 : 0]));
    case "data":
      return encodeFrame(F.FRAME_DATA, be32(f.channel), f.bytes);
    case "close":
      return encodeFrame(F.FRAME_CLOSE, be32(f.channel));
    case "fwd":
      return encodeFwd(peerIdFromString(f.dst), f.message);
    case "ping":
      return encodeFrame(F.FRAME_PING, f.payload);
    case "pong":
      return encodeFrame(F.FRAME_PONG, f.payload);
    case "presence": {
      const frames = encodePresence(f.state, f.peerIds.map(peerIdFromString));
      expect(frames).toHaveLength(1);
      return frames[0]!;
    }
    case "unknown":
      return encodeFrame(f.code, f.payload);
  }
}

describe("fabric codec properties", () => {
  const arbU32 = fc.nat({ max: 0xffffffff });
  /** A frame as encoded bytes and the structure it must decode to. */
  const arbCase: fc.Arbitrary<{ bytes: Uint8Array; want: FabricFrame }> = fc.oneof(
    arbId.map((i) => ({ bytes: encodeWhoHas(i), want: { type: "whoHas", peerId: peerIdToString(i) } as FabricFrame })),
    fc.tuple(arbId, arbU32).map(([i, n]) => ({ bytes: encodeIHave(i, n), want: { type: "iHave", peerId: peerIdToString(i), seqno: n } as FabricFrame })),
    fc.tuple(arbId, arbId, fc.uint8Array({ maxLength: 200 })).map(([d, src, p]) => {
      const message = encodeTransport(src, p);
      return { bytes: encodeFwd(d, message), want: { type: "fwd", dst: peerIdToString(d), message } as FabricFrame };
    }),
    fc.tuple(fc.constantFrom("offline", "online", "present") as fc.Arbitrary<PresenceState>, fc.array(arbId, { minLength: 1, maxLength: 5 })).map(([state, ids]) => ({
      bytes: encodePresence(state, ids)[0]!,
      want: { type: "presence", state, peerIds: ids.map((i) => peerIdToString(i)) } as FabricFrame,
    })),
    fc
      .tuple(fc.string({ unit: "binary", maxLength: 40 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 })))
      .map(([addr, timestamp, hmac]) => {
        const signed = helloSignedBytes(addr, timestamp);
        return { bytes: encodeHelloFrame(signed, hmac), want: { type: "hello", version: 2, addr, timestamp, hmac, signed } as FabricFrame };
      }),
    fc.tuple(arbId, arbId, arbU32).map(([a, b, ch]) => ({
      bytes: encodeFrame(F.FRAME_OPEN, a, b, be32(ch)),
      want: { type: "open", src: peerIdToString(a), dst: peerIdToString(b), channel: ch } as FabricFrame,
    })),
    fc.tuple(arbU32, fc.boolean()).map(([ch, accept]) => ({
      bytes: encodeFrame(F.FRAME_OPEN_ACK, be32(ch), new Uint8Array([accept ? 1 : 0])),
      want: { type: "openAck", channel: ch, accept } as FabricFrame,
    })),
    fc.tuple(arbU32, fc.uint8Array({ maxLength: 64 })).map(([ch, bytes]) => ({
      bytes: encodeFrame(F.FRAME_DATA, be32(ch), bytes),
      want: { type: "data", channel: ch, bytes } as FabricFrame,
    })),
    arbU32.map((ch) => ({ bytes: encodeFrame(F.FRAME_CLOSE, be32(ch)), want: { type: "close", channel: ch } as FabricFrame })),
    fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 64 })).map(([ping, payload]) => ({
      bytes: encodeFrame(ping ? F.FRAME_PING : F.FRAME_PONG, payload),
      want: { type: ping ? "ping" : "pong", payload } as FabricFrame,
    })),
    fc.tuple(fc.integer({ min: 0x30, max: 0xdf }), fc.uint8Array({ maxLength: 100 })).map(([code, payload]) => ({
      bytes: encodeFrame(code, payload),
      want: { type: "unknown", code, payload } as FabricFrame,
    })),
  );
  const arbFrame = arbCase.map((c) => c.bytes);

  it("valid frames round-trip: decode gives the encoded structure, and re-encoding gives the same bytes", () => {
    fc.assert(
      fc.property(arbCase, ({ bytes, want }) => {
        const got = decodeFrameBytes(bytes);
        expect(got).toEqual(want);
        expect(reencode(got)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it("random bytes, truncations and extensions give a frame or a FabricDecodeError with an in-range offset", () => {
    const mutated = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(arbFrame, fc.nat()).map(([f, n]) => f.subarray(0, n % (f.length + 1))),
      fc.tuple(arbFrame, fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([f, x]) => new Uint8Array([...f, ...x])),
      fc.tuple(arbFrame, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, i, v]) => {
        const c = f.slice();
        c[i % c.length] = v;
        return c;
      }),
    );
    fc.assert(
      fc.property(mutated, (buf) => {
        try {
          decodeFrameBytes(buf);
        } catch (e) {
          expect(e).toBeInstanceOf(FabricDecodeError);
          const off = (e as FabricDecodeError).offset!;
          expect(off).toBeGreaterThanOrEqual(0);
          expect(off).toBeLessThanOrEqual(Math.max(buf.length, 65538));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("oversized payloads are typed errors", () => {
    fc.assert(
      fc.property(fc.integer({ min: 65536, max: 70000 }), fc.integer({ min: 0, max: 255 }), (n, t) => {
        expect(decodeErr(() => decodeFrame({ type: t, payload: new Uint8Array(n) })).reason).toBe("oversize");
      }),
      { numRuns: 50 },
    );
  });

  it("the frame reader yields exactly the frames sent, however the stream is split, and buffers at most one frame", () => {
    fc.assert(
      fc.property(fc.array(arbFrame, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), fc.uint8Array({ maxLength: 2 }), (frames, cuts, tail) => {
        const stream = new Uint8Array([...frames.flatMap((f) => [...f]), ...tail]);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const r = new FrameReader();
        const got: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          for (const f of r.push(stream.subarray(prev, p))) got.push(encodeFrame(f.type, f.payload));
          prev = p;
          expect(r.buffered).toBeLessThanOrEqual(65538);
        }
        expect(got).toEqual(frames);
        expect(r.buffered).toBe(tail.length);
      }),
    );
  });
});
