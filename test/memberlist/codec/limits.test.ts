// The default per-stream message cap (STREAM_MESSAGE_BYTES, limits.ts): large enough for a push/pull of a
// 10 000-node cluster at worst-case sizes, small enough that one stream cannot hold more, and refused
// from the header alone when a peer promises more.
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, STREAM_MESSAGE_BYTES, encodePushPull, encodePushPullHeader, readStreamMessage } from "../../../src/memberlist/codec/index.ts";
import { MemberlistError } from "../../../src/memberlist/errors.ts";
import type { PushNodeState } from "../../../src/memberlist/messages.ts";
import { chunkedConn, concat } from "./helpers.ts";

describe("default stream message cap", () => {
  it("is the documented 16 MiB, for both the buffered and the decompressed message", () => {
    expect(STREAM_MESSAGE_BYTES).toBe(16 * 1024 * 1024);
    expect(DEFAULT_LIMITS.maxStreamBytes).toBe(STREAM_MESSAGE_BYTES);
    expect(DEFAULT_LIMITS.maxStreamDecompressedBytes).toBe(STREAM_MESSAGE_BYTES);
  });

  it("reads a worst-case 10 000-node push/pull (64-byte names, IPv6, 512-byte meta, Serf-sized user state)", async () => {
    const states = Array.from({ length: 10_000 }, (_, i): PushNodeState => ({
      Name: `node-${i}`.padEnd(64, "x"),
      Addr: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i >> 8, i & 0xff),
      Port: 7946,
      Meta: new Uint8Array(512).fill(i & 0xff),
      Incarnation: 1_000_000 + i,
      State: ([0, 1, 2, 3] as const)[i % 4]!,
      Vsn: Uint8Array.of(1, 5, 2, 2, 5, 4),
    }));
    const userState = new Uint8Array(512 * 1024).fill(7);
    const pp = { header: { Join: false, Nodes: states.length, UserStateLen: userState.length }, states, userState };
    const wire = encodePushPull(pp);
    expect(wire.length).toBeGreaterThan(6 * 1024 * 1024);
    expect(wire.length).toBeLessThan(STREAM_MESSAGE_BYTES / 2); // the documented 2x headroom
    const got = await readStreamMessage(chunkedConn(wire, [65536]), {});
    expect(got.type).toBe("pushPull");
    if (got.type !== "pushPull") return;
    expect(got.body.states.length).toBe(10_000);
    expect(got.body.states[9_999]).toEqual(states[9_999]);
    expect(got.body.userState).toEqual(userState);
  }, 20_000);

  it("refuses a push/pull or user message promising more than the cap before reading the body", async () => {
    const over = STREAM_MESSAGE_BYTES + 1;
    for (const msg of [concat(Uint8Array.of(6), encodePushPullHeader({ Join: false, Nodes: 0, UserStateLen: over })), concat(Uint8Array.of(8), userHeader(over))]) {
      const conn = chunkedConn(msg, [msg.length], false); // no EOF: must not wait for the promised bytes
      const err = await readStreamMessage(conn, {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MemberlistError);
      expect((err as MemberlistError).code).toBe("memberlist.limit");
      expect(conn.reads).toBe(1);
    }
  });

  it("still honours a raised cap for bigger clusters", async () => {
    const userState = new Uint8Array(STREAM_MESSAGE_BYTES + 1024);
    const pp = { header: { Join: false, Nodes: 0, UserStateLen: userState.length }, states: [], userState };
    const wire = encodePushPull(pp);
    await expect(readStreamMessage(chunkedConn(wire, [1 << 20]), {})).rejects.toBeInstanceOf(MemberlistError);
    const limits = { maxStreamBytes: 32 * 1024 * 1024, maxUserStateBytes: 32 * 1024 * 1024 };
    const got = await readStreamMessage(chunkedConn(wire, [1 << 20]), { limits });
    expect(got.type === "pushPull" && got.body.userState.length).toBe(userState.length);
  }, 20_000);
});

/** msgpack {UserMsgLen: n} as Go writes it (fixmap 1, fixstr key, uint32). */
function userHeader(n: number): Uint8Array {
  const key = new TextEncoder().encode("UserMsgLen");
  return concat(Uint8Array.of(0x81, 0xa0 | key.length), key, Uint8Array.of(0xce, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
}
