// Stream decompression in slices (src/memberlist/codec/inflate-async.ts via readStreamMessage): output
// charged to the connection as it grows, a refused charge is a typed limit error, the ratio cap stops a
// bomb after ~64x its size, the per-turn work gate is spent slice by slice, and results equal the
// synchronous decoder's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCompressed, encodeMessage, encodeStreamUser, lzwCompress, lzwDecompress, readStreamMessage } from "../../../src/memberlist/codec/index.ts";
import { INFLATE_SLICE_BYTES, inflateAsync } from "../../../src/memberlist/codec/inflate-async.ts";
import { DEFAULT_LIMITS } from "../../../src/memberlist/codec/limits.ts";
import { MemberlistError } from "../../../src/memberlist/errors.ts";
import { WorkGate } from "../../../src/util/index.ts";
import { chunkedConn } from "./helpers.ts";

/** A pseudo-random (incompressible) user payload. */
function noise(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0, x = seed; i < n; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
}

async function typed(p: Promise<unknown>): Promise<MemberlistError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MemberlistError);
    return e as MemberlistError;
  }
  throw new Error("expected a typed failure");
}

describe("stream decompression", () => {
  it("charges the decompressed bytes to the connection, slice by slice", async () => {
    const payload = noise(300 * 1024);
    const conn = chunkedConn(encodeCompressed(encodeStreamUser(payload)), [8192]);
    const charges: number[] = [];
    const c = Object.assign(conn, { charge: (n: number) => (charges.push(n), true) });
    const m = await readStreamMessage(c, {});
    expect(m).toEqual({ type: "user", body: payload });
    expect(charges.length).toBeGreaterThan(1);
    expect(Math.max(...charges)).toBeLessThanOrEqual(INFLATE_SLICE_BYTES + 4096);
    expect(charges.reduce((a, b) => a + b, 0)).toBe(encodeStreamUser(payload).length);
  });

  it("a refused charge ends the read with a typed limit error", async () => {
    let room = 100 * 1024;
    const conn = Object.assign(chunkedConn(encodeCompressed(encodeStreamUser(noise(300 * 1024)))), {
      charge: (n: number) => (room -= n) >= 0,
    });
    const e = await typed(readStreamMessage(conn, {}));
    expect(e.code).toBe("memberlist.limit");
    expect(e.message).toMatch(/stream memory budget/);
  });

  it("a bomb (1 KiB in) stops at the ratio cap, not at the 16 MiB stream cap", async () => {
    const bomb = encodeCompressed(encodeStreamUser(new Uint8Array(8 << 20)));
    expect(bomb.length).toBeLessThan(24 * 1024);
    let charged = 0;
    const conn = Object.assign(chunkedConn(bomb), { charge: (n: number) => ((charged += n), true) });
    const e = await typed(readStreamMessage(conn, {}));
    expect(e.code).toBe("memberlist.limit");
    // max(256 KiB floor, 64 x compressed) bytes at most were produced and charged
    expect(charged).toBeLessThanOrEqual(Math.max(256 * 1024, 64 * bomb.length));
  });

  it("highly compressible data within the floor still passes", async () => {
    const body = new Uint8Array(200 * 1024).fill(65);
    const m = await readStreamMessage(chunkedConn(encodeCompressed(encodeStreamUser(body))), {});
    expect(m).toEqual({ type: "user", body });
  });

  it("spends the work gate once per slice and yields between turns", async () => {
    const g = new WorkGate(INFLATE_SLICE_BYTES); // one slice per turn
    const payload = noise(5 * INFLATE_SLICE_BYTES + 17);
    const m = await readStreamMessage(chunkedConn(encodeCompressed(encodeStreamUser(payload))), { gate: g });
    expect(m.type).toBe("user");
    expect(g.stats.granted / INFLATE_SLICE_BYTES).toBeGreaterThanOrEqual(5);
    expect(g.stats.deferred).toBeGreaterThanOrEqual(4);
  });

  it("decodes exactly what the synchronous decoder does (and fails the same way)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), fc.boolean(), async (data, garble) => {
        let buf = lzwCompress(data);
        if (garble && buf.length > 2) buf = buf.subarray(0, buf.length - 2);
        let want: Uint8Array | string;
        try {
          want = lzwDecompress(buf, 1 << 20);
          if (want.length === 0) want = "empty";
        } catch (e) {
          want = (e as MemberlistError).code;
        }
        let got: Uint8Array | string;
        try {
          got = await inflateAsync({ Algo: 0, Buf: buf }, 1 << 20, 0, DEFAULT_LIMITS, {});
        } catch (e) {
          got = (e as MemberlistError).code === "memberlist.compression" && want === "empty" ? "empty" : (e as MemberlistError).code;
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("a compressed ping inside a stream is still a ping", async () => {
    const m = await readStreamMessage(chunkedConn(encodeCompressed(encodeMessage({ type: "ping", body: { SeqNo: 7, Node: "x" } }))), {});
    expect(m).toMatchObject({ type: "ping", body: { SeqNo: 7, Node: "x" } });
  });
});
