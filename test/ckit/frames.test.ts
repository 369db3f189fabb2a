// gossiphttp frames against ckit's writer (headers and SHA-256 of the frames it wrote for payloads of
// 0, 1, 1400, 65535 and 65536 bytes) and reader (non-minimal 0xCD accepted); the incremental reader on
// every recorded handler body cut at every position, and fuzzed bodies and cuts on both hot paths.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CkitFrameError } from "../../src/ckit/index.ts";
import { CKIT_LONG_MAGIC, CKIT_SHORT_MAGIC, encodeFrame, encodeFrames, FrameReader } from "../../src/ckit/frames.ts";
import { CKIT_LONG, CKIT_SHORT } from "../../src/hotpath/frames.ts";
import { hex, platforms, toHex, vectors } from "./vectors.ts";

const F = vectors.gossiphttpFrames;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 256);

/** Reads a body fed in the given pieces: payloads (hex) and the error, if any. */
function readAll(hot: ReturnType<ReturnType<typeof platforms>[0][1]["hotpath"]["for"]>, pieces: Uint8Array[], maxFrame?: number) {
  const got: string[] = [];
  const r = new FrameReader(hot, (p) => got.push(toHex(p)), maxFrame === undefined ? {} : { maxFrame });
  try {
    for (const p of pieces) r.push(p);
    r.end();
    return { got, error: null as CkitFrameError | null };
  } catch (err) {
    expect(err).toBeInstanceOf(CkitFrameError);
    return { got, error: err as CkitFrameError };
  }
}

describe("gossiphttp frames", () => {
  it("magic bytes agree with the hot-path scanner's constants", () => {
    expect([CKIT_SHORT_MAGIC, CKIT_LONG_MAGIC]).toEqual([CKIT_SHORT, CKIT_LONG]);
  });

  it("writes what ckit's writer wrote (message and stream frames)", () => {
    for (const f of [...F.messageFrames, ...F.streamFrames]) {
      const frame = encodeFrame(pattern(f.payloadLen));
      expect(frame.length).toBe(f.frameLen);
      expect(toHex(frame.subarray(0, f.headerHex.length / 2))).toBe(f.headerHex);
      expect(createHash("sha256").update(frame).digest("hex")).toBe(f.frameSha256);
      if (f.frameHex) expect(toHex(frame)).toBe(f.frameHex);
    }
  });

  describe.each(platforms())("reader (%s hot path)", (_k, platform) => {
    const hot = platform.hotpath.for("ckit-frames");

    it("reads ckit's stream-read vectors, including a non-minimal 0xCD header", () => {
      for (const r of F.streamReads) expect(readAll(hot, [hex(r.frameHex)]).got).toEqual([r.readHex]);
    });

    it("delivers the recorded handler bodies' packets at every cut, and frames before an error", () => {
      for (const h of F.handlerMessage.filter((x) => x.contentType === "application/x.ckit" && x.protoMajor === 2)) {
        const body = hex(h.bodyHex);
        for (let cut = 0; cut <= body.length; cut++) {
          const r = readAll(hot, [body.subarray(0, cut), body.subarray(cut)]);
          expect(r.got, `${h.note} cut ${cut}`).toEqual(h.packets.map((p) => p.hex));
          expect(r.error === null, h.note).toBe(h.status === 200);
        }
      }
    });

    it("reports a bad magic byte with its offset and keeps failing", () => {
      const body = Uint8Array.of(0xcc, 0, 1, 0x41, 0xce, 0, 1, 0x41);
      const got: number[] = [];
      const r = new FrameReader(hot, (p) => got.push(p.length));
      expect(() => r.push(body)).toThrow(expect.objectContaining({ code: "ckit.bad_frame", offset: 4 }));
      expect(got).toEqual([1]);
      expect(() => r.push(Uint8Array.of(0xcc, 0, 0))).toThrow(CkitFrameError);
    });

    it("refuses a declared length over maxFrame before buffering it", () => {
      const r = new FrameReader(hot, () => {}, { maxFrame: 1000 });
      expect(() => r.push(Uint8Array.of(0xcd, 0, 0, 0x10, 0))).toThrow(expect.objectContaining({ code: "ckit.bad_frame", offset: 0 }));
      expect(r.buffered).toBe(0);
    });

    it("reassembles large frames fed in small pieces", () => {
      const payloads = [pattern(70_000), pattern(3), pattern(0), pattern(65535)];
      const body = encodeFrames(payloads);
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < body.length; i += 4093) pieces.push(body.subarray(i, i + 4093));
      const r = readAll(hot, pieces, 1 << 20);
      expect(r.error).toBeNull();
      expect(r.got).toEqual(payloads.map(toHex));
    });

    it("any body, any cuts: the same frames as reading it whole, only typed errors", () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 80 }),
            fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }).map((ps) => encodeFrames(ps)),
            fc.tuple(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 4 }), fc.uint8Array({ maxLength: 8 })).map(([ps, tail]) => {
              const b = encodeFrames(ps);
              const out = new Uint8Array(b.length + tail.length);
              out.set(b);
              out.set(tail, b.length);
              return out;
            }),
          ),
          fc.array(fc.nat(), { maxLength: 5 }),
          (body, cuts) => {
            const whole = readAll(hot, [body], 64);
            const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
            const pieces: Uint8Array[] = [];
            let prev = 0;
            for (const p of [...points, body.length]) {
              pieces.push(body.subarray(prev, p));
              prev = p;
            }
            const cut = readAll(hot, pieces, 64);
            expect(cut.got).toEqual(whole.got);
            expect(cut.error?.code).toBe(whole.error?.code);
          },
        ),
        { numRuns: 1500 },
      );
    });
  });
});
