// ckit shard placement (issue 9, benchmarks): lookups per second for Ring(128), Ring(512), Rendezvous and
// Multiprobe over 100 participant nodes, each against a naive scan of the same algorithm measured in the
// same run (BigInt arithmetic, tokens precomputed, a linear scan instead of a binary search or the
// typed-array mixing). Goal: Ring >= 5 M lookups/s at 100 nodes. Keys are 4096 fixed random uint64s.
import { multiprobe, rendezvous, ring, type Peer, type Sharder } from "../src/ckit/index.ts";
import { xxh64 } from "../src/hotpath/index.ts";
import { createPlatformHotpath, simPlatform } from "../src/platform/index.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
import { ringTokens } from "../test/ckit/shard-reference.ts";
import type { Measurement, Reporter } from "./report.ts";
import { medianOps } from "./report.ts";

const NODES = 100;
const KEYS = 4096;
const M64 = (1n << 64n) - 1n;
const enc = new TextEncoder();

function keys(): bigint[] {
  let x = 0x9e3779b97f4a7c15n;
  const out: bigint[] = [];
  for (let i = 0; i < KEYS; i++) {
    x ^= x << 13n;
    x &= M64;
    x ^= x >> 7n;
    x ^= x << 17n;
    x &= M64;
    out.push(x);
  }
  return out;
}

/** Naive lookups: precomputed BigInt tokens/weights, linear scans. */
function naive(kind: "ring128" | "ring512" | "rendezvous" | "multiprobe", names: string[]): (key: bigint) => string {
  if (kind === "ring128" || kind === "ring512") {
    const toks = ringTokens(names, kind === "ring128" ? 128 : 512);
    return (key) => {
      for (const t of toks) if (t.t >= key) return t.name;
      return toks[0]!.name;
    };
  }
  const w = names.map((name) => ({ name, t: xxh64(enc.encode(name)) }));
  if (kind === "rendezvous") {
    return (key) => {
      let best = "";
      let bestS = M64 + 1n;
      for (const n of w) {
        let x = key ^ n.t;
        x ^= x >> 12n;
        x = (x ^ (x << 25n)) & M64;
        x ^= x >> 27n;
        x = (x * 2685821657736338717n) & M64;
        if (x < bestS) {
          bestS = x;
          best = n.name;
        }
      }
      return best;
    };
  }
  const toks = [...w].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const hx = (k: bigint) => xxh64(enc.encode(k.toString(16)));
  return (key) => {
    const h1 = hx(key);
    const h2 = hx(h1);
    let best = 0;
    let bestD = M64;
    for (let k = 0n; k < 21n; k++) {
      const h = (h1 + k * h2) & M64;
      let f = toks.findIndex((t) => t.t >= h);
      if (f < 0) f = toks.length;
      const a = f === 0 ? toks.length - 1 : f - 1;
      const b = f % toks.length;
      const d = (v: bigint) => (v < h ? h - v : v - h);
      const [i, dd] = d(toks[a]!.t) <= d(toks[b]!.t) ? [a, d(toks[a]!.t)] : [b, d(toks[b]!.t)];
      if (dd < bestD) {
        best = i;
        bestD = dd;
      }
    }
    return toks[best]!.name;
  };
}

/**
 * Prints with the reporter's grouped API when it has one: table(group, title, rows, hib = true) declares
 * three parameters before its default, the older table(title, rows, hib = true) two.
 */
export function emit(r: Reporter, group: string, title: string, rows: Measurement[], higherIsBetter = true): void {
  const t = r.table as unknown as (...a: unknown[]) => void;
  if (t.length >= 3) t.call(r, group, title, rows, higherIsBetter);
  else t.call(r, title, rows, higherIsBetter);
}

export async function run(r: Reporter): Promise<void> {
  const names = Array.from({ length: NODES }, (_, i) => `node-${String(i).padStart(3, "0")}`);
  const peers: Peer[] = names.map((name, i) => ({ name, addr: `10.0.${i >> 8}.${i & 255}:7946`, self: false, state: 1 }));
  const ks = keys();
  const wasm = simPlatform({ wasm: hotpathModule() });
  const ts = { ...simPlatform(), hotpath: createPlatformHotpath(null) };
  const cases: { label: string; make: () => Sharder; naiveKind: Parameters<typeof naive>[0]; n?: number }[] = [
    { label: "Ring(128)", make: () => ring(wasm, 128), naiveKind: "ring128" },
    { label: "Ring(512)", make: () => ring(wasm, 512), naiveKind: "ring512" },
    { label: "Ring(512) n=3", make: () => ring(wasm, 512), naiveKind: "ring512", n: 3 },
    { label: "Rendezvous", make: () => rendezvous(wasm), naiveKind: "rendezvous" },
    { label: "Multiprobe (wasm xxh64)", make: () => multiprobe(wasm), naiveKind: "multiprobe" },
    { label: "Multiprobe (ts xxh64)", make: () => multiprobe(ts), naiveKind: "multiprobe" },
  ];
  const rows: Measurement[] = [];
  for (const c of cases) {
    const s = c.make();
    s.setPeers(peers);
    const n = c.n ?? 1;
    const nv = naive(c.naiveKind, names);
    // Same answers as the naive scan (first owner), so the comparison is fair.
    for (let i = 0; i < 64; i++) if (s.lookup(ks[i]!, 1, 0)[0]!.name !== nv(ks[i]!)) throw new Error(`${c.label}: disagrees with the naive scan`);
    let sink = 0;
    const fast = medianOps(() => {
      for (let i = 0; i < KEYS; i++) sink += s.lookup(ks[i]!, n, 0).length;
      return sink;
    }, KEYS);
    const naiveKeys = c.naiveKind === "multiprobe" || c.naiveKind === "ring512" ? 256 : 1024;
    const slow = medianOps(
      () => {
        for (let i = 0; i < naiveKeys; i++) sink += nv(ks[i]!).length;
        return sink;
      },
      naiveKeys,
      3,
      200,
    );
    rows.push({ name: `${c.label}, 100 nodes`, unit: "lookups/s", value: fast, baseline: "naive scan", baselineValue: slow });
  }
  emit(r, "ckit shard lookups 100 nodes", "ckit shard lookups, 100 participant nodes (goal: Ring >= 5e6/s)", rows);
  const kb = wasm.hotpath.for("xxh64");
  const strs = Array.from({ length: 1024 }, (_, i) => `tenant-${i}/series/${i * 7919}`);
  const bytes = strs.map((s) => enc.encode(s));
  let sink = 0n;
  const wasmKeys = medianOps(() => {
    for (const b of bytes) sink ^= kb.xxh64(b);
    return Number(sink & 1n);
  }, bytes.length);
  const tsKeys = medianOps(() => {
    for (const b of bytes) sink ^= ts.hotpath.for("xxh64").xxh64(b);
    return Number(sink & 1n);
  }, bytes.length);
  emit(r, "ckit string keys", "ckit StringKey (XXH64 of ~30-byte strings)", [
    { name: "StringKey, wasm hot path", unit: "keys/s", value: wasmKeys, baseline: "TS twin", baselineValue: tsKeys },
  ]);
}
