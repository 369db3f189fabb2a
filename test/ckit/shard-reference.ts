// A naive, obviously-correct shard reference written straight from docs/protocols/ckit.md: BigInt
// arithmetic, full sorts and linear scans, no caching. Used as the oracle of the property tests and as
// the "naive scan" baseline of bench/ckit.bench.ts.
import { xxh64 } from "../../src/hotpath/index.ts";
import { compareNames, type Peer } from "../../src/ckit/index.ts";

export type Algorithm = { kind: "ring"; tokens: number } | { kind: "rendezvous" } | { kind: "multiprobe" };

const M64 = (1n << 64n) - 1n;
const enc = new TextEncoder();

function eligible(peers: readonly Peer[], op: number): string[] {
  const names = new Map<string, Peer>();
  for (const p of peers) if (p.state === 1 || p.state === 2) names.set(p.name, p);
  return [...names.values()].filter((p) => (op === 0 ? true : p.state === 1)).map((p) => p.name).sort(compareNames);
}

function tokenCmp(a: { t: bigint; name: string }, b: { t: bigint; name: string }): number {
  return a.t < b.t ? -1 : a.t > b.t ? 1 : compareNames(a.name, b.name);
}

export function ringTokens(names: string[], k: number): { t: bigint; name: string }[] {
  const toks: { t: bigint; name: string }[] = [];
  for (const name of names) {
    const nb = enc.encode(name);
    const buf = new Uint8Array(nb.length + k);
    buf.set(nb);
    for (let t = 0; t < k; t++) {
      buf[nb.length + t] = t & 0xff;
      toks.push({ t: xxh64(buf.subarray(0, nb.length + t + 1)), name });
    }
  }
  return toks.sort(tokenCmp);
}

function mix(x: bigint): bigint {
  x ^= x >> 12n;
  x = (x ^ (x << 25n)) & M64;
  x ^= x >> 27n;
  return (x * 2685821657736338717n) & M64;
}

const hexKey = (k: bigint) => xxh64(enc.encode(k.toString(16)));

/** Owner names, or ckit's error text. Recomputes everything on every call (that is the point). */
export function referenceLookup(algo: Algorithm, peers: readonly Peer[], key: bigint, n: number, op: number): string[] | string {
  const names = eligible(peers, op);
  if (n > names.length) return `not enough nodes: need at least ${n}, have ${names.length}`;
  if (n === 0) return [];
  if (algo.kind === "ring") {
    const toks = ringTokens(names, algo.tokens);
    let i = toks.findIndex((x) => x.t >= key);
    if (i < 0) i = 0;
    const out: string[] = [];
    while (out.length < n) {
      if (!out.includes(toks[i]!.name)) out.push(toks[i]!.name);
      i = (i + 1) % toks.length;
    }
    return out;
  }
  if (algo.kind === "rendezvous") {
    return names
      .map((name) => ({ t: mix(key ^ xxh64(enc.encode(name))), name }))
      .sort(tokenCmp)
      .slice(0, n)
      .map((x) => x.name);
  }
  const toks = names.map((name) => ({ t: xxh64(enc.encode(name)), name })).sort(tokenCmp);
  const h1 = hexKey(key);
  const h2 = hexKey(h1);
  let best = 0;
  let bestDist = M64;
  for (let k = 0n; k < 21n; k++) {
    const h = (h1 + k * h2) & M64;
    let found = toks.findIndex((x) => x.t >= h);
    if (found < 0) found = toks.length;
    const a = found === 0 ? toks.length - 1 : found - 1;
    const b = found % toks.length;
    const dist = (x: bigint) => (x < h ? h - x : x - h);
    const da = dist(toks[a]!.t);
    const db = dist(toks[b]!.t);
    const [idx, d] = da <= db ? [a, da] : [b, db];
    if (d < bestDist) {
      best = idx;
      bestDist = d;
    }
  }
  return Array.from({ length: n }, (_, i) => toks[(best + i) % toks.length]!.name);
}
