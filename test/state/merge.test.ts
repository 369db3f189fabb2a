// Merge properties of the state store (docs/protocols/gravity.md §4 as implemented in src/state/merge.ts): any
// arrival order gives the same state, applying again changes nothing, and legacy/mismatched messages
// never clear fields they do not carry.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encodeToString } from "../../src/gossip/index.ts";
import { endpointArb, withV } from "../gossip/arbitraries.ts";
import { makeStore, naiveRoute, PROBE_IPS, routeSummary, state, wireMessageArb } from "./helpers.ts";

/** EndpointMappings from a legacy (V = 0) or other-schema (V = 77) sender, over the same key space. */
const olderSchemaMapping = fc
  .tuple(endpointArb(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 6 }), fc.constantFrom("", "m1", "m2")), fc.constantFrom(0, 77))
  .map(([payload, v]) => withV(encodeToString({ type: 1, payload }), v));
const batchOf = fc.array(wireMessageArb, { minLength: 1, maxLength: 14 });

describe("merge properties", () => {
  it("is independent of arrival order (one by one, or as a batch)", () => {
    fc.assert(
      fc.property(
        batchOf.chain((msgs) => fc.tuple(fc.constant(msgs), fc.shuffledSubarray(msgs, { minLength: msgs.length, maxLength: msgs.length }))),
        ([msgs, perm]) => {
          const a = makeStore();
          const b = makeStore();
          const c = makeStore();
          for (const m of msgs) a.apply(m);
          for (const m of perm) b.apply(m);
          c.applyBatch(perm);
          expect(state(b)).toEqual(state(a));
          expect(state(c)).toEqual(state(a));
          for (const ip of PROBE_IPS) {
            expect(routeSummary(b.route(ip))).toEqual(routeSummary(a.route(ip)));
            expect(routeSummary(a.route(ip))).toEqual(naiveRoute(a.snapshot(), ip));
          }
        },
      ),
      { numRuns: 250 },
    );
  }, 30_000); // CPU-bound (250 runs x 3 stores): ~4 s here, over vitest's 5 s default on a loaded machine

  it("is idempotent: applying the same messages again changes nothing", () => {
    fc.assert(
      fc.property(batchOf, (msgs) => {
        const s = makeStore();
        s.applyBatch(msgs);
        const before = state(s);
        const cursor = s.cursor;
        for (const m of msgs) expect(s.apply(m).changes).toEqual([]);
        expect(s.applyBatch(msgs).changes).toEqual([]);
        expect(state(s)).toEqual(before);
        expect(s.cursor).toBe(cursor);
      }),
      { numRuns: 200 },
    );
  });

  it("legacy and mismatched mappings never clear fields they do not carry", () => {
    fc.assert(
      fc.property(batchOf, olderSchemaMapping, (msgs, extra) => {
        const m = decode(extra);
        if (m.type !== 1) throw new Error("type");
        expect(m.schema).not.toBe("current");
        const s = makeStore();
        s.applyBatch(msgs);
        const before = s.snapshot().endpoints.find((e) => e.container_id === m.payload.container_id);
        s.apply(m);
        const after = s.snapshot().endpoints.find((e) => e.container_id === m.payload.container_id);
        if (before === undefined || after === undefined) return;
        const p = m.payload as unknown as Record<string, unknown>;
        for (const k of ["gravity_vip", "hadron_vip", "machine_id", "project_id", "dns_names", "sni_hostname"] as const) {
          const carried = m.schema === "legacy" ? k !== "sni_hostname" : !(p[k] === "" || p[k] === null || (Array.isArray(p[k]) && (p[k] as unknown[]).length === 0));
          if (!carried) expect(after[k]).toEqual(before[k]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
