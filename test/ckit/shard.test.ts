// shard placement against ckit: all 8064 recorded lookups (4 algorithms x 8 node sets x 42 keys x
// Read/ReadWrite x n = 1..3, 2184 of them errors), the full preference orders, the sharder's peer
// lists and the edge cases, on both hot paths (Wasm and TS twin). Plus properties against a naive
// reference (test/ckit/shard-reference.ts) for random node sets.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { multiprobe, rendezvous, ring, parseState, ShardError, type Peer, type Sharder } from "../../src/ckit/index.ts";
import type { Platform } from "../../src/platform/index.ts";
import { platforms, vectors, type LookupResult } from "./vectors.ts";
import { referenceLookup, type Algorithm } from "./shard-reference.ts";

const L = vectors.lookups;

function sharderFor(p: Platform, algorithm: string): Sharder {
  const m = /^Ring\((\d+)\)$/.exec(algorithm);
  if (m) return ring(p, Number(m[1]));
  if (algorithm === "Rendezvous()") return rendezvous(p);
  if (algorithm === "Multiprobe()") return multiprobe(p);
  throw new Error(`unknown algorithm ${algorithm}`);
}

function peersOf(setId: string): Peer[] {
  const set = L.nodeSets.find((s) => s.id === setId);
  if (!set) throw new Error(`no node set ${setId}`);
  return set.peers.map((p, i) => ({ name: p.name, addr: `10.0.0.${i + 1}:7946`, self: false, state: parseState(p.state) }));
}

function opOf(op: string): number {
  if (op in L.ops) return L.ops[op]!;
  const m = /^Op\((\d+)\)$/.exec(op);
  if (!m) throw new Error(`bad op ${op}`);
  return Number(m[1]);
}

function outcome(s: Sharder, r: LookupResult): { owners: string[] | null; error: string | null } {
  try {
    return { owners: s.lookup(BigInt(r.key), r.n, opOf(r.op)).map((p) => p.name), error: null };
  } catch (err) {
    if (!(err instanceof ShardError)) throw err;
    return { owners: null, error: err.message };
  }
}

describe.each(platforms())("shard lookups match ckit (%s hot path)", (_kind, platform) => {
  it("recorded 8064 lookups, 600 full orders and the sharders' peer lists", () => {
    let checked = 0;
    let errors = 0;
    for (const c of L.cases) {
      const s = sharderFor(platform, c.algorithm);
      s.setPeers([...peersOf(c.nodeSet)].reverse());
      expect(s.peers().map((p) => p.name), `${c.algorithm} ${c.nodeSet} peers`).toEqual(c.sharderPeers);
      for (const r of [...c.results, ...c.fullOrderFirst10]) {
        const got = outcome(s, r);
        const want = { owners: r.owners ?? null, error: r.error ?? null };
        if (got.owners === null && want.owners === null && got.error === want.error) {
          checked++;
          errors++;
          continue;
        }
        expect(got, `${c.algorithm} ${c.nodeSet} key=${r.key} ${r.op} n=${r.n}`).toEqual(want);
        checked++;
      }
    }
    expect(checked).toBe(L.counts.mainLookups + 600);
    expect(errors).toBe(L.counts.mainLookupErrors);
  });

  it("edge cases: n = 0, n > eligible, unknown op, all viewers, never set", () => {
    for (const e of L.edgeCases) {
      const s = sharderFor(platform, e.algorithm);
      if (e.nodeSet.startsWith("3-")) s.setPeers(peersOf(e.nodeSet));
      else if (e.nodeSet.startsWith("2 viewers")) {
        s.setPeers([
          { name: "v1", addr: "", self: false, state: 0 },
          { name: "v2", addr: "", self: false, state: 0 },
        ]);
      }
      if (e.sharderPeers) expect(s.peers().map((p) => p.name)).toEqual(e.sharderPeers);
      const got = outcome(s, e);
      if (e.error?.startsWith("panic:")) {
        // Go panics on a negative count; we refuse it with a typed error instead.
        expect(got.owners).toBeNull();
        expect(got.error).toMatch(/non-negative/);
        expect(() => s.lookup(BigInt(e.key), e.n, opOf(e.op))).toThrow(expect.objectContaining({ code: "ckit.bad_argument" }));
        continue;
      }
      expect(got, `${e.algorithm} ${e.nodeSet} ${e.op} n=${e.n}`).toEqual({ owners: e.owners ?? null, error: e.error ?? null });
    }
  });

  it("error codes are stable", () => {
    const s = ring(platform, 16);
    s.setPeers(peersOf("3-all-participant"));
    expect(() => s.lookup(1n, 4, 0)).toThrow(expect.objectContaining({ code: "ckit.not_enough_nodes", message: "not enough nodes: need at least 4, have 3" }));
    expect(() => s.lookup(1n, 1, 7)).toThrow(expect.objectContaining({ code: "ckit.unknown_op", message: "unknown op Op(7)" }));
    expect(() => s.lookup(-1n, 1, 0)).toThrow(expect.objectContaining({ code: "ckit.bad_argument" }));
    expect(() => s.lookup(1n << 64n, 1, 0)).toThrow(expect.objectContaining({ code: "ckit.bad_argument" }));
    expect(() => ring(platform, 0)).toThrow(expect.objectContaining({ code: "ckit.bad_argument" }));
  });

  it("agrees with the naive reference on random node sets and keys", () => {
    const algos: Algorithm[] = [{ kind: "ring", tokens: 7 }, { kind: "ring", tokens: 300 }, { kind: "rendezvous" }, { kind: "multiprobe" }];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 12, maxLength: 12 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 3 }),
        (names, states, key, algoIdx) => {
          const peers: Peer[] = names.map((name, i) => ({ name, addr: "", self: false, state: states[i]! }));
          const algo = algos[algoIdx]!;
          const s = algo.kind === "ring" ? ring(platform, algo.tokens) : algo.kind === "rendezvous" ? rendezvous(platform) : multiprobe(platform);
          s.setPeers(peers);
          for (const op of [0, 1]) {
            for (let n = 0; n <= 4; n++) {
              const want = referenceLookup(algo, peers, key, n, op);
              let got: string[] | string;
              try {
                got = s.lookup(key, n, op).map((p) => p.name);
              } catch (err) {
                got = (err as Error).message;
              }
              expect(got).toEqual(want);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("token index", () => {
  it("finds the same lower bound as a binary search, at bucket edges too", async () => {
    const { TokenIndex, lowerBound } = await import("../../src/ckit/shard/hash.ts");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0x0fffffff, 0x10000000, 0xfffffffe, 0xffffffff)), fc.nat({ max: 0xffffffff })), { maxLength: 300 }),
        fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), { maxLength: 30 }),
        (toks, probes) => {
          const sorted = [...toks].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          const hi = Uint32Array.from(sorted.map((t) => t[0]));
          const lo = Uint32Array.from(sorted.map((t) => t[1]));
          const idx = new TokenIndex(hi, lo);
          for (const [h, l] of [...probes, ...sorted, ...sorted.map(([h2, l2]) => [h2, (l2 + 1) >>> 0] as [number, number])]) {
            expect(idx.lowerBound(h, l)).toBe(lowerBound(hi, lo, h, l));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
