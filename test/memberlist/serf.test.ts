// Serf compatibility bytes: tag meta, leave intent, Lamport times. Golden bytes come from
// captures of real Serf/memberlist traffic (docs/protocols/serf.md; docs/protocols/memberlist.md §17: S20, S23).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode } from "@msgpack/msgpack";
import { decodeSerfTags, encodeSerfLeaveIntent, encodeSerfTags, serfLTime } from "../../src/memberlist/serf.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

// S20: Serf's messagePushPull user state (EventLTime 1, 512 nil events, LTime 8, ...).
const S20_USER_STATE = unhex(
  "0286aa4576656e744c54696d6501a64576656e7473dc0200" +
    "c0".repeat(512) +
    "a54c54696d6508ab4c6566744d656d6265727391a3707932aa51756572794c54696d6501ac5374617475734c54696d657385a16100a16201a374733200a370793100a370793207",
);
// S20: a member's meta as captured in a Serf cluster: {impl: "python-proto", role: "ts-node"}.
const S20_META = "ff82a4696d706cac707974686f6e2d70726f746fa4726f6c65a774732d6e6f6465";
// S23: Serf user event payload (type 3), LTime 1.
const S23_USER_EVENT = unhex("0384a24343c3a54c54696d6501a44e616d65a66465706c6f79a75061796c6f6164a27631");

describe("Serf tag meta", () => {
  it("encodes exactly like Serf (empty tags = ff 80; captured two-tag meta)", () => {
    expect(hex(encodeSerfTags({}))).toBe("ff80");
    expect(hex(encodeSerfTags({ role: "ts" }))).toBe("ff81a4726f6c65a27473"); // docs/protocols/serf.md §1
    expect(hex(encodeSerfTags({ role: "ts-node", impl: "python-proto" }))).toBe(S20_META);
  });

  it("decodes captured meta, legacy role strings, and rejects broken maps", () => {
    expect(decodeSerfTags(unhex(S20_META))).toEqual({ impl: "python-proto", role: "ts-node" });
    expect(decodeSerfTags(new Uint8Array(0))).toEqual({ role: "" });
    expect(decodeSerfTags(new TextEncoder().encode("web"))).toEqual({ role: "web" });
    expect(decodeSerfTags(unhex("ff93010203"))).toBeUndefined();
    expect(decodeSerfTags(unhex("ff82a4"))).toBeUndefined();
  });

  it("round-trips any tag set, including long keys and values (str16)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.string({ maxLength: 40 }), fc.constant("__proto__")), fc.string({ maxLength: 300 }), { maxKeys: 20 }), (tags) => {
        const plain = Object.fromEntries(Object.entries(tags));
        const back = decodeSerfTags(encodeSerfTags(plain))!;
        expect(Object.entries(back).sort()).toEqual(Object.entries(plain).sort());
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on arbitrary meta bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const t = decodeSerfTags(b);
        expect(t === undefined || typeof t === "object").toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("Serf leave intent and Lamport times", () => {
  it("encodes a leave intent {LTime, Node, Prune} after type byte 0", () => {
    const b = encodeSerfLeaveIntent("ts-1", 300);
    expect(b[0]).toBe(0);
    expect(decode(b.subarray(1))).toEqual({ LTime: 300, Node: "ts-1", Prune: false });
    expect(serfLTime(b)).toBe(300);
  });

  it("reads LTime from Serf push/pull state and intents, ignores other types and garbage", () => {
    expect(serfLTime(S20_USER_STATE)).toBe(8);
    expect(serfLTime(S23_USER_EVENT)).toBeUndefined(); // user events carry their own clock
    expect(serfLTime(unhex("02c1"))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const v = serfLTime(b);
        expect(v === undefined || (Number.isFinite(v) && v >= 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
