// Relay codec: layouts from docs/protocols/relay.md §2, round trips, and fast-check on malformed,
// truncated and oversized input (only RelayDecodeError escapes, with an in-range offset).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeMessage,
  encodeAuth,
  encodeAuthResponse,
  encodeClose,
  encodeHealthCheck,
  encodePeerList,
  encodeTransport,
  MAX_TRANSPORT_PAYLOAD,
} from "../../src/relay/codec.ts";
import type { PeerListKind } from "../../src/relay/codec.ts";
import { RelayDecodeError } from "../../src/relay/errors.ts";
import * as P from "../../src/relay/protocol.ts";
import { arbId, id } from "./ids.ts";


function decodeErr(buf: Uint8Array): RelayDecodeError {
  try {
    decodeMessage(buf);
  } catch (e) {
    if (e instanceof RelayDecodeError) return e;
    throw e;
  }
  throw new Error("decoded");
}

describe("relay codec layouts (docs/protocols/relay.md §2.1)", () => {
  it("uses the upstream constants", () => {
    expect(P.PROTOCOL_VERSION).toBe(1);
    expect([P.MSG_TRANSPORT, P.MSG_CLOSE, P.MSG_HEALTH_CHECK, P.MSG_AUTH, P.MSG_AUTH_RESPONSE]).toEqual([3, 4, 5, 6, 7]);
    expect([P.MSG_SUBSCRIBE_PEER_STATE, P.MSG_UNSUBSCRIBE_PEER_STATE, P.MSG_PEERS_ONLINE, P.MSG_PEERS_WENT_OFFLINE]).toEqual([8, 9, 10, 11]);
    expect([...P.AUTH_MAGIC]).toEqual([0x21, 0x12, 0xa4, 0x42]);
    expect(P.MAX_PEER_IDS_PER_MSG).toBe(244);
    expect([P.MAX_AUTH_MSG_SIZE, P.MAX_MSG_SIZE, P.MAX_AUTH_RESPONSE_SIZE]).toEqual([212, 8820, 8192]);
  });

  it("lays out every message as specified", () => {
    expect([...encodeClose()]).toEqual([1, 4]);
    expect([...encodeHealthCheck()]).toEqual([1, 5]);
    const t = encodeTransport(id(9), new Uint8Array([0xaa, 0xbb]));
    expect([...t.subarray(0, 2)]).toEqual([1, 3]);
    expect(t.subarray(2, 38)).toEqual(id(9));
    expect([...t.subarray(38)]).toEqual([0xaa, 0xbb]);
    const a = encodeAuth(id(1), new Uint8Array([1, 2, 3]));
    expect([...a.subarray(0, 6)]).toEqual([1, 6, 0x21, 0x12, 0xa4, 0x42]);
    expect(a.subarray(6, 42)).toEqual(id(1));
    expect([...a.subarray(42)]).toEqual([1, 2, 3]);
    expect(new TextDecoder().decode(encodeAuthResponse("rels://relay.example.com:443").subarray(2))).toBe("rels://relay.example.com:443");
    const list = encodePeerList("peersOnline", [id(1), id(2)]);
    expect(list).toHaveLength(1);
    expect([...list[0]!.subarray(0, 2)]).toEqual([1, 10]);
    expect(list[0]!.length).toBe(2 + 72);
  });

  it("chunks peer lists at 244 IDs (8786 bytes)", () => {
    const ids = Array.from({ length: 500 }, (_, i) => id(i & 255));
    const msgs = encodePeerList("subscribe", ids);
    expect(msgs.map((m) => (m.length - 2) / 36)).toEqual([244, 244, 12]);
    expect(Math.max(...msgs.map((m) => m.length))).toBeLessThanOrEqual(P.MAX_MSG_SIZE);
    expect(encodePeerList("subscribe", [])).toEqual([]);
  });

  it("refuses to encode what the relay would reject", () => {
    expect(() => encodeTransport(id(1), new Uint8Array(MAX_TRANSPORT_PAYLOAD + 1))).toThrow(RangeError);
    expect(encodeTransport(id(1), new Uint8Array(MAX_TRANSPORT_PAYLOAD)).length).toBe(P.MAX_MSG_SIZE);
    expect(() => encodeTransport(new Uint8Array(35), new Uint8Array(0))).toThrow(RangeError);
  });
});

describe("relay codec decoding", () => {
  it("round-trips every message type", () => {
    fc.assert(
      fc.property(arbId, fc.uint8Array({ maxLength: MAX_TRANSPORT_PAYLOAD }), fc.array(arbId, { minLength: 1, maxLength: 244 }), (pid, payload, ids) => {
        expect(decodeMessage(encodeTransport(pid, payload))).toEqual({ type: "transport", peerId: pid, payload });
        expect(decodeMessage(encodeAuth(pid, payload.subarray(0, 100)))).toEqual({ type: "auth", peerId: pid, token: payload.subarray(0, 100) });
        for (const kind of ["subscribe", "unsubscribe", "peersOnline", "peersOffline"] as PeerListKind[]) {
          const [m] = encodePeerList(kind, ids);
          expect(decodeMessage(m!)).toEqual({ type: kind, peerIds: ids });
        }
      }),
      { numRuns: 60 },
    );
    expect(decodeMessage(encodeClose())).toEqual({ type: "close" });
    expect(decodeMessage(encodeHealthCheck())).toEqual({ type: "healthCheck" });
    expect(decodeMessage(encodeAuthResponse("rel://h:80"))).toEqual({ type: "authResponse", url: "rel://h:80" });
  });

  it("gives typed errors with offsets for the documented failures", () => {
    const cases: Array<[Uint8Array, string, number]> = [
      [new Uint8Array(0), "empty", 0],
      [new Uint8Array([2, 3]), "version", 0],
      [new Uint8Array([1]), "truncated", 1],
      [new Uint8Array([1, 12]), "unknown-type", 1],
      [new Uint8Array([1, 0]), "unknown-type", 1],
      [new Uint8Array([1, 1, 0x21]), "unsupported-type", 1],
      [new Uint8Array([1, 3, 0x73]), "truncated", 3],
      [new Uint8Array([1, 8]), "id-list", 2],
      [new Uint8Array(2 + 40).fill(1).fill(8, 1, 2), "id-list", 38],
      [new Uint8Array([1, 6, 0x21, 0x12, 0xa4, 0x43, ...id(1)]), "magic", 5],
      [new Uint8Array([1, 6, 0x21, 0x12]), "truncated", 4],
      [new Uint8Array([1, 7, 0xff]), "utf8", 2],
      [new Uint8Array(213).fill(1).fill(6, 1, 2), "oversize", 212],
      [new Uint8Array(8821).fill(1).fill(3, 1, 2), "oversize", 8820],
      [new Uint8Array(8193).fill(1).fill(7, 1, 2), "oversize", 8192],
    ];
    for (const [buf, reason, offset] of cases) {
      const e = decodeErr(buf);
      expect({ reason: e.reason, offset: e.offset, code: e.code }).toEqual({ reason, offset, code: `relay.decode.${reason}` });
    }
  });

  it("never throws anything but RelayDecodeError on arbitrary, truncated or oversized input", () => {
    const valid = fc.oneof(
      fc.tuple(arbId, fc.uint8Array({ maxLength: 9000 })).map(([i, p]) => {
        const m = new Uint8Array(38 + p.length);
        m.set(encodeTransport(i, new Uint8Array(0)));
        m.set(p, 38);
        return m;
      }),
      fc.tuple(arbId, fc.uint8Array({ maxLength: 300 })).map(([i, t]) => encodeAuth(i, t)),
      fc.array(arbId, { maxLength: 260 }).map((ids) => {
        const m = new Uint8Array(2 + ids.length * 36);
        m.set([1, 8]);
        ids.forEach((x, k) => m.set(x, 2 + k * 36));
        return m;
      }),
    );
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 9000 }),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 })).map(([t, rest]) => new Uint8Array([1, t, ...rest])),
      fc.tuple(valid, fc.nat()).map(([m, cut]) => m.subarray(0, cut % (m.length + 1))),
      valid,
    );
    fc.assert(
      fc.property(input, (buf) => {
        const before = buf.slice();
        try {
          const m = decodeMessage(buf);
          expect(buf.length).toBeLessThanOrEqual(m.type === "authResponse" ? P.MAX_AUTH_RESPONSE_SIZE : P.MAX_MSG_SIZE);
        } catch (e) {
          expect(e).toBeInstanceOf(RelayDecodeError);
          const off = (e as RelayDecodeError).offset!;
          expect(off).toBeGreaterThanOrEqual(0);
          expect(off).toBeLessThanOrEqual(Math.max(buf.length, P.MAX_MSG_SIZE));
        }
        expect(buf).toEqual(before); // decoding never mutates
      }),
      { numRuns: 2000 },
    );
  });
});

describe("relay codec boundaries (mutation-found)", () => {
  it("a message exactly at its limit decodes; one byte more is oversize (offset = the limit)", () => {
    const at = encodeTransport(new Uint8Array(36), new Uint8Array(MAX_TRANSPORT_PAYLOAD));
    expect(at.length).toBe(P.MAX_MSG_SIZE);
    expect(decodeMessage(at).type).toBe("transport");
    const over = new Uint8Array(P.MAX_MSG_SIZE + 1);
    over.set(at);
    expect(() => decodeMessage(over)).toThrow(expect.objectContaining({ reason: "oversize", offset: P.MAX_MSG_SIZE }));
    expect(() => encodeTransport(new Uint8Array(36), new Uint8Array(MAX_TRANSPORT_PAYLOAD + 1))).toThrow(`exceeds ${MAX_TRANSPORT_PAYLOAD}`);
  });

  it("encoders refuse peer IDs that are not 36 bytes", () => {
    for (const n of [0, 35, 37]) {
      expect(() => encodeTransport(new Uint8Array(n), new Uint8Array(1))).toThrow(RangeError);
      expect(() => encodeAuth(new Uint8Array(n), new Uint8Array(1))).toThrow(RangeError);
      expect(() => encodePeerList("subscribe", [new Uint8Array(36), new Uint8Array(n)])).toThrow(RangeError);
    }
  });

  it("an auth response fits 8192 bytes exactly; one more byte of URL is refused", () => {
    const fits = "r".repeat(P.MAX_AUTH_RESPONSE_SIZE - 2);
    expect(encodeAuthResponse(fits).length).toBe(P.MAX_AUTH_RESPONSE_SIZE);
    expect(() => encodeAuthResponse(fits + "r")).toThrow(/too long/);
  });

  it("a peer-ID list that is not a multiple of 36 bytes points at the partial ID", () => {
    const b = new Uint8Array(2 + 36 + 5);
    b[0] = P.PROTOCOL_VERSION;
    b[1] = P.MSG_SUBSCRIBE_PEER_STATE;
    expect(() => decodeMessage(b)).toThrow(expect.objectContaining({ reason: "id-list", offset: b.length - 5 }));
  });
});
