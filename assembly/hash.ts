// xxHash64 (reference XXH64, bit-exact; ckit shard keys). Twin: src/hotpath/xxh64.ts.
// The kernel is four independent 64-bit multiply chains; Wasm SIMD has no i64x2 multiply that beats
// scalar i64.mul on x64, so it stays scalar: Wasm's win here is native 64-bit math (JS has none) and data
// already resident in linear memory, hashed N messages per call.
//
// ABI (numbers and pointers only; pointers into this instance's linear memory; u64 is a JS BigInt):
//   xxh64(ptr, len, seed: u64) -> u64
//   xxh64Frames(base, baseLen, pairs, count, seed: u64, out) -> u32   u64 results at out + 8*i
//       (off, len) u32 pairs at pairs + 8*i relative to base; stops at the first pair outside
//       [base, base+baseLen) and returns its index (count when all were hashed).
//   xxh64StreamInit(state, seed: u64) / xxh64StreamUpdate(state, ptr, len) / xxh64StreamDigest(state) -> u64
//       incremental form (reference XXH64_reset/update/digest); `state` is XXH64_STATE_BYTES = 88 bytes:
//       v1..v4 u64 @0, total length u64 @32, buffered input @40 (32 bytes), buffered size u32 @72,
//       seed u64 @80. The digest does not modify the state (updates may continue).

// ---------------------------------------------------------------------------------------------- xxh64
const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P3: u64 = 0x165667b19e3779f9;
const P4: u64 = 0x85ebca77c2b2ae63;
const P5: u64 = 0x27d4eb2f165667c5;

// @ts-ignore: decorator
@inline function xround(acc: u64, input: u64): u64 {
  return rotl<u64>(acc + input * P2, 31) * P1;
}
// @ts-ignore: decorator
@inline function xmerge(acc: u64, val: u64): u64 {
  return (acc ^ xround(0, val)) * P1 + P4;
}

export function xxh64(ptr: usize, len: usize, seed: u64): u64 {
  let p = ptr;
  const end = ptr + len;
  let h: u64;
  if (len >= 32) {
    let v1 = seed + P1 + P2;
    let v2 = seed + P2;
    let v3 = seed;
    let v4 = seed - P1;
    const limit = end - 32;
    do {
      v1 = xround(v1, load<u64>(p));
      v2 = xround(v2, load<u64>(p, 8));
      v3 = xround(v3, load<u64>(p, 16));
      v4 = xround(v4, load<u64>(p, 24));
      p += 32;
    } while (p <= limit);
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = xmerge(h, v1);
    h = xmerge(h, v2);
    h = xmerge(h, v3);
    h = xmerge(h, v4);
  } else {
    h = seed + P5;
  }
  h += len as u64;
  return xxTail(h, p, end);
}

/** Consumes the last < 32 bytes [p, end) into h and applies the final avalanche. */
function xxTail(h: u64, p: usize, end: usize): u64 {
  while (end - p >= 8) {
    h ^= xround(0, load<u64>(p));
    h = rotl<u64>(h, 27) * P1 + P4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= (load<u32>(p) as u64) * P1;
    h = rotl<u64>(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= (load<u8>(p) as u64) * P5;
    h = rotl<u64>(h, 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

export function xxh64Frames(base: usize, baseLen: u32, pairs: usize, count: u32, seed: u64, out: usize): u32 {
  for (let i: u32 = 0; i < count; i++) {
    const off = load<u32>(pairs + ((i as usize) << 3));
    const len = load<u32>(pairs + ((i as usize) << 3), 4);
    if (off > baseLen || len > baseLen - off) return i;
    store<u64>(out + ((i as usize) << 3), xxh64(base + off, len, seed));
  }
  return count;
}

// ------------------------------------------------------------------------------------------ streaming
export function xxh64StreamInit(st: usize, seed: u64): void {
  store<u64>(st, seed + P1 + P2);
  store<u64>(st, seed + P2, 8);
  store<u64>(st, seed, 16);
  store<u64>(st, seed - P1, 24);
  store<u64>(st, 0, 32);
  store<u32>(st, 0, 72);
  store<u64>(st, seed, 80);
}

// @ts-ignore: decorator
@inline function xstripe(st: usize, p: usize): void {
  store<u64>(st, xround(load<u64>(st), load<u64>(p)));
  store<u64>(st, xround(load<u64>(st, 8), load<u64>(p, 8)), 8);
  store<u64>(st, xround(load<u64>(st, 16), load<u64>(p, 16)), 16);
  store<u64>(st, xround(load<u64>(st, 24), load<u64>(p, 24)), 24);
}

export function xxh64StreamUpdate(st: usize, ptr: usize, len: usize): void {
  store<u64>(st, load<u64>(st, 32) + (len as u64), 32);
  const mem = st + 40;
  let memSize = load<u32>(st, 72) as usize;
  if (memSize + len < 32) {
    memory.copy(mem + memSize, ptr, len);
    store<u32>(st, (memSize + len) as u32, 72);
    return;
  }
  let p = ptr;
  const end = ptr + len;
  if (memSize > 0) {
    memory.copy(mem + memSize, p, 32 - memSize);
    p += 32 - memSize;
    xstripe(st, mem);
    memSize = 0;
  }
  let v1 = load<u64>(st), v2 = load<u64>(st, 8), v3 = load<u64>(st, 16), v4 = load<u64>(st, 24);
  while (end - p >= 32) {
    v1 = xround(v1, load<u64>(p));
    v2 = xround(v2, load<u64>(p, 8));
    v3 = xround(v3, load<u64>(p, 16));
    v4 = xround(v4, load<u64>(p, 24));
    p += 32;
  }
  store<u64>(st, v1);
  store<u64>(st, v2, 8);
  store<u64>(st, v3, 16);
  store<u64>(st, v4, 24);
  memory.copy(mem, p, end - p);
  store<u32>(st, (end - p) as u32, 72);
}

export function xxh64StreamDigest(st: usize): u64 {
  const total = load<u64>(st, 32);
  let h: u64;
  if (total >= 32) {
    const v1 = load<u64>(st), v2 = load<u64>(st, 8), v3 = load<u64>(st, 16), v4 = load<u64>(st, 24);
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = xmerge(h, v1);
    h = xmerge(h, v2);
    h = xmerge(h, v3);
    h = xmerge(h, v4);
  } else {
    h = load<u64>(st, 80) + P5;
  }
  h += total;
  const mem = st + 40;
  return xxTail(h, mem, mem + (load<u32>(st, 72) as usize));
}
