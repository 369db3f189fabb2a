// ckit gossip messages and push/pull local state, byte-exact with the recorded vectors: 47 State
// messages (encode, decode, String()), the 8 parse cases with ckit's error texts, the local-state
// encodings (ours equals ckit's name-sorted one; every order ckit produced decodes to the same set),
// and fuzzing: garbage only ever raises CkitDecodeError with an offset.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  CkitDecodeError,
  decodeLocalState,
  decodeMessage,
  decodeStateBody,
  encodeLocalState,
  encodeStateMessage,
  parseMessage,
  stateName,
  stateString,
  type StateMessage,
} from "../../src/ckit/index.ts";
import { hex, toHex, vectors } from "./vectors.ts";

const G = vectors.gossipMessages;

describe("ckit state messages", () => {
  it("type numbers are ckit's", () => {
    expect(G.types).toEqual({ TypeInvalid: 0, TypeState: 1 });
  });

  it("encodes all 47 recorded states byte for byte and decodes them back", () => {
    expect(G.stateMessages).toHaveLength(47);
    for (const v of G.stateMessages) {
      const s: StateMessage = { nodeName: v.nodeName, newState: v.state, time: BigInt(v.time) };
      expect(toHex(encodeStateMessage(s)), v.note ?? v.string).toBe(v.hex);
      expect(v.hex.slice(6)).toBe(v.msgpackHex);
      const d = decodeMessage(hex(v.hex));
      expect(d).toEqual({ type: "state", state: s });
      expect(stateString(d.state)).toBe(v.string);
      expect(stateName(v.state)).toBe(v.stateName);
      expect(v.broadcastName).toBe(v.nodeName); // broadcasts are named by node
    }
  });

  it("parse cases give ckit's errors", () => {
    for (const v of G.parse) {
      const raw = hex(v.hex);
      if (v.error !== null) {
        expect(() => parseMessage(raw), v.note).toThrow(v.error);
        expect(() => decodeMessage(raw)).toThrow(CkitDecodeError);
        continue;
      }
      const { type, body } = parseMessage(raw);
      expect(type).toBe(v.type);
      expect(toHex(body)).toBe(v.payloadHex);
      if (v.decodeError) {
        expect(() => decodeStateBody(body)).toThrow(v.decodeError);
      } else {
        expect(decodeStateBody(body)).toEqual({ nodeName: v.decoded!.NodeName, newState: v.decoded!.NewState, time: BigInt(v.decoded!.Time) });
      }
    }
    expect(() => parseMessage(hex("0112"))).toThrow(expect.objectContaining({ code: "ckit.too_small", offset: 2 }));
    expect(() => parseMessage(hex("011201"))).toThrow(expect.objectContaining({ code: "ckit.bad_magic", offset: 0 }));
    expect(() => parseMessage(hex("120102"))).toThrow(expect.objectContaining({ code: "ckit.bad_type", offset: 2 }));
  });

  it("go-msgpack 0.5.5 and 2.1.5 bytes are the same, and ours too", () => {
    for (const c of G.msgpackLibraryComparison.cases) {
      expect(c["v0.5.5"]).toBe(c["v2.1.5"]);
      const bytes = hex(c["v2.1.5"]);
      if (c.note.startsWith("localState")) {
        // A nil NodeStates is written as c0 by Go; we always write an array, and read both.
        const ls = decodeLocalState(bytes);
        const again = encodeLocalState(ls);
        if (c.note.includes("nil")) expect(decodeLocalState(again)).toEqual(ls);
        else expect(toHex(again)).toBe(c["v2.1.5"]);
      } else {
        expect(toHex(encodeStateMessage(decodeStateBody(bytes)).subarray(3))).toBe(c["v2.1.5"]);
      }
    }
  });

  it("decodes keys in any order, skips unknown ones and takes nil as zero", () => {
    // map{ Time: 5, Extra: [1], NodeName: "a", NewState: nil }
    const body = hex("84a454696d6505a54578747261910" + "1a84e6f64654e616d65a161a84e6577537461746" + "5c0");
    expect(decodeStateBody(body)).toEqual({ nodeName: "a", newState: 0, time: 5n });
  });

  it("garbage only ever raises CkitDecodeError with an offset", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, withHeader) => {
        const raw = withHeader ? Uint8Array.of(0x12, 0x01, 0x01, ...b) : b;
        for (const f of [() => decodeMessage(raw), () => decodeLocalState(raw)]) {
          try {
            f();
          } catch (err) {
            expect(err).toBeInstanceOf(CkitDecodeError);
            expect(typeof (err as CkitDecodeError).offset).toBe("number");
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any state", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (nodeName, newState, time) => {
        const s = { nodeName, newState, time };
        expect(decodeMessage(encodeStateMessage(s))).toEqual({ type: "state", state: s });
      }),
    );
  });
});

describe("ckit push/pull local state", () => {
  it("our encoding is ckit's name-sorted one; every order ckit produced decodes to the same set", () => {
    expect(G.localState.map((s) => s.id)).toEqual(["fresh", "self+2", "self+3"]);
    for (const sc of G.localState) {
      const want = {
        currentTime: BigInt(sc.decoded.CurrentTime),
        nodeStates: sc.decoded.NodeStates.map((s) => ({ nodeName: s.NodeName, newState: s.NewState, time: BigInt(s.Time) })),
      };
      expect(toHex(encodeLocalState(want))).toBe(sc.sortedByNameEncodingHex);
      expect(toHex(encodeLocalState({ ...want, nodeStates: [...want.nodeStates].reverse() }))).toBe(sc.sortedByNameEncodingHex);
      for (const enc of sc.observedEncodingsHex) {
        const got = decodeLocalState(hex(enc));
        expect(got.currentTime).toBe(want.currentTime);
        expect([...got.nodeStates].sort((a, b) => (a.nodeName < b.nodeName ? -1 : 1))).toEqual(want.nodeStates);
      }
    }
  });

  it("a nil NodeStates and a 16+ entry array decode", () => {
    expect(decodeLocalState(hex("82ab43757272656e7454696d6507aa4e6f64655374617465 73c0".replace(" ", "")))).toEqual({ currentTime: 7n, nodeStates: [] });
    const many = Array.from({ length: 20 }, (_, i) => ({ nodeName: `n${String(i).padStart(2, "0")}`, newState: i % 3, time: BigInt(i) }));
    const enc = encodeLocalState({ currentTime: 1n << 40n, nodeStates: many });
    expect(enc[enc.indexOf(0xdc)]).toBe(0xdc);
    expect(decodeLocalState(enc)).toEqual({ currentTime: 1n << 40n, nodeStates: many });
  });
});
