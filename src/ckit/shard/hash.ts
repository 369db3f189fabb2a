// The consistent-hash contract the three algorithms share (docs/protocols/ckit.md §5.4): a node set
// (sorted by name, names unique) and get(key, n) -> n distinct owners. Keys arrive as (hi, lo) halves.
import type { Hotpath } from "../../hotpath/index.ts";

export interface HashNode {
  readonly name: string;
}

export interface ConsistentHash<T extends HashNode> {
  /** Replaces the node set. `nodes` is sorted by name (Go byte order) and has no duplicate names. */
  setNodes(nodes: readonly T[]): void;
  /** Nodes in the set. */
  readonly size: number;
  /** The n owners of key (hi, lo); 1 <= n <= size (the caller checks). */
  get(hi: number, lo: number, n: number): T[];
}

const enc = new TextEncoder();

/** xxHash64 of a node name as (hi, lo) halves. */
export function nameHash(hot: Hotpath, name: string): [number, number] {
  const v = hot.xxh64(enc.encode(name));
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

/**
 * Sorts token indexes by (token, then node index): node indexes follow name order, so ties go to the
 * lexicographically smaller name, as in ckit.
 */
export function sortTokens(hi: Uint32Array, lo: Uint32Array, owner: Uint32Array): Uint32Array {
  const n = hi.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => (hi[a]! !== hi[b]! ? hi[a]! - hi[b]! : lo[a]! !== lo[b]! ? lo[a]! - lo[b]! : owner[a]! - owner[b]!));
  return idx;
}

/** First index i in sorted (hi, lo) with token[i] >= key, or length when none. */
export function lowerBound(hi: Uint32Array, lo: Uint32Array, kHi: number, kLo: number): number {
  let a = 0;
  let b = hi.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    const h = hi[m]!;
    if (h < kHi || (h === kHi && lo[m]! < kLo)) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * A lower-bound search over sorted (hi, lo) tokens with a bucket table on the top bits of hi: the key's
 * bucket gives the range to look in (about one token on average), so a lookup costs a table read and a
 * short scan instead of a full binary search.
 */
export class TokenIndex {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly #shift: number;
  /** start[b] = first token index whose bucket is >= b; start[buckets] = length. */
  readonly #start: Uint32Array;

  constructor(hi: Uint32Array, lo: Uint32Array) {
    this.hi = hi;
    this.lo = lo;
    const n = hi.length;
    const bits = Math.min(16, Math.max(4, Math.ceil(Math.log2(Math.max(2, n)))));
    this.#shift = 32 - bits;
    const buckets = 1 << bits;
    const start = new Uint32Array(buckets + 1);
    let i = 0;
    for (let b = 0; b <= buckets; b++) {
      while (i < n && hi[i]! >>> this.#shift < b) i++;
      start[b] = i;
    }
    this.#start = start;
  }

  /** First index with token >= (kHi, kLo), or length when none. */
  lowerBound(kHi: number, kLo: number): number {
    const b = kHi >>> this.#shift;
    let i = this.#start[b]!;
    const end = this.#start[b + 1]!;
    const hi = this.hi;
    const lo = this.lo;
    while (i < end) {
      const h = hi[i]!;
      if (h > kHi || (h === kHi && lo[i]! >= kLo)) return i;
      i++;
    }
    return end;
  }
}
