// Longest-prefix-match lookup kernels (data plane). The table is built and updated by the TypeScript
// control plane (src/hotpath/lpm-core.ts) directly in this instance's linear memory; Wasm only reads it.
// One LpmTable owns one instance: the arena starts where the stub allocator stopped (lpmArenaBase) and
// nothing else in that instance may allocate afterwards.
//
// Layout (byte pointers, little-endian; identical in the TS twin, see src/hotpath/lpm-layout.ts):
//   root (per family):  u32 D[65536] indexed by the top 16 address bits, then u32 isNode[2048] bitmap.
//                       isNode bit clear: D[s] is the route value (leaf-pushed); set: D[s] points to a node.
//   normal node (24 B): u64 vec (bit i: slot i is a child), u64 leafvec (bit i: a new leaf run starts at
//                       leaf slot i), u32 cbase (children, 24 B each, in slot order), u32 lbase (u32 leaves).
//                       A node covers 6 address bits; the last one (v4 depth 28, v6 depth 124) covers 4
//                       bits followed by 2 zero bits.
//   skip node (24 B):   u64 wantHi, u64 wantLo (the address prefix, masked to nd bits), u32 ctl =
//                       0x80000000 | (nd - 1) << 24 | child >> 3, u32 default. If the key's first nd bits
//                       equal want, continue at child (a node at depth nd), else the answer is `default`.
//   terminal:           a skip node with child 0 for a subtree holding one prefix (nd = its length): on a
//                       match the answer is its value, held in the unused wantLo (u32 at +8) when nd <= 64
//                       or for IPv4, else in a seventh word (u32 at +24; such nodes are never array
//                       children, they hang off D or off a skip node).
//   The address as a 128-bit number: hi = bits 0..63, lo = bits 64..127; IPv4 keys are hi = key << 32.

// Byte pointers of the family roots; 0 while a family holds no prefix (every lookup is NO_ROUTE).
let root4: usize = 0;
let root6: usize = 0;

const SKIP: u32 = 0x80000000;
const NO_ROUTE: u32 = 0xffffffff;

/** First free byte of this instance (16-aligned); the LPM arena starts here. */
export function lpmArenaBase(): usize {
  const p = heap.alloc(16);
  return (p + 16 + 15) & ~(<usize>15);
}

export function lpmSetRoots(r4: usize, r6: usize): void {
  root4 = r4;
  root6 = r6;
}

// @ts-ignore: decorator
@inline function leafOf(p: usize, bit: u64): u32 {
  const lv = load<u64>(p, 8);
  const rank = <usize>popcnt<u64>(lv & ((bit << 1) - 1));
  return load<u32>(<usize>load<u32>(p, 20) + (rank << 2) - 4);
}

// @ts-ignore: decorator
@inline function walk4(p: usize, key: u32): u32 {
  let d: u32 = 16;
  while (true) {
    const ctl = load<u32>(p, 16);
    if (ctl & SKIP) {
      const nd = ((ctl >>> 24) & 127) + 1;
      if (((key ^ load<u32>(p, 4)) >>> (32 - nd)) != 0) return load<u32>(p, 20);
      const next = <usize>(ctl & 0xffffff) << 3;
      if (next == 0) return load<u32>(p, 8); // terminal
      p = next;
      d = nd;
      continue;
    }
    const idx = d == 28 ? (key << 2) & 63 : (key >>> (26 - d)) & 63;
    const vec = load<u64>(p);
    const bit = <u64>1 << <u64>idx;
    if (vec & bit) {
      p = <usize>ctl + <usize>popcnt<u64>(vec & (bit - 1)) * 24;
      d += 6;
      continue;
    }
    return leafOf(p, bit);
  }
  return 0; // unreachable
}

// @ts-ignore: decorator
@inline function walk6(p: usize, hi: u64, lo: u64): u32 {
  let d: u32 = 16;
  while (true) {
    const ctl = load<u32>(p, 16);
    if (ctl & SKIP) {
      const nd = ((ctl >>> 24) & 127) + 1;
      let diff: u64;
      if (nd <= 64) diff = (hi ^ load<u64>(p)) >> <u64>(64 - nd);
      else diff = (hi ^ load<u64>(p)) | ((lo ^ load<u64>(p, 8)) >> <u64>(128 - nd));
      if (diff != 0) return load<u32>(p, 20);
      const next = <usize>(ctl & 0xffffff) << 3;
      if (next == 0) return nd <= 64 ? load<u32>(p, 8) : load<u32>(p, 24); // terminal
      p = next;
      d = nd;
      continue;
    }
    let idx: u64;
    if (d < 64) idx = (hi >> <u64>(58 - d)) & 63;
    else if (d < 124) idx = (lo >> <u64>(122 - d)) & 63;
    else idx = (lo << 2) & 63;
    const vec = load<u64>(p);
    const bit = <u64>1 << idx;
    if (vec & bit) {
      p = <usize>ctl + <usize>popcnt<u64>(vec & (bit - 1)) * 24;
      d += 6;
      continue;
    }
    return leafOf(p, bit);
  }
  return 0; // unreachable
}

// @ts-ignore: decorator
@inline function find4(key: u32): u32 {
  const s = <usize>(key >>> 16);
  const e = load<u32>(root4 + (s << 2));
  if (((load<u32>(root4 + 262144 + ((s >>> 5) << 2)) >>> <u32>(s & 31)) & 1) == 0) return e;
  return walk4(<usize>e, key);
}

// @ts-ignore: decorator
@inline function find6(hi: u64, lo: u64): u32 {
  const s = <usize>(hi >>> 48);
  const e = load<u32>(root6 + (s << 2));
  if (((load<u32>(root6 + 262144 + ((s >>> 5) << 2)) >>> <u32>(s & 31)) & 1) == 0) return e;
  return walk6(<usize>e, hi, lo);
}

/** IPv4 lookup; key is the address as a u32 (10.0.0.1 = 0x0a000001). */
export function lpmLookup4(key: u32): u32 {
  if (root4 == 0) return NO_ROUTE;
  return find4(key);
}

/** IPv6 lookup; w0..w3 are the address's four big-endian 32-bit words (w0 = bits 0..31). */
export function lpmLookup6(w0: u32, w1: u32, w2: u32, w3: u32): u32 {
  if (root6 == 0) return NO_ROUTE;
  return find6((<u64>w0 << 32) | <u64>w1, (<u64>w2 << 32) | <u64>w3);
}

/** out[i] = lookup4(keys[i]) for n u32 keys. */
export function lpmLookupBatch4(keys: usize, out: usize, n: u32): void {
  const end = keys + (<usize>n << 2);
  if (root4 == 0) {
    memory.fill(out, 0xff, <usize>n << 2);
    return;
  }
  while (keys < end) {
    store<u32>(out, find4(load<u32>(keys)));
    keys += 4;
    out += 4;
  }
}

/** out[i] = lookup6(key i) for n keys of four u32 words each (same word order as lpmLookup6). */
export function lpmLookupBatch6(keys: usize, out: usize, n: u32): void {
  const end = keys + (<usize>n << 4);
  if (root6 == 0) {
    memory.fill(out, 0xff, <usize>n << 2);
    return;
  }
  while (keys < end) {
    const hi = (<u64>load<u32>(keys) << 32) | <u64>load<u32>(keys, 4);
    const lo = (<u64>load<u32>(keys, 8) << 32) | <u64>load<u32>(keys, 12);
    store<u32>(out, find6(hi, lo));
    keys += 16;
    out += 4;
  }
}
