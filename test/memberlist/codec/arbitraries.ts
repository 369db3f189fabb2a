// fast-check generators for memberlist messages, normalised the way the decoder returns them
// (omitempty fields: absent rather than empty; nil-able byte fields: null rather than empty, as Go decodes).
import fc from "fast-check";
import type { Message, PushNodeState, PushPull } from "../../../src/memberlist/messages.ts";

export const str = fc.string({ unit: "grapheme", maxLength: 40 });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const bytes = fc.uint8Array({ maxLength: 40 });
export const ip = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }));
export const vsn = fc.uint8Array({ minLength: 6, maxLength: 6 });
const nonEmpty = <T extends { length: number }>(a: fc.Arbitrary<T>) => a.filter((x) => x.length > 0);

/** Optional source fields as a decoded message has them (present only when non-empty / non-zero). */
const source = fc.record(
  {
    SourceAddr: nonEmpty(ip),
    SourceNode: nonEmpty(str),
    SourcePort: fc.integer({ min: 1, max: 0xffff }),
  },
  { requiredKeys: [] },
);

export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.tuple(fc.record({ Node: str, SeqNo: u32 }), source).map(([b, s]) => ({ type: "ping", body: { ...b, ...s } }) as Message),
  fc
    .tuple(fc.record({ Nack: fc.boolean(), Node: str, Port: u16, SeqNo: u32, Target: ip }), source)
    .map(([b, s]) => ({ type: "indirectPing", body: { ...b, ...s } }) as Message),
  fc.record({ Payload: fc.option(nonEmpty(bytes), { nil: null }), SeqNo: u32 }).map((body) => ({ type: "ackResp", body }) as Message),
  fc.record({ SeqNo: u32 }).map((body) => ({ type: "nackResp", body }) as Message),
  fc.record({ Error: str }).map((body) => ({ type: "err", body }) as Message),
  fc.record({ From: str, Incarnation: u32, Node: str }).map((body) => ({ type: "suspect", body }) as Message),
  fc.record({ From: str, Incarnation: u32, Node: str }).map((body) => ({ type: "dead", body }) as Message),
  fc
    .record({ Addr: ip, Incarnation: u32, Meta: fc.option(nonEmpty(bytes), { nil: null }), Node: str, Port: u16, Vsn: vsn })
    .map((body) => ({ type: "alive", body }) as Message),
  bytes.map((body) => ({ type: "user", body }) as Message),
);

export const nodeState: fc.Arbitrary<PushNodeState> = fc.record({
  Addr: ip,
  Incarnation: u32,
  Meta: fc.option(fc.uint8Array({ minLength: 1, maxLength: 512 }), { nil: null }),
  Name: str,
  Port: u16,
  State: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
  Vsn: vsn,
});

export const pushPull: fc.Arbitrary<PushPull> = fc
  .record({ Join: fc.boolean(), states: fc.array(nodeState, { maxLength: 20 }), userState: fc.uint8Array({ maxLength: 600 }) })
  .map(({ Join, states, userState }) => ({ header: { Join, Nodes: states.length, UserStateLen: userState.length }, states, userState }));
