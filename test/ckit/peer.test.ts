// Peer JSON and state names against ckit's json.Marshal/Unmarshal vectors (Go's HTML escaping, unknown
// states, case-insensitive keys), name ordering as Go compares strings, and the Lamport clock rules.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CkitDecodeError, compareNames, LamportClock, parsePeerJSON, parseState, peerJSON, peersJSON, stateName, PeerState } from "../../src/ckit/index.ts";
import { vectors } from "./vectors.ts";

const P = vectors.peerJSON;

describe("peer JSON", () => {
  it("marshals like Go for every recorded input", () => {
    for (const m of P.marshal) {
      const p = { name: m.input.Name, addr: m.input.Addr, self: m.input.Self, state: m.input.State };
      expect(peerJSON(p), m.note).toBe(m.json);
    }
    expect(peersJSON(null)).toBe(P.marshalNilSlice);
    expect(peerJSON({ name: "node-00", addr: "10.0.0.1:7946", self: true, state: 1 })).toBe(P.marshalPointer);
    expect(
      peersJSON([
        { name: "node-00", addr: "10.0.0.1:7946", self: true, state: 1 },
        { name: "node-01", addr: "10.0.0.2:7946", self: false, state: 0 },
      ]),
    ).toBe(P.marshalSlice);
    expect(stateName(9)).toBe(P.stateStringUnknown);
    expect(PeerState).toEqual(P.stateNumbers);
  });

  it("unmarshals like Go: case-insensitive keys, states case-sensitive and required", () => {
    for (const u of P.unmarshal) {
      if (u.error) {
        expect(() => parsePeerJSON(u.json), u.json).toThrow(u.error);
        expect(() => parsePeerJSON(u.json)).toThrow(expect.objectContaining({ code: "ckit.bad_peer" }));
      } else {
        expect(parsePeerJSON(u.json)).toEqual({ name: u.result!.Name, addr: u.result!.Addr, self: u.result!.Self, state: u.result!.State });
      }
    }
    expect(() => parsePeerJSON("{")).toThrow(expect.objectContaining({ code: "ckit.bad_peer" }));
    expect(() => parsePeerJSON('{"name":1,"state":"viewer"}')).toThrow(expect.objectContaining({ code: "ckit.bad_peer" }));
    expect(() => parseState("<unknown state 7>")).toThrow('unknown state "<unknown state 7>"');
  });

  it("garbage JSON only ever raises CkitDecodeError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        try {
          parsePeerJSON(text);
        } catch (err) {
          expect(err).toBeInstanceOf(CkitDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any known peer through JSON", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.boolean(), fc.constantFrom(0, 1, 2), (name, addr, self, state) => {
        const p = { name, addr, self, state };
        expect(parsePeerJSON(peerJSON(p))).toEqual(p);
      }),
    );
  });
});

describe("name order", () => {
  it("is Go's byte order (code point order), not UTF-16 order", () => {
    const enc = new TextEncoder();
    const bytesCmp = (a: string, b: string) => Buffer.compare(Buffer.from(enc.encode(a)), Buffer.from(enc.encode(b)));
    expect(compareNames("\u{1F600}", "\uFFFD")).toBeGreaterThan(0); // UTF-16 order would say less
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(compareNames(a, b))).toBe(Math.sign(bytesCmp(a, b)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("Lamport clock", () => {
  it("ticks, observes t -> t+1 only when t >= now, and wraps like uint64", () => {
    const c = new LamportClock();
    expect(c.now()).toBe(0n);
    expect(c.tick()).toBe(1n);
    c.observe(5n);
    expect(c.now()).toBe(6n);
    c.observe(3n);
    expect(c.now()).toBe(6n);
    c.observe(6n);
    expect(c.now()).toBe(7n);
    c.observe((1n << 64n) - 1n);
    expect(c.now()).toBe(0n);
  });
});
