// The route replica a stateless front answers /v1/route from (src/edge/route-replica.ts): one load shared
// by concurrent first lookups, the freshness policy (answer / answer + background refresh / wait), ?after
// read-your-writes, whole-table resyncs that remove what a shard no longer holds, shard failures, and the
// same answers as one store over generated histories.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RouteReplica, RouteReplicaError, parseToken, type RouteSource } from "../../src/edge/index.ts";
import { createTsLpm } from "../../src/hotpath/index.ts";
import { MetricsRegistry } from "../../src/util/index.ts";
import { makeStore, PROBE_IPS, routeSummary, wireMessageArb } from "../state/helpers.ts";
import { ShardedSim } from "./sharded-sim.ts";

const route = (s: string, ts: number, action = "add") => JSON.stringify({ type: 5, payload: { subnet: s, machine_id: "m", ion_id: "i", timestamp: ts, action, v: 231 } });

function setup(shards = 4, o: { refreshMs?: number; maxAgeMs?: number } = {}) {
  const sim = new ShardedSim(shards);
  const clock = { t: 1000 };
  const metrics = new MetricsRegistry();
  const replica = new RouteReplica({ source: sim.routeSource(), lpm: createTsLpm, now: () => clock.t, refreshMs: 200, maxAgeMs: 800, metrics, ...o });
  return { sim, clock, replica, metrics };
}

const tokenOf = (cursor: number | string, n: number) => {
  const p = parseToken(String(cursor), n);
  if (p === "other") throw new Error("other layout");
  return p;
};

describe("route replica", () => {
  it("a cold replica loads once for any number of concurrent first lookups", async () => {
    const { sim, replica } = setup(4);
    sim.apply(route("10.1.0.0/16", 1));
    const answers = await Promise.all(Array.from({ length: 20 }, () => replica.lookup("10.1.2.3")));
    expect(sim.syncs).toBe(4);
    for (const a of answers) expect(a.match).toMatchObject({ kind: "subnet", prefix: "10.1.0.0/16" });
  });

  it("answers fresh tables at once, refreshes stale ones in the background, waits past maxAgeMs", async () => {
    const { sim, clock, replica, metrics } = setup(2);
    await replica.lookup("10.0.0.1");
    const base = sim.syncs;
    sim.apply(route("10.9.0.0/16", 1));
    clock.t += 100; // fresh: no sync, the write is not visible yet
    expect((await replica.lookup("10.9.0.1")).match).toBeNull();
    expect(sim.syncs).toBe(base);
    clock.t += 150; // stale: answer at once, refresh in the background (kept alive by defer)
    const deferred: Promise<unknown>[] = [];
    const a = await replica.lookup("10.9.0.1", { defer: (p) => deferred.push(p) });
    expect(a.match).toBeNull();
    expect(deferred).toHaveLength(1);
    await Promise.all(deferred);
    expect((await replica.lookup("10.9.0.1")).match).toMatchObject({ prefix: "10.9.0.0/16" });
    sim.apply(route("10.8.0.0/16", 1));
    clock.t += 900; // too old: this lookup waits for a refresh
    const w = await replica.lookup("10.8.0.1");
    expect(w.match).toMatchObject({ prefix: "10.8.0.0/16" });
    expect(w.ageMs).toBe(0);
    const fams = metrics.snapshot().find((f) => f.name === "store_route_replica_lookups_total")!;
    expect(Object.fromEntries(fams.samples.map((s) => [s.labels.how, s.value]))).toEqual({ waited: 2, fresh: 2, stale_refresh: 1 });
  });

  it("?after: an answer covers the caller's acknowledged write even while the table is fresh", async () => {
    const { sim, replica } = setup(4);
    await replica.lookup("10.0.0.1");
    const w = sim.apply(route("10.7.0.0/16", 1));
    const a = await replica.lookup("10.7.1.1", { after: tokenOf(w.cursor, 4) });
    expect(a.match).toMatchObject({ prefix: "10.7.0.0/16" });
    expect(a.positions[sim.shardOf("route", "10.7.0.0/16")]).toBeGreaterThanOrEqual(tokenOf(w.cursor, 4)[sim.shardOf("route", "10.7.0.0/16")]!);
  });

  it("a whole-table sync (reset) removes what the shard no longer holds", async () => {
    const { sim, clock } = setup(1);
    const src = sim.routeSource();
    let full = 0;
    // A shard that answers every sync with its whole table (as after a reset: our position unknown there).
    const resetting: RouteSource = { shards: 1, sync: (s) => (full++, src.sync(s, null)) };
    const r = new RouteReplica({ source: resetting, lpm: createTsLpm, now: () => clock.t, refreshMs: 0, maxAgeMs: 0 });
    sim.apply(`[${route("10.5.0.0/16", 1)},${route("10.6.0.0/16", 1)}]`);
    expect((await r.lookup("10.5.0.1")).match).toMatchObject({ prefix: "10.5.0.0/16" });
    sim.apply(route("10.5.0.0/16", 2, "remove"));
    clock.t += 1;
    expect((await r.lookup("10.5.0.1")).match).toBeNull();
    expect((await r.lookup("10.6.0.1")).match).toMatchObject({ prefix: "10.6.0.0/16" });
    expect(r.prefixes).toBe(sim.stores[0]!.routeStats().prefixes);
    expect(full).toBeGreaterThanOrEqual(2);
  });

  it("never loaded: a typed 503 error; loaded: a failing shard keeps its last state and the age grows", async () => {
    const { sim, clock } = setup(2);
    const src = sim.routeSource();
    let down = true;
    const flaky: RouteSource = { shards: 2, sync: (s, since) => (down && s === 1 ? Promise.reject(new Error("shard 1 down")) : src.sync(s, since)) };
    const r = new RouteReplica({ source: flaky, lpm: createTsLpm, now: () => clock.t });
    await expect(r.lookup("10.0.0.1")).rejects.toBeInstanceOf(RouteReplicaError);
    await expect(r.lookup("10.0.0.1")).rejects.toMatchObject({ code: "store.unavailable" });
    down = false;
    sim.apply(route("10.1.0.0/16", 1));
    await r.lookup("10.1.0.1");
    down = true;
    clock.t += 5000;
    const a = await r.lookup("10.1.0.1");
    expect(a.match).toMatchObject({ prefix: "10.1.0.0/16" });
    expect(a.ageMs).toBeGreaterThanOrEqual(5000);
    await expect(r.lookup("not-an-ip")).rejects.toMatchObject({ name: "IpParseError", code: "ip_bad_address" });
  });

  for (const n of [1, 3]) {
    it(`N = ${n}: after any history, answers what one store answers (deltas and whole-table syncs)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(wireMessageArb, { maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.boolean(), async (batches, resync) => {
          const one = makeStore();
          const sim = new ShardedSim(n);
          const clock = { t: 0 };
          const src = sim.routeSource();
          const source: RouteSource = resync ? { shards: n, sync: (s, since) => src.sync(s, since !== null && since % 2 === 1 ? null : since) } : src;
          const r = new RouteReplica({ source, lpm: createTsLpm, now: () => clock.t });
          for (const b of batches) {
            const text = `[${b.join(",")}]`;
            one.applyBatch(text);
            sim.apply(text);
            clock.t += 1000;
            for (const ip of PROBE_IPS) expect(routeSummary((await r.lookup(ip)).match), ip).toEqual(routeSummary(one.route(ip)));
          }
        }),
        { numRuns: 60 },
      );
    }, 60_000); // CPU-bound (a store per run): vitest's 5 s default trips under load
  }
});
