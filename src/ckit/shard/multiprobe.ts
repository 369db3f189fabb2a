// Multiprobe(): ckit's multi-probe consistent hashing (Appleton & O'Reilly), docs/protocols/ckit.md §5.3.
// One token per node, XXH64(name), sorted by (token, name). For a key: h1 = XXH64 of the key's
// lowercase hex text (no padding, no 0x; 0 -> "0"), h2 = the same applied to h1; 21 probes at
// h1 + k*h2 (mod 2^64). Each probe looks at the first token >= h and the one before it (both wrap) and
// measures plain |token - h|, NOT distance around the ring; on equal distance the preceding token wins,
// and a later probe replaces the best only when strictly closer. Replicas are the next tokens in order.
import type { Hotpath } from "../../hotpath/index.ts";
import { HALVES, split } from "./u64.ts";
import { lowerBound, nameHash, sortTokens, type ConsistentHash, type HashNode } from "./hash.ts";

const PROBES = 21;
const HEX = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

export class MultiprobeHash<T extends HashNode> implements ConsistentHash<T> {
  #hot: Hotpath;
  #nodes: T[] = [];
  #hi = new Uint32Array(0);
  #lo = new Uint32Array(0);
  #owner = new Uint32Array(0);
  #cache = new Map<string, [number, number]>();

  constructor(hot: Hotpath) {
    this.#hot = hot;
  }

  get size(): number {
    return this.#nodes.length;
  }

  setNodes(nodes: readonly T[]): void {
    const n = nodes.length;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    const owner = new Uint32Array(n);
    const cache = new Map<string, [number, number]>();
    nodes.forEach((node, i) => {
      const w = this.#cache.get(node.name) ?? nameHash(this.#hot, node.name);
      cache.set(node.name, w);
      hi[i] = w[0];
      lo[i] = w[1];
      owner[i] = i;
    });
    const order = sortTokens(hi, lo, owner);
    this.#hi = order.map((j) => hi[j]!);
    this.#lo = order.map((j) => lo[j]!);
    this.#owner = order.map((j) => owner[j]!);
    this.#cache = cache;
    this.#nodes = [...nodes];
  }

  /** XXH64 of the lowercase hex text of (hi, lo), into HALVES. */
  #hexHash(hi: number, lo: number): void {
    const hot = this.#hot;
    const win = hot.input(16);
    let len = 0;
    let started = false;
    for (let i = 7; i >= 0; i--) {
      const d = (hi >>> (4 * i)) & 0xf;
      if (d !== 0 || started) {
        win[len++] = HEX[d]!;
        started = true;
      }
    }
    for (let i = 7; i >= 0; i--) {
      const d = (lo >>> (4 * i)) & 0xf;
      if (d !== 0 || started || i === 0) {
        win[len++] = HEX[d]!;
        started = true;
      }
    }
    split(hot.xxh64Window(0, len));
  }

  get(kHi: number, kLo: number, n: number): T[] {
    this.#hexHash(kHi, kLo);
    const h1Hi = HALVES[0]!;
    const h1Lo = HALVES[1]!;
    this.#hexHash(h1Hi, h1Lo);
    const h2Hi = HALVES[0]!;
    const h2Lo = HALVES[1]!;
    const hi = this.#hi;
    const lo = this.#lo;
    const len = hi.length;
    let bestIdx = 0;
    let bestHi = 0xffffffff;
    let bestLo = 0xffffffff;
    let hHi = h1Hi;
    let hLo = h1Lo;
    for (let k = 0; k < PROBES; k++) {
      if (k > 0) {
        // h += h2 (mod 2^64)
        const s = hLo + h2Lo;
        hLo = s >>> 0;
        hHi = (hHi + h2Hi + (s > 0xffffffff ? 1 : 0)) >>> 0;
      }
      const found = lowerBound(hi, lo, hHi, hLo);
      const a = found === 0 ? len - 1 : found - 1;
      const b = found === len ? 0 : found;
      // |token - h| for both candidates, as (hi, lo)
      let aH: number, aL: number, bH: number, bL: number;
      [aH, aL] = absDiff(hi[a]!, lo[a]!, hHi, hLo);
      [bH, bL] = absDiff(hi[b]!, lo[b]!, hHi, hLo);
      let idx = a;
      let dH = aH;
      let dL = aL;
      if (bH < aH || (bH === aH && bL < aL)) {
        idx = b;
        dH = bH;
        dL = bL;
      }
      // ckit starts from MaxUint64 and replaces only when strictly closer (a distance of exactly
      // 2^64-1 on the first probe therefore keeps index 0).
      if (dH < bestHi || (dH === bestHi && dL < bestLo)) {
        bestIdx = idx;
        bestHi = dH;
        bestLo = dL;
      }
    }
    const owner = this.#owner;
    const nodes = this.#nodes;
    const res: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) res[i] = nodes[owner[(bestIdx + i) % len]!]!;
    return res;
  }
}

const DIFF: [number, number] = [0, 0];

/** |a - b| of two uint64 values as (hi, lo) (a shared tuple: copy before the next call). */
function absDiff(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  if (aHi < bHi || (aHi === bHi && aLo < bLo)) {
    const t1 = aHi;
    const t2 = aLo;
    aHi = bHi;
    aLo = bLo;
    bHi = t1;
    bLo = t2;
  }
  let lo = aLo - bLo;
  let hi = aHi - bHi;
  if (lo < 0) {
    lo += 0x100000000;
    hi -= 1;
  }
  DIFF[0] = hi;
  DIFF[1] = lo;
  return DIFF;
}
