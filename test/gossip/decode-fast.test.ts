// The decoder's fast path (src/gossip/decode-fast.ts) against the general decoder it stands in for: for
// canonical text (what Go's Encode writes) and for every kind of variation the fast path must hand over
// (whitespace, escapes, unknown, repeated, reordered or case-folded keys, odd number literals, nulls,
// surrogates), decode() and decodeBatch() give exactly what the general decoder gives: the same messages
// (keys in the same order) or the same typed error with the same offset and field path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastDecode, fastDecodeBatch } from "../../src/gossip/decode-fast.ts";
import { decodeBatchGeneral, decodeGeneral } from "../../src/gossip/decode.ts";
import { decode, decodeBatch, encodeToString, referenceSchema, type GossipMessage } from "../../src/gossip/index.ts";
import { endpointArb, heartbeatArb, messageArb, natArb, routeArb, tombstoneArb, withV } from "./arbitraries.ts";

const enc = new TextEncoder();
const ref = referenceSchema();

function outcome(fn: () => unknown): unknown {
  try {
    // JSON text keeps key order (toEqual alone would not); owners objects have no prototype.
    return { ok: JSON.parse(JSON.stringify(fn())) as unknown, text: JSON.stringify(fn()) };
  } catch (e) {
    const x = e as { code?: string; message?: string; offset?: number; field?: string };
    return { err: x.code, message: x.message, offset: x.offset, field: x.field };
  }
}

function same(text: string): void {
  const root = (() => {
    try {
      return { v: JSON.parse(text) as unknown };
    } catch {
      return null;
    }
  })();
  expect(outcome(() => decodeBatch(text, { maxBytes: 1 << 24 }))).toEqual(
    root === null ? outcome(() => decodeBatch(text, { maxBytes: 1 << 24 })) : outcome(() => decodeBatchGeneral(ref, text, false, root.v)),
  );
  if (root !== null) {
    expect(outcome(() => decode(text, { maxBytes: 1 << 24 }))).toEqual(outcome(() => decodeGeneral(ref, text, false, root.v)));
    const bytes = enc.encode(text);
    expect(outcome(() => decodeBatch(bytes, { maxBytes: 1 << 24 }))).toEqual(outcome(() => decodeBatchGeneral(ref, text, true, root.v)));
  }
}

/** Text the fast path takes: no escapes, control characters or surrogates (BMP letters are fine). */
const plain = fc.string({ unit: fc.constantFrom(..."abcm01:./-_ é中\u2028"), maxLength: 8 });
const time = fc.oneof(fc.integer({ min: -2, max: 2_000_000_000 }), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER));
const plainMessage: fc.Arbitrary<GossipMessage> = fc.oneof(
  endpointArb(plain, time, plain).map((payload) => ({ type: 1 as const, payload })),
  tombstoneArb(plain, time, plain).map((payload) => ({ type: 2 as const, payload })),
  natArb(plain, time, plain).map((payload) => ({ type: 3 as const, payload })),
  heartbeatArb(plain, time, plain, natArb(plain, time, plain), endpointArb(plain, time, plain)).map((payload) => ({ type: 4 as const, payload })),
  routeArb(plain, time, plain).map((payload) => ({ type: 5 as const, payload })),
);

/** Envelope text as Go writes it, with the sender's V kept (legacy V = 0 leaves "v" out). */
const canonical = fc.tuple(fc.oneof({ arbitrary: plainMessage, weight: 9 }, { arbitrary: messageArb(), weight: 1 }), fc.constantFrom(0, 1, 2)).map(([m, k]: [GossipMessage, number]) => {
  const s = encodeToString(m);
  return k === 0 ? s : withV(s, k === 1 ? 0 : 77);
});

/** Edits that take text off the fast path, or keep it on it with other values. */
const edits: [string, (s: string) => string][] = [
  ["space after a colon", (s) => s.replace(":", ": ")],
  ["newline", (s) => s.replace(",", ",\n")],
  ["escaped quote", (s) => s.replace(/"([a-z]+)"/, '"$1\\""')],
  ["escaped unicode", (s) => s.replace(/"([a-z])/, '"\\u0041$1')],
  ["unknown member", (s) => s.replace(/\}\}$/, ',"zz":[1,{"a":null}]}}')],
  ["repeated key", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":$1,"timestamp":7')],
  ["repeated key with null", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":$1,"timestamp":null')],
  ["upper-case key", (s) => s.replace('"timestamp"', '"TIMESTAMP"')],
  ["kelvin key", (s) => s.replace('"key"', '"\u212aey"')],
  ["reordered keys", (s) => s.replace(/"v":(\d+),("[a-z_]+":"[^"]*")/, '$2,"v":$1')],
  ["float literal", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":$1.0')],
  ["exponent literal", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":1e3')],
  ["negative port", (s) => s.replace(/"src_port":\d+/, '"src_port":-1')],
  ["negative zero", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":-0')],
  ["long literal", (s) => s.replace(/"timestamp":(-?\d+)/, '"timestamp":12345678901234567')],
  ["big port", (s) => s.replace(/"dst_port":\d+/, '"dst_port":65536')],
  ["v out of range", (s) => s.replace(/"v":\d+/, '"v":256')],
  ["null string", (s) => s.replace(/"machine_id":"[^"]*"/, '"machine_id":null')],
  ["null v", (s) => s.replace(/"v":\d+/, '"v":null')],
  ["null number", (s) => s.replace(/"timestamp":-?\d+/, '"timestamp":null')],
  ["null dns name", (s) => s.replace(/"dns_names":\["/, '"dns_names":[null,"')],
  ["empty dns names", (s) => s.replace(/"dns_names":(null|\[[^\]]*\])/, '"dns_names":[]')],
  ["null owner time", (s) => s.replace(/"owners":\{"/, '"owners":{"o":null,"')],
  ["repeated owner", (s) => s.replace(/"owners":\{"([^"]*)":(-?\d+)/, '"owners":{"$1":1,"$1":$2')],
  ["numeric owner keys", (s) => s.replace(/"owners":(null|\{)/, '"owners":{"2":1,"10":2,"b":3,')],
  ["wrong type", (s) => s.replace(/"machine_id":"[^"]*"/, '"machine_id":5')],
  ["null payload", (s) => s.replace(/"payload":\{.*\}\}$/, '"payload":null}')],
  ["payload first", (s) => s.replace(/^\{"type":(\d),"payload":(.*)\}$/, '{"payload":$2,"type":$1}')],
  ["unknown type", (s) => s.replace(/^\{"type":\d/, '{"type":9')],
  ["lone surrogate", (s) => s.replace(/"([a-z])/, '"\ud800$1')],
  ["surrogate pair", (s) => s.replace(/"([a-z])/, '"\ud83d\ude00$1')],
  ["control character", (s) => s.replace(/"([a-z])/, '"\\t$1')],
  ["nested null element", (s) => s.replace(/"new_nats":\[/, '"new_nats":[null,')],
  ["trailing garbage", (s) => `${s} `],
  ["leading space", (s) => ` ${s}`],
];

describe("decoder fast path", () => {
  it("decodes canonical envelopes and batches exactly as the general decoder", () => {
    fc.assert(
      fc.property(fc.array(canonical, { maxLength: 6 }), (envs) => {
        for (const e of envs) {
          same(e);
          // Go's text without escapes or surrogates is the fast path's to decode.
          if (!/[\\\ud800-\udfff]/.test(e)) expect(fastDecode(ref, e, JSON.parse(e))).not.toBeNull();
        }
        same(`[${envs.join(",")}]`);
        const all = `[${envs.join(",")}]`;
        if (!/[\\\ud800-\udfff]/.test(all)) expect(fastDecodeBatch(ref, all, JSON.parse(all))).not.toBeNull();
      }),
      { numRuns: 400 },
    );
  });

  it("hands every variation over to the general decoder with the same outcome", () => {
    fc.assert(
      fc.property(fc.array(canonical, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: edits.length - 1 }), (envs, at, which) => {
        const i = at % envs.length;
        const edited = envs.map((e, j) => (j === i ? edits[which]![1](e) : e));
        for (const e of edited) same(e);
        same(`[${edited.join(",")}]`);
      }),
      { numRuns: 1500 },
    );
  });

  it("decodes what Go writes, nested heartbeat elements and owners included", () => {
    const go = '[{"type":1,"payload":{"v":185,"gravity_vip":"10.0.0.1","hadron_vip":"fd00::1","container_id":"c","machine_id":"m","project_id":"p","dns_names":["a.b"],"timestamp":1700000000}},{"type":4,"payload":{"v":38,"vip":"v","owners":{"o":1},"timestamp":2,"new_nats":[{"v":56,"key":"k","original_dst":"d","original_src":"s","src_port":1,"dst_port":2,"timestamp":3}]}}]';
    const [ep, hb] = decodeBatch(go);
    expect(ep!.payload).toEqual({ v: 185, gravity_vip: "10.0.0.1", hadron_vip: "fd00::1", container_id: "c", machine_id: "m", project_id: "p", dns_names: ["a.b"], timestamp: 1700000000, sni_hostname: "" });
    expect(hb!.type).toBe(4);
    expect(Object.getPrototypeOf((hb!.payload as { owners: object }).owners)).toBeNull();
    same(go);
  });
});
