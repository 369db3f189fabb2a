// Rendezvous(): ckit's rendezvous hashing (docs/protocols/ckit.md §5.2). Each node has weight
// w = XXH64(name); a key scores every node with xorshiftMult64(key XOR w) (x ^= x>>12; x ^= x<<25;
// x ^= x>>27; x *= 2685821657736338717) and the n LOWEST scores own the key (ties by name). ckit's
// docs say "highest random weight", its code takes the lowest: we follow the code.
import type { Hotpath } from "../../hotpath/index.ts";
import { MUL, mul64 } from "./u64.ts";
import { nameHash, type ConsistentHash, type HashNode } from "./hash.ts";

// 2685821657736338717 = 0x2545F491_4F6CDD1D
const M_HI = 0x2545f491;
const M_LO = 0x4f6cdd1d;

export class RendezvousHash<T extends HashNode> implements ConsistentHash<T> {
  #hot: Hotpath;
  #nodes: T[] = [];
  #wHi = new Uint32Array(0);
  #wLo = new Uint32Array(0);
  #sHi = new Uint32Array(0);
  #sLo = new Uint32Array(0);
  #cache = new Map<string, [number, number]>();

  constructor(hot: Hotpath) {
    this.#hot = hot;
  }

  get size(): number {
    return this.#nodes.length;
  }

  setNodes(nodes: readonly T[]): void {
    const n = nodes.length;
    this.#wHi = new Uint32Array(n);
    this.#wLo = new Uint32Array(n);
    const cache = new Map<string, [number, number]>();
    nodes.forEach((node, i) => {
      const w = this.#cache.get(node.name) ?? nameHash(this.#hot, node.name);
      cache.set(node.name, w);
      this.#wHi[i] = w[0];
      this.#wLo[i] = w[1];
    });
    this.#cache = cache;
    this.#nodes = [...nodes];
    this.#sHi = new Uint32Array(n);
    this.#sLo = new Uint32Array(n);
  }

  get(kHi: number, kLo: number, n: number): T[] {
    const size = this.#nodes.length;
    const wHi = this.#wHi;
    const wLo = this.#wLo;
    const sHi = this.#sHi;
    const sLo = this.#sLo;
    for (let i = 0; i < size; i++) {
      let h = (kHi ^ wHi[i]!) >>> 0;
      let l = (kLo ^ wLo[i]!) >>> 0;
      // x ^= x >> 12
      l = (l ^ ((l >>> 12) | (h << 20))) >>> 0;
      h = (h ^ (h >>> 12)) >>> 0;
      // x ^= x << 25
      h = (h ^ ((h << 25) | (l >>> 7))) >>> 0;
      l = (l ^ (l << 25)) >>> 0;
      // x ^= x >> 27
      l = (l ^ ((l >>> 27) | (h << 5))) >>> 0;
      h = (h ^ (h >>> 27)) >>> 0;
      mul64(h, l, M_HI, M_LO);
      sHi[i] = MUL[0]!;
      sLo[i] = MUL[1]!;
    }
    const nodes = this.#nodes;
    if (n === 1) {
      let best = 0;
      for (let i = 1; i < size; i++) {
        // Strictly lower wins; on a tie the earlier (smaller) name stays.
        if (sHi[i]! < sHi[best]! || (sHi[i] === sHi[best] && sLo[i]! < sLo[best]!)) best = i;
      }
      return [nodes[best]!];
    }
    const order = Array.from({ length: size }, (_, i) => i);
    order.sort((a, b) => (sHi[a]! !== sHi[b]! ? sHi[a]! - sHi[b]! : sLo[a]! !== sLo[b]! ? sLo[a]! - sLo[b]! : a - b));
    const res: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) res[i] = nodes[order[i]!]!;
    return res;
  }
}
