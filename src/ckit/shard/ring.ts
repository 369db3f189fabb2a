// Ring(numTokens): ckit's token ring (docs/protocols/ckit.md §5.1). Token t of a node is the XXH64
// of the cumulative bytes name ‖ 00 ‖ 01 ‖ … ‖ byte(t) (one running digest read after each byte, so
// with more than 256 tokens the byte wraps). Tokens sort by (token, name). A lookup starts at the first
// token >= key (wrapping to 0) and walks forward collecting distinct nodes.
//
// Token generation uses the hot path's batch hash: the bytes name ‖ 00 01 … are written once into the
// input window and token t is the hash of its prefix of length |name| + t + 1, so one xxh64Frames call
// hashes a whole node. Tokens are cached per name, so a membership change rehashes only new names.
// Lookups find the first token >= key through a bucket table (TokenIndex) instead of a binary search.
import type { Hotpath } from "../../hotpath/index.ts";
import { sortTokens, TokenIndex, type ConsistentHash, type HashNode } from "./hash.ts";

const enc = new TextEncoder();

export class RingHash<T extends HashNode> implements ConsistentHash<T> {
  readonly numTokens: number;
  #hot: Hotpath;
  #nodes: T[] = [];
  #index = new TokenIndex(new Uint32Array(0), new Uint32Array(0));
  #owner = new Uint32Array(0);
  /** Per-lookup "already chosen" marks: node i is taken when #seen[i] === #gen. */
  #seen = new Uint32Array(0);
  #gen = 0;
  #cache = new Map<string, BigUint64Array>();

  constructor(numTokens: number, hot: Hotpath) {
    this.numTokens = numTokens;
    this.#hot = hot;
  }

  get size(): number {
    return this.#nodes.length;
  }

  setNodes(nodes: readonly T[]): void {
    const k = this.numTokens;
    const total = nodes.length * k;
    const hi = new Uint32Array(total);
    const lo = new Uint32Array(total);
    const owner = new Uint32Array(total);
    const cache = new Map<string, BigUint64Array>();
    nodes.forEach((node, i) => {
      const toks = this.#cache.get(node.name) ?? this.#tokens(node.name);
      cache.set(node.name, toks);
      for (let t = 0; t < k; t++) {
        const v = toks[t]!;
        hi[i * k + t] = Number(v >> 32n);
        lo[i * k + t] = Number(v & 0xffffffffn);
        owner[i * k + t] = i;
      }
    });
    const order = sortTokens(hi, lo, owner);
    this.#index = new TokenIndex(order.map((j) => hi[j]!), order.map((j) => lo[j]!));
    this.#owner = order.map((j) => owner[j]!);
    this.#nodes = [...nodes];
    this.#seen = new Uint32Array(nodes.length);
    this.#gen = 0;
    this.#cache = cache;
  }

  /** The numTokens cumulative digests of one name. */
  #tokens(name: string): BigUint64Array {
    const hot = this.#hot;
    const nameBytes = enc.encode(name);
    const k = this.numTokens;
    const out = new BigUint64Array(k);
    const win = hot.input(nameBytes.length + k);
    win.set(nameBytes, 0);
    for (let t = 0; t < k; t++) win[nameBytes.length + t] = t & 0xff;
    const pairs = hot.pairs();
    for (let start = 0; start < k; start += hot.maxPairs) {
      const count = Math.min(hot.maxPairs, k - start);
      for (let j = 0; j < count; j++) {
        pairs[2 * j] = 0;
        pairs[2 * j + 1] = nameBytes.length + start + j + 1;
      }
      out.set(hot.xxh64Frames(count), start);
    }
    return out;
  }

  get(kHi: number, kLo: number, n: number): T[] {
    const index = this.#index;
    const len = index.hi.length;
    let idx = index.lowerBound(kHi, kLo);
    if (idx === len) idx = 0;
    const owner = this.#owner;
    const nodes = this.#nodes;
    if (n === 1) return [nodes[owner[idx]!]!];
    const seen = this.#seen;
    let gen = ++this.#gen;
    if (gen === 0xffffffff) {
      seen.fill(0);
      this.#gen = gen = 1;
    }
    const res: T[] = [];
    while (res.length < n) {
      const o = owner[idx]!;
      if (seen[o] !== gen) {
        seen[o] = gen;
        res.push(nodes[o]!);
      }
      if (++idx === len) idx = 0;
    }
    return res;
  }
}
