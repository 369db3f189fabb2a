// A record's envelope (src/state/envelopes.ts) from the one-JSON.stringify fast path is byte for byte what
// the general encoder writes (Go's Encode form), for every value a store can show and for values of odd
// shape (which the fast path must leave to the encoder, errors included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeToString, referenceSchema, type GossipMessage } from "../../src/gossip/index.ts";
import { emptyRecord } from "../../src/state/merge.ts";
import { recordEnvelope, recordEnvelopeGeneral } from "../../src/state/envelopes.ts";
import type { VisibleValue } from "../../src/state/visible.ts";
import { endpointArb, natArb, routeArb, withV } from "../gossip/arbitraries.ts";
import { makeStore, state, wireMessageArb } from "./helpers.ts";

const schema = referenceSchema();

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return { error: (e as { code?: string }).code };
  }
}

function same(kind: "endpoint" | "nat" | "vip" | "route", key: string, value: unknown): void {
  const rec = emptyRecord(kind);
  expect(outcome(() => recordEnvelope(kind, key, rec, value as VisibleValue, schema))).toEqual(
    outcome(() => recordEnvelopeGeneral(kind, key, rec, value as VisibleValue, schema)),
  );
}

/** Strings with the characters Go escapes otherwise (<, >, &, U+2028) now and then. */
const text = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("", "a<b", "x&y", "\u2028", "ok", "\ud83d\ude00"));
const withExtra = fc.constantFrom("", "", `,"zz":1`, `,"q":"<"`);

describe("record envelopes", () => {
  it("are the general encoder's text for every record a store shows", () => {
    const wire = fc
      .tuple(
        fc.oneof(
          wireMessageArb,
          endpointArb(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 4 }), text).map((payload) => withV(encodeToString({ type: 1, payload }), payload.v)),
          natArb(fc.constantFrom("n"), fc.integer({ min: 0, max: 4 }), text).map((payload) => withV(encodeToString({ type: 3, payload }), payload.v)),
          routeArb(fc.constantFrom("10.0.0.0/8", "fd00::/64"), fc.integer({ min: 0, max: 4 }), text).map((payload) => withV(encodeToString({ type: 5, payload }), payload.v)),
        ),
        withExtra,
      )
      .map(([s, x]) => (x === "" ? s : s.replace(/\}\}$/, (s.endsWith("{}}") ? x.slice(1) : x) + "}}")));
    fc.assert(
      fc.property(fc.array(wire, { minLength: 1, maxLength: 12 }), (msgs) => {
        const s = makeStore();
        for (const m of msgs) {
          try {
            s.apply(m);
          } catch {
            /* rejected input: nothing to compare */
          }
        }
        const snap = s.snapshot();
        for (const e of snap.endpoints) same("endpoint", e.container_id, e);
        for (const n of snap.nats) same("nat", n.key, n);
        for (const v of snap.vips) same("vip", v.vip, v);
        for (const r of snap.routes) same("route", r.subnet, r);
        // and what the store hands out is that text
        for (const e of snap.endpoints) expect(s.envelope("endpoint", e.container_id)).toBe(recordEnvelopeGeneral("endpoint", e.container_id, emptyRecord("endpoint"), e, schema));
      }),
      { numRuns: 300 },
    );
  });

  it("leave values of another shape to the general encoder (same text or same error)", () => {
    const ep = { v: schema.v.EndpointMapping, gravity_vip: "g", hadron_vip: "h", container_id: "c", machine_id: "m", project_id: "p", dns_names: ["d"], timestamp: 5, sni_hostname: "" };
    const odd: [string, unknown][] = [
      ["missing field", { ...ep, hadron_vip: undefined }],
      ["number for a string", { ...ep, machine_id: 7 }],
      ["unsafe timestamp", { ...ep, timestamp: 2 ** 60 }],
      ["null dns name", { ...ep, dns_names: [null] }],
      ["other V", { ...ep, v: 7 }],
      ["extra", { ...ep, extra: '"x":[1]' }],
      ["html", { ...ep, project_id: "<p>" }],
      ["sni set", { ...ep, sni_hostname: "s" }],
    ];
    for (const [, value] of odd) same("endpoint", "c", value);
    const nat = { v: schema.v.NATEntry, key: "k", original_dst: "10.0.0.1", original_src: "", src_port: 70000, dst_port: 1, timestamp: 1 };
    same("nat", "k", nat);
    same("nat", "k", { ...nat, src_port: 80 });
    const message: GossipMessage = { type: 5, payload: { v: 0, subnet: "10.0.0.0/8", machine_id: "m", ion_id: "i", timestamp: 3, action: "add" } };
    same("route", "10.0.0.0/8", { ...message.payload, v: schema.v.SubnetRoute });
  });

  it("carry a deletion's merge state: a replica fed only the envelopes then merges any later message as the source does", () => {
    // A weak deletion (rule 3: another schema's tombstone or remove loses ties) must stay weak in transit;
    // re-stamped with our V it would win the tie it lost at the source. (Live records are not covered:
    // an envelope carries a record's merged value, not each field's stamp, so a later message of the
    // same timestamp can tie-break differently on a field the source never had written. See docs/protocols/gravity.md §4.6.)
    const deletion = wireMessageArb.filter((m) => m.startsWith('{"type":2,') || m.includes('"action":"remove"'));
    fc.assert(
      fc.property(fc.array(deletion, { minLength: 1, maxLength: 8 }), fc.array(wireMessageArb, { minLength: 1, maxLength: 4 }), (first, later) => {
        const source = makeStore();
        for (const m of first) outcome(() => source.apply(m));
        const copy = makeStore();
        copy.applyBatch(source.envelopes().envelopes);
        for (const m of later) {
          outcome(() => source.apply(m));
          outcome(() => copy.apply(m));
        }
        expect(state(copy)).toEqual(state(source));
      }),
      { numRuns: 500 },
    );
  });

  it("keep a foreign V on a weak deletion, our V on a normal one", () => {
    const s = makeStore();
    s.apply('{"type":2,"payload":{"v":250,"container_id":"w","machine_id":"m","timestamp":3}}');
    s.apply(`{"type":2,"payload":{"v":${schema.v.EndpointTombstone},"container_id":"n","machine_id":"m","timestamp":3}}`);
    s.apply('{"type":5,"payload":{"v":250,"subnet":"10.9.0.0/16","machine_id":"m","ion_id":"i","timestamp":3,"action":"remove"}}');
    const v = (kind: "endpoint" | "route", key: string) => (JSON.parse(s.envelope(kind, key)!) as { payload: { v: number } }).payload.v;
    expect(v("endpoint", "w")).not.toBe(schema.v.EndpointTombstone);
    expect(v("endpoint", "w")).not.toBe(0);
    expect(v("endpoint", "n")).toBe(schema.v.EndpointTombstone);
    expect(v("route", "10.9.0.0/16")).not.toBe(schema.v.SubnetRoute);
    expect(v("route", "10.9.0.0/16")).not.toBe(0);
  });
});
