// Pure-TypeScript lookup kernels over the LPM layout (the twin of assembly/lpm.ts; the layout is
// described there). `m` is the table's word view, `root` the byte pointer of the family's root
// (D[65536] then the isNode bitmap). JS has no 64-bit popcount, so 64-bit vectors are two u32 halves.
import { SKIP_FLAG, wordMask } from "./lpm-build.ts";

export function pop32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Rank of slot idx among the set bits of (lo, hi) below idx (inclusive when `incl`). */
function rank(lo: number, hi: number, idx: number, incl: number): number {
  const k = idx + incl; // number of low bits to count
  if (k <= 32) return k === 0 ? 0 : pop32(lo & (0xffffffff >>> (32 - k)));
  return pop32(lo) + pop32(hi & (0xffffffff >>> (64 - k)));
}

/** Leaf value of slot idx of the normal node at word p. */
function leaf(m: Uint32Array, p: number, idx: number): number {
  return m[(m[p + 5]! >>> 2) + rank(m[p + 2]!, m[p + 3]!, idx, 1) - 1]!;
}

export function tsLookup4(m: Uint32Array, root: number, key: number): number {
  if (root === 0) return 0xffffffff;
  const r = root >>> 2;
  const s = key >>> 16;
  const e = m[r + s]!;
  if (((m[r + 65536 + (s >>> 5)]! >>> (s & 31)) & 1) === 0) return e;
  let p = e >>> 2;
  let d = 16;
  for (;;) {
    const ctl = m[p + 4]!;
    if (ctl >= SKIP_FLAG) {
      const nd = ((ctl >>> 24) & 127) + 1;
      if (((key ^ m[p + 1]!) & wordMask(nd)) !== 0) return m[p + 5]!;
      if ((ctl & 0xffffff) === 0) return m[p + 2]!; // terminal
      p = (ctl & 0xffffff) << 1;
      d = nd;
      continue;
    }
    const idx = d === 28 ? (key << 2) & 63 : (key >>> (26 - d)) & 63;
    const lo = m[p]!;
    const hi = m[p + 1]!;
    if (((idx < 32 ? lo >>> idx : hi >>> (idx - 32)) & 1) !== 0) {
      p = (ctl >>> 2) + 6 * rank(lo, hi, idx, 0);
      d += 6;
      continue;
    }
    return leaf(m, p, idx);
  }
}

export function tsLookup6(m: Uint32Array, root: number, w0: number, w1: number, w2: number, w3: number): number {
  if (root === 0) return 0xffffffff;
  const r = root >>> 2;
  const s = w0 >>> 16;
  const e = m[r + s]!;
  if (((m[r + 65536 + (s >>> 5)]! >>> (s & 31)) & 1) === 0) return e;
  let p = e >>> 2;
  let d = 16;
  for (;;) {
    const ctl = m[p + 4]!;
    if (ctl >= SKIP_FLAG) {
      const nd = ((ctl >>> 24) & 127) + 1;
      // want words: a1 a0 a3 a2 (two little-endian u64)
      if (
        (((w0 ^ m[p + 1]!) & wordMask(nd)) |
          ((w1 ^ m[p]!) & wordMask(nd - 32)) |
          ((w2 ^ m[p + 3]!) & wordMask(nd - 64)) |
          ((w3 ^ m[p + 2]!) & wordMask(nd - 96))) !== 0
      ) {
        return m[p + 5]!;
      }
      if ((ctl & 0xffffff) === 0) return nd <= 64 ? m[p + 2]! : m[p + 6]!; // terminal
      p = (ctl & 0xffffff) << 1;
      d = nd;
      continue;
    }
    // 6 bits at offset d; IPv6 levels never straddle a 64-bit half, but they do straddle u32 words
    const i = d >>> 5;
    const o = d & 31;
    const a = i === 0 ? w0 : i === 1 ? w1 : i === 2 ? w2 : w3;
    let x = a << o;
    if (o > 26 && i < 3) x |= (i === 0 ? w1 : i === 1 ? w2 : w3) >>> (32 - o);
    const idx = (x >>> 26) & 63;
    const lo = m[p]!;
    const hi = m[p + 1]!;
    if (((idx < 32 ? lo >>> idx : hi >>> (idx - 32)) & 1) !== 0) {
      p = (ctl >>> 2) + 6 * rank(lo, hi, idx, 0);
      d += 6;
      continue;
    }
    return leaf(m, p, idx);
  }
}
