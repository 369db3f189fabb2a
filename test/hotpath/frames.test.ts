// Frame scanning (ckit, memberlist compound) and the relay header / peer-ID swap: one suite for the Wasm
// build and the TS twin. Layouts: docs/protocols/ckit.md §2, docs/protocols/relay.md §2.1, docs/protocols/memberlist.md §5.1.
import { randomBytes } from "node:crypto";
import { crc32 as zcrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tsRelayFrames, HotpathFrameError } from "../../src/hotpath/index.ts";
import { ckit, compound, IMPLS } from "./impls.ts";

const bytes = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);
const pairList = (p: Uint32Array, count: number) => Array.from({ length: count }, (_, i) => [p[2 * i]!, p[2 * i + 1]!]);

describe.each(IMPLS)("ckit frames (%s)", (_kind, make) => {
  const hp = make({ inputBytes: 1 << 16, maxPairs: 256 });

  it("splits short, long and empty frames into (offset, length) pairs", () => {
    const data = Uint8Array.from([
      0xcc, 0x00, 0x03, 1, 2, 3,
      0xcc, 0x00, 0x00,
      0xcd, 0x00, 0x00, 0x00, 0x02, 9, 9,
      0xcd, 0x00, 0x00, 0x00, 0x00,
    ]);
    const r = hp.scanCkit(data);
    expect(r).toEqual({ status: "ok", count: 4, consumed: data.length, need: 0 });
    expect(pairList(hp.pairs(), 4)).toEqual([[3, 3], [9, 0], [14, 2], [21, 0]]);
  });

  it("handles a payload of 65535 bytes in the short form and longer ones in the long form", () => {
    const data = ckit([bytes(65535), bytes(70000, 1)]);
    const r = hp.scanCkit(data);
    expect(r.status).toBe("ok");
    expect(pairList(hp.pairs(), 2)).toEqual([[3, 65535], [65538 + 5, 70000]]);
  });

  it("a copy-in scan leaves the frames in the input window for the batch hashes", () => {
    const payloads = [bytes(10, 1), bytes(0), bytes(300, 2)];
    const r = hp.scanCkit(ckit(payloads));
    expect(Array.from(hp.crc32Frames(r.count))).toEqual(payloads.map((p) => zcrc32(p)));
    const parts = [bytes(3, 4), bytes(5, 6)];
    const c = hp.scanCompound(compound(parts));
    expect(Array.from(hp.crc32Frames(c.count))).toEqual(parts.map((p) => zcrc32(p)));
  });

  it("reports a cut header or payload as 'more' with how far it got", () => {
    const whole = ckit([bytes(10), bytes(20), bytes(5)]);
    // frames start at 0, 13, 36
    expect(hp.scanCkit(whole.subarray(0, 14))).toEqual({ status: "more", count: 1, consumed: 13, need: 3 });
    expect(hp.scanCkit(whole.subarray(0, 15))).toEqual({ status: "more", count: 1, consumed: 13, need: 3 });
    expect(hp.scanCkit(whole.subarray(0, 20))).toEqual({ status: "more", count: 1, consumed: 13, need: 23 });
    const long = ckit([bytes(4)], true);
    expect(hp.scanCkit(long.subarray(0, 3))).toEqual({ status: "more", count: 0, consumed: 0, need: 5 });
    expect(hp.scanCkit(long.subarray(0, 6))).toEqual({ status: "more", count: 0, consumed: 0, need: 9 });
  });

  it("an absurd long-form length is 'more' (up to 2^32-1 + 5) or too large past maxFrame", () => {
    const data = Uint8Array.from([0xcc, 0, 1, 7, 0xcd, 0xff, 0xff, 0xff, 0xff, 1, 2]);
    expect(hp.scanCkit(data)).toEqual({ status: "more", count: 1, consumed: 4, need: 0xffffffff + 5 });
    const e = (() => { try { hp.scanCkit(data, { maxFrame: 1400 }); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(HotpathFrameError);
    expect(e).toMatchObject({ code: "frame_too_large", offset: 4, frames: 1 });
  });

  it("a bad magic byte is a typed error with its offset; earlier frames stay usable", () => {
    const data = new Uint8Array([...ckit([bytes(2), bytes(3)]), 0x42, 0, 0]);
    const e = (() => { try { hp.scanCkit(data); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(HotpathFrameError);
    expect(e).toMatchObject({ code: "frame_bad_magic", offset: 11, frames: 2 });
    expect(pairList(hp.pairs(), 2)).toEqual([[3, 2], [8, 3]]);
  });

  it("stops with 'full' when the pairs window is full and resumes from `consumed`", () => {
    const payloads = Array.from({ length: 300 }, (_, i) => bytes(i % 7, i & 0xff));
    const data = ckit(payloads);
    const win = hp.input(data.length);
    win.set(data);
    const r1 = hp.scanCkitWindow(0, data.length);
    expect(r1.status).toBe("full");
    expect(r1.count).toBe(256);
    const first = pairList(hp.pairs(), 256);
    const r2 = hp.scanCkitWindow(r1.consumed, data.length);
    expect(r2).toMatchObject({ status: "ok", count: 44, consumed: data.length });
    const all = [...first, ...pairList(hp.pairs(), 44)];
    expect(all.map(([o, l]) => Array.from(win.subarray(o, o + l)))).toEqual(payloads.map((p) => Array.from(p)));
  });

  it("window scans report offsets relative to the window and reject ranges outside it", () => {
    const data = ckit([bytes(3), bytes(4)]);
    const win = hp.input();
    win.set(data, 100);
    expect(hp.scanCkitWindow(100, 100 + data.length)).toMatchObject({ status: "ok", count: 2, consumed: 100 + data.length });
    expect(pairList(hp.pairs(), 2)).toEqual([[103, 3], [109, 4]]);
    expect(() => hp.scanCkitWindow(5, win.length + 1)).toThrow(HotpathFrameError);
    expect(() => hp.scanCkitWindow(10, 5)).toThrow(HotpathFrameError);
    expect(hp.scanCkitWindow(7, 7)).toEqual({ status: "ok", count: 0, consumed: 7, need: 0 });
  });
});

describe.each(IMPLS)("memberlist compound (%s)", (_kind, make) => {
  const hp = make({ inputBytes: 4096, maxPairs: 256 });

  it("splits the parts (docs/protocols/memberlist.md §5.1 layout)", () => {
    const a = bytes(57, 2), b = bytes(57, 3);
    const data = compound([a, b]);
    expect(Array.from(data.subarray(0, 6))).toEqual([0x07, 0x02, 0x00, 0x39, 0x00, 0x39]);
    expect(hp.scanCompound(data)).toEqual({ status: "ok", count: 2, consumed: 6 + 114, need: 0 });
    expect(pairList(hp.pairs(), 2)).toEqual([[6, 57], [63, 57]]);
  });

  it("a part running past the end is an error with its offset; the parts before it stay usable", () => {
    const data = compound([bytes(5, 1), bytes(6, 2), bytes(7, 3)]);
    const e = (() => { try { hp.scanCompound(data.subarray(0, data.length - 3)); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(HotpathFrameError);
    expect(e).toMatchObject({ code: "compound_truncated", offset: 8 + 11, frames: 2, truncated: 1 });
    expect(pairList(hp.pairs(), 2)).toEqual([[8, 5], [13, 6]]);
    expect(() => hp.scanCompound(data.subarray(0, 10))).toThrow(expect.objectContaining({ code: "compound_truncated", frames: 0, truncated: 3 }));
  });

  it("ignores bytes after the last part (consumed tells where the parts end)", () => {
    const data = new Uint8Array([...compound([bytes(2)]), 0xee, 0xee]);
    expect(hp.scanCompound(data)).toEqual({ status: "ok", count: 1, consumed: 6, need: 0 });
  });

  it("255 parts fit the pairs window; empty and zero-count compounds are fine", () => {
    const parts = Array.from({ length: 255 }, () => bytes(1));
    expect(hp.scanCompound(compound(parts))).toMatchObject({ status: "ok", count: 255 });
    expect(hp.scanCompound(Uint8Array.from([7, 0]))).toMatchObject({ status: "ok", count: 0, consumed: 2 });
    expect(hp.scanCompound(compound([new Uint8Array(0)]))).toMatchObject({ status: "ok", count: 1 });
  });

  it("a cut header or a wrong type byte is a typed error with its offset", () => {
    const err = (d: number[]) => { try { hp.scanCompound(Uint8Array.from(d)); } catch (x) { return x; } return undefined; };
    expect(err([])).toMatchObject({ code: "compound_header", offset: 0 });
    expect(err([7])).toMatchObject({ code: "compound_header", offset: 1 });
    expect(err([7, 3, 0, 1, 0])).toMatchObject({ code: "compound_header", offset: 5 });
    expect(err([8, 1, 0, 0])).toMatchObject({ code: "frame_bad_magic", offset: 0 });
  });

  it("window variant uses window offsets", () => {
    const data = compound([bytes(2), bytes(3)]);
    hp.input().set(data, 50);
    expect(hp.scanCompoundWindow(50, 50 + data.length)).toMatchObject({ status: "ok", count: 2 });
    expect(pairList(hp.pairs(), 2)).toEqual([[56, 2], [58, 3]]);
  });
});

describe.each(IMPLS)("relay header and peer-ID swap (%s)", (_kind, make) => {
  const hp = make({ inputBytes: 4096 });
  const dstId = bytes(36, 0x44);
  const srcId = Uint8Array.from(randomBytes(36));
  const transport = (payload: Uint8Array) => new Uint8Array([1, 3, ...dstId, ...payload]);

  it("reads the type of version-1 messages and rejects others", () => {
    expect(hp.relayType(Uint8Array.from([1, 5]))).toBe(5);
    expect(hp.relayType(transport(bytes(3)))).toBe(3);
    expect(() => hp.relayType(Uint8Array.from([2, 5]))).toThrow(expect.objectContaining({ code: "relay_version", offset: 0 }));
    expect(() => hp.relayType(Uint8Array.from([1]))).toThrow(expect.objectContaining({ code: "relay_short" }));
  });

  it("overwrites bytes [2, 38) with the sender ID and leaves the rest alone", () => {
    const payload = Uint8Array.from(randomBytes(100));
    const msg = transport(payload);
    hp.swapPeerId(msg, srcId);
    expect(Array.from(msg.subarray(0, 2))).toEqual([1, 3]);
    expect(Array.from(msg.subarray(2, 38))).toEqual(Array.from(srcId));
    expect(Array.from(msg.subarray(38))).toEqual(Array.from(payload));
    const bare = transport(new Uint8Array(0));
    hp.swapPeerId(bare, srcId);
    expect(Array.from(bare.subarray(2))).toEqual(Array.from(srcId));
  });

  it("refuses to swap on non-transport, short or wrong-version messages without touching them", () => {
    const cases: [number[], string][] = [
      [[1, 4, ...dstId], "relay_not_transport"],
      [[1, 3, ...dstId.subarray(0, 35)], "relay_short"],
      [[0, 3, ...dstId], "relay_version"],
      [[1], "relay_short"],
    ];
    for (const [m, code] of cases) {
      const msg = Uint8Array.from(m);
      const before = Array.from(msg);
      expect(() => hp.swapPeerId(msg, srcId)).toThrow(expect.objectContaining({ code }));
      expect(Array.from(msg)).toEqual(before);
    }
    expect(() => hp.swapPeerId(transport(bytes(1)), bytes(35))).toThrow(expect.objectContaining({ code: "relay_id_length" }));
  });

  it("swaps in place inside the input window", () => {
    const win = hp.input();
    const msg = transport(bytes(20, 9));
    win.set(msg, 10);
    win.set(srcId, 200);
    hp.swapPeerIdWindow(10, msg.length, 200);
    expect(Array.from(win.subarray(12, 48))).toEqual(Array.from(srcId));
    expect(Array.from(win.subarray(48, 68))).toEqual(Array.from(bytes(20, 9)));
    expect(() => hp.swapPeerIdWindow(win.length - 10, 20, 0)).toThrow(HotpathFrameError);
  });

  it("swaps a burst in one call: each message gets its own sender ID, bad ones are reported and left alone", () => {
    const ids = [srcId, bytes(36, 0x11), bytes(36, 0x22), bytes(36, 0x33), bytes(36, 0x44)];
    const payloads = [Uint8Array.from(randomBytes(1400)), new Uint8Array(0), bytes(5, 7)];
    const msgs = [transport(payloads[0]!), Uint8Array.from([1, 5]), transport(payloads[1]!), Uint8Array.from([1, 3, 9]), transport(payloads[2]!)];
    const before = msgs.map((m) => m.slice());
    const res = hp.swapPeerIdBurst(msgs, ids, msgs.length);
    expect(Array.from(res)).toEqual([3, -7, 3, -5, 3]); // RELAY_NOT_TRANSPORT, RELAY_SHORT
    for (const [i, p] of [[0, 0], [2, 1], [4, 2]] as const) {
      expect(Array.from(msgs[i]!.subarray(0, 2))).toEqual([1, 3]);
      expect(Array.from(msgs[i]!.subarray(2, 38))).toEqual(Array.from(ids[i]!));
      expect(Array.from(msgs[i]!.subarray(38))).toEqual(Array.from(payloads[p]!));
    }
    expect(msgs[1]).toEqual(before[1]);
    expect(msgs[3]).toEqual(before[3]);
    expect(hp.swapPeerIdBurst(msgs, ids, 0).length).toBe(0);
  });

  it("a burst with a wrong-size sender ID or too many messages is refused before anything is written", () => {
    const msgs = [transport(bytes(4)), transport(bytes(4))];
    const before = msgs.map((m) => m.slice());
    expect(() => hp.swapPeerIdBurst(msgs, [srcId, bytes(35)], 2)).toThrow(expect.objectContaining({ code: "relay_id_length" }));
    expect(msgs).toEqual(before);
    const many = Array.from({ length: hp.maxPairs + 1 }, () => transport(bytes(1)));
    expect(() => hp.swapPeerIdBurst(many, many.map(() => srcId), many.length)).toThrow(expect.objectContaining({ code: "frame_out_of_window" }));
  });
});

describe("tsRelayFrames (the relay core's default)", () => {
  it("swaps bursts of any length, like the twin", () => {
    const src = Uint8Array.from(randomBytes(36));
    const msgs = Array.from({ length: 300 }, (_, i) => new Uint8Array([1, 3, ...bytes(36, 0x44), i & 255]));
    const res = tsRelayFrames.swapPeerIdBurst(msgs, msgs.map(() => src), msgs.length);
    expect(res.length).toBe(300);
    expect(res.every((r) => r === 3)).toBe(true);
    expect(msgs.every((m, i) => m[38] === (i & 255) && Array.from(m.subarray(2, 38)).join() === Array.from(src).join())).toBe(true);
    expect(() => tsRelayFrames.swapPeerIdBurst(msgs, [bytes(35)], 1)).toThrow(expect.objectContaining({ code: "relay_id_length" }));
  });
});
