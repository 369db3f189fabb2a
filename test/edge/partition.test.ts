// Record -> shard (docs/protocols/store-api.md §2): the stable hash computed from an independent XXH64
// (xxhash-wasm), the same on the Wasm and TS hot paths, spread evenly; and the per-shard split of a batch,
// which merged over N stores must give exactly what one store gives for the same batches.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import xxhash from "xxhash-wasm";
import { recordOf, recordOfEnvelope, shardHasher, splitBatch } from "../../src/edge/index.ts";
import { decodeBatch, referenceSchema } from "../../src/gossip/index.ts";
import { createHotpath, xxh64 } from "../../src/hotpath/index.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";
import type { RecordKind } from "../../src/state/index.ts";
import { makeStore, state, wireMessageArb } from "../state/helpers.ts";
import { ShardedSim } from "./sharded-sim.ts";

const KINDS: RecordKind[] = ["endpoint", "nat", "vip", "route"];

describe("record -> shard hash", () => {
  it("is floor(high32(XXH64(kind NUL key)) * N / 2^32), by an independent XXH64", async () => {
    const { h64Raw } = await xxhash();
    const enc = new TextEncoder();
    const key = fc.string({ maxLength: 40, unit: "grapheme" });
    for (const n of [2, 3, 4, 16, 1024]) {
      const ours = shardHasher(n, (d) => xxh64(d));
      fc.assert(
        fc.property(fc.constantFrom(...KINDS), key, (kind, k) => {
          const h = h64Raw(enc.encode(`${kind}\u0000${k}`), 0n);
          expect(ours(kind, k)).toBe(Math.floor((Number(h >> 32n) * n) / 2 ** 32));
        }),
        { numRuns: 200 },
      );
    }
  });

  it("gives the same shard on the Wasm and the TS hot path; one shard is always 0", () => {
    const wasm = createHotpath(hotpathModule());
    const ts = createHotpath();
    const a = shardHasher(8, (d) => wasm.xxh64(d));
    const b = shardHasher(8, (d) => ts.xxh64(d));
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.string({ maxLength: 300 }), (kind, k) => {
        expect(a(kind, k)).toBe(b(kind, k));
      }),
    );
    expect(shardHasher(1, () => 0xffffffffffffffffn)("nat", "x")).toBe(0);
  });

  it("spreads typical keys evenly (max shard within 5% of the mean over 40k keys)", () => {
    for (const n of [4, 16]) {
      const f = shardHasher(n, (d) => xxh64(d));
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < 10_000; i++) {
        counts[f("endpoint", `container-${i}`)]!++;
        counts[f("route", `10.${i >> 8}.${i & 255}.0/24`)]!++;
        counts[f("nat", `nat-${i}`)]!++;
        counts[f("vip", `fd00::${i.toString(16)}`)]!++;
      }
      const mean = 40_000 / n;
      expect(Math.max(...counts) / mean).toBeLessThan(1.05);
    }
  });
});

describe("batch split", () => {
  it("names the record of each message type; the route key is the canonical subnet key", () => {
    const m = decodeBatch(
      `[{"type":1,"payload":{"container_id":"c"}},{"type":2,"payload":{"container_id":"t"}},{"type":3,"payload":{"key":"n"}},{"type":4,"payload":{"vip":"v"}},{"type":5,"payload":{"subnet":"fd15:d710:02:05:a1b2::/64","action":"add"}}]`,
    );
    expect(m.map(recordOf)).toEqual([
      { kind: "endpoint", key: "c" },
      { kind: "endpoint", key: "t" },
      { kind: "nat", key: "n" },
      { kind: "vip", key: "v" },
      { kind: "route", key: "fd15:d710:2:5:a1b2::/64" },
    ]);
    expect(recordOfEnvelope(`{"type":5,"payload":{"v":231,"subnet":"10.0.0.0/8","action":"remove"}}`)).toEqual({ kind: "route", key: "10.0.0.0/8" });
    expect(() => recordOfEnvelope(`{"type":9,"payload":{}}`)).toThrow(TypeError);
  });

  it("splits a heartbeat whose nested records live elsewhere, keeping each element's V and mismatches", () => {
    const shardOf = (kind: RecordKind, key: string) => (kind === "vip" ? 0 : key === "far" ? 2 : 0);
    const hb = `{"type":4,"payload":{"v":38,"vip":"v","owners":{"o":5},"timestamp":5,"new_nats":[{"v":7,"key":"far","original_dst":"10.0.0.1","timestamp":5},{"v":56,"key":"near","timestamp":5}],"new_endpoints":[{"v":185,"container_id":"far","timestamp":5}]}}`;
    const parts = splitBatch(decodeBatch(`[${hb}]`, { schema: referenceSchema() }), shardOf);
    expect(parts.map((p) => [p.shard, p.messages.map((m) => m.type), p.indexes])).toEqual([
      [0, [4, 3], [0, 0]],
      [2, [3, 1], [0, 0]],
    ]);
    const vip = parts[0]!.messages[0]! as Extract<(typeof parts)[0]["messages"][0], { type: 4 }>;
    expect([vip.payload.new_nats, vip.payload.new_endpoints, vip.payload.owners]).toEqual([null, null, { o: 5 }]);
    const far = parts[1]!.messages[0]!;
    expect(far.schema).not.toBe("current");
    expect(far.mismatches.map((x) => [x.type, x.remoteV, x.path])).toEqual([[3, 7, "payload"]]);
    expect(parts[1]!.messages[1]!.mismatches).toEqual([]);
    // A heartbeat whose records all live on its shard travels whole.
    const whole = splitBatch(decodeBatch(`[${hb}]`), () => 1);
    expect(whole).toHaveLength(1);
    expect(whole[0]!.messages[0]!.type).toBe(4);
  });

  for (const n of [2, 4, 7]) {
    it(`N = ${n}: merged over the shards, any sequence of batches gives what one store gives`, () => {
      fc.assert(
        fc.property(fc.array(fc.array(wireMessageArb, { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (batches) => {
          const one = makeStore();
          const sim = new ShardedSim(n);
          for (const b of batches) {
            const text = `[${b.join(",")}]`;
            const r1 = one.applyBatch(text);
            const rn = sim.apply(text);
            expect(rn.applied).toBe(r1.applied);
          }
          const { cursor: _c, ...merged } = sim.snapshot();
          expect(JSON.parse(JSON.stringify(merged))).toEqual(state(one));
          expect(one.schemaMismatches().reduce((a, m) => a + m.count, 0)).toBe(
            sim.stores.flatMap((s) => s.schemaMismatches()).reduce((a, m) => a + m.count, 0),
          );
        }),
        { numRuns: 150 },
      );
    }, 60_000); // CPU-bound (a store per run): vitest's 5 s default trips under load
  }
});
