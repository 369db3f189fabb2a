// Route lookups through the real LPM tables (TS twin and Wasm) against a naive scan of the snapshot,
// with the precedence documented in src/state/routes.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIp } from "../../src/net/index.ts";
import { LPMS, makeStore, naiveRoute, routeSummary } from "./helpers.ts";

const v4 = fc.tuple(fc.constantFrom(10, 172, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 }));
const v4text = v4.map((b) => b.join("."));
const v6text = fc
  .tuple(fc.constantFrom(0xfd15, 0xfd00), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }))
  .map(([a, b, c, d]) => formatIp(new Uint8Array([a >> 8, a & 255, 0, b, 0, c, 0, d, 0, 0, 0, 0, 0, 0, 0, d])));
const prefix = fc.oneof(
  fc.tuple(v4text, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`),
  fc.tuple(v6text, fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`),
);

const op = fc.oneof(
  fc.record({
    type: fc.constant(5),
    payload: fc.record({
      v: fc.constant(231),
      subnet: prefix,
      machine_id: fc.constantFrom("m1", "m2"),
      ion_id: fc.constant("i"),
      timestamp: fc.integer({ min: 0, max: 3 }),
      action: fc.constantFrom("add", "add", "remove"),
    }),
  }),
  fc.record({
    type: fc.constant(3),
    payload: fc.record({ v: fc.constant(56), key: fc.constantFrom("n1", "n2", "n3", "n4"), original_dst: fc.oneof(v4text, v6text), timestamp: fc.integer({ min: 0, max: 3 }) }),
  }),
);

describe.each(LPMS)("route() over the %s LPM", (_name, lpm) => {
  it("matches a naive longest-prefix scan", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.array(fc.oneof(v4text, v6text), { minLength: 1, maxLength: 20 }), (ops, ips) => {
        const s = makeStore({ lpm });
        for (const o of ops) s.apply(JSON.stringify(o));
        const snap = s.snapshot();
        for (const ip of ips) expect(routeSummary(s.route(ip))).toEqual(naiveRoute(snap, ip));
      }),
      { numRuns: 150 },
    );
  }, 30_000); // CPU-bound (150 stores, each with its own LPM instance): vitest's 5 s default trips under load

  it("prefers a NAT host route over an equal-length subnet route, and the newest NAT per address", () => {
    const s = makeStore({ lpm });
    s.apply('{"type":5,"payload":{"subnet":"10.0.0.7/32","action":"add","timestamp":9}}');
    s.apply('{"type":5,"payload":{"subnet":"10.0.0.0/8","action":"add","timestamp":9}}');
    expect(s.route("10.0.0.7")).toMatchObject({ kind: "subnet", prefix: "10.0.0.7/32" });
    s.apply('{"type":3,"payload":{"key":"a","original_dst":"10.0.0.7","timestamp":1}}');
    s.apply('{"type":3,"payload":{"key":"b","original_dst":"10.0.0.7","timestamp":2}}');
    expect(s.route("10.0.0.7")).toMatchObject({ kind: "nat", entry: { key: "b" } });
    s.apply('{"type":3,"payload":{"key":"b","original_dst":"10.0.0.8","timestamp":3}}');
    expect(s.route("10.0.0.7")).toMatchObject({ kind: "nat", entry: { key: "a" } });
    expect(s.route("10.0.0.8")).toMatchObject({ kind: "nat", entry: { key: "b" } });
    expect(s.route("10.1.0.8")).toMatchObject({ kind: "subnet", prefix: "10.0.0.0/8" });
    expect(s.route("11.0.0.1")).toBeNull();
    expect(() => s.route("nope")).toThrow(expect.objectContaining({ code: "ip_bad_address" }));
  });

  it("keeps /64 announcements with host bits as distinct records sharing one prefix", () => {
    const s = makeStore({ lpm });
    s.apply('{"type":5,"payload":{"subnet":"fd15:d710:02:05:a1b2::/64","machine_id":"m1","action":"add","timestamp":5}}');
    s.apply('{"type":5,"payload":{"subnet":"fd15:d710:02:05:c3d4::/64","machine_id":"m2","action":"add","timestamp":4}}');
    expect(s.snapshot().routes.map((r) => r.subnet)).toEqual(["fd15:d710:2:5:a1b2::/64", "fd15:d710:2:5:c3d4::/64"]);
    expect(s.route("fd15:d710:2:5::1")).toMatchObject({ kind: "subnet", prefix: "fd15:d710:2:5::/64", route: { machine_id: "m1" } });
    s.apply('{"type":5,"payload":{"subnet":"fd15:d710:2:5:a1b2::/64","machine_id":"m1","action":"remove","timestamp":6}}');
    expect(s.route("fd15:d710:2:5::1")).toMatchObject({ route: { machine_id: "m2" } });
    expect(s.routeStats().prefixes).toBe(1);
  });
});
