// SHA-256 (FIPS 180-4), synchronous, and the Gravity schema hash V. Twins: src/hotpath/sha256.ts,
// src/hotpath/structhash.ts. One message at a time the compression function is a serial 32-bit chain
// (scalar; Wasm has no SHA instructions). Batches use SIMD where it pays: sha256Frames hashes groups of
// four messages with the same block count in the four i32x4 lanes at once (multi-buffer SHA-256).
//
// ABI (numbers and pointers only; pointers into this instance's linear memory):
//   sha256(ptr, len, out)                                  32-byte digest at out
//   sha256Frames(base, baseLen, pairs, count, out) -> u32  digests at out + 32*i; (off, len) u32 pairs at
//       pairs + 8*i relative to base; stops at the first pair outside [base, base+baseLen) and returns
//       its index (count when all were hashed)
//   structHashV(ptr, len) -> u32     byte 0 of SHA-256(ptr,len), 0 mapped to 1 (docs/protocols/gravity.md §3.1)

const SHA_K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const SHA_W: usize = memory.data(64 * 4, 16);
const SHA_H: usize = memory.data(8 * 4, 16);
const SHA_TAIL: usize = memory.data(128, 16);
const SHA_SCRATCH: usize = memory.data(32, 16);

function shaBlock(p: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u32>(SHA_W + (t << 2), bswap<u32>(load<u32>(p + (t << 2))));
  for (let t: usize = 16; t < 64; t++) {
    const x = load<u32>(SHA_W + ((t - 15) << 2));
    const y = load<u32>(SHA_W + ((t - 2) << 2));
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
    store<u32>(SHA_W + (t << 2), load<u32>(SHA_W + ((t - 16) << 2)) + s0 + load<u32>(SHA_W + ((t - 7) << 2)) + s1);
  }
  let a = load<u32>(SHA_H), b = load<u32>(SHA_H, 4), c = load<u32>(SHA_H, 8), d = load<u32>(SHA_H, 12);
  let e = load<u32>(SHA_H, 16), f = load<u32>(SHA_H, 20), g = load<u32>(SHA_H, 24), h = load<u32>(SHA_H, 28);
  for (let t: usize = 0; t < 64; t++) {
    const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
    const t1 = h + S1 + ((e & f) ^ (~e & g)) + load<u32>(SHA_K + (t << 2)) + load<u32>(SHA_W + (t << 2));
    const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
    const t2 = S0 + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(SHA_H, load<u32>(SHA_H) + a);
  store<u32>(SHA_H, load<u32>(SHA_H, 4) + b, 4);
  store<u32>(SHA_H, load<u32>(SHA_H, 8) + c, 8);
  store<u32>(SHA_H, load<u32>(SHA_H, 12) + d, 12);
  store<u32>(SHA_H, load<u32>(SHA_H, 16) + e, 16);
  store<u32>(SHA_H, load<u32>(SHA_H, 20) + f, 20);
  store<u32>(SHA_H, load<u32>(SHA_H, 24) + g, 24);
  store<u32>(SHA_H, load<u32>(SHA_H, 28) + h, 28);
}

export function sha256(ptr: usize, len: usize, out: usize): void {
  store<u32>(SHA_H, 0x6a09e667);
  store<u32>(SHA_H, 0xbb67ae85, 4);
  store<u32>(SHA_H, 0x3c6ef372, 8);
  store<u32>(SHA_H, 0xa54ff53a, 12);
  store<u32>(SHA_H, 0x510e527f, 16);
  store<u32>(SHA_H, 0x9b05688c, 20);
  store<u32>(SHA_H, 0x1f83d9ab, 24);
  store<u32>(SHA_H, 0x5be0cd19, 28);
  const full = len & ~(63 as usize);
  for (let p: usize = 0; p < full; p += 64) shaBlock(ptr + p);
  const rest = len - full;
  memory.fill(SHA_TAIL, 0, 128);
  memory.copy(SHA_TAIL, ptr + full, rest);
  store<u8>(SHA_TAIL + rest, 0x80);
  const tailLen: usize = rest < 56 ? 64 : 128;
  store<u64>(SHA_TAIL + tailLen - 8, bswap<u64>((len as u64) << 3));
  shaBlock(SHA_TAIL);
  if (tailLen == 128) shaBlock(SHA_TAIL + 64);
  for (let i: usize = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(SHA_H + (i << 2))));
}

export function structHashV(ptr: usize, len: usize): u32 {
  sha256(ptr, len, SHA_SCRATCH);
  const v = load<u8>(SHA_SCRATCH) as u32;
  return v == 0 ? 1 : v;
}

// ------------------------------------------------------------------------------ four lanes (i32x4)
const W4: usize = memory.data(64 * 16, 16);
const TAIL4: usize = memory.data(4 * 128, 16);
const ST4: usize = memory.data(8 * 16, 16);
/** Per lane: data pointer, full 64-byte data blocks (u32 each). */
const LANE: usize = memory.data(4 * 8, 16);

// @ts-ignore: decorator
@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}
// @ts-ignore: decorator
@inline function bswap4(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

/** Blocks after padding for a message of len bytes. */
// @ts-ignore: decorator
@inline function shaBlocks(len: u32): u32 {
  return (len >>> 6) + ((len & 63) < 56 ? 1 : 2);
}

/** Prepares lane l: data pointer, full blocks, and its padded tail (1 or 2 blocks) in TAIL4. */
function laneSetup(l: usize, ptr: usize, len: u32): void {
  const full = len >>> 6;
  const rest = len & 63;
  const tail = TAIL4 + (l << 7);
  memory.fill(tail, 0, 128);
  memory.copy(tail, ptr + ((full as usize) << 6), rest);
  store<u8>(tail + rest, 0x80);
  const tailLen: usize = rest < 56 ? 64 : 128;
  store<u64>(tail + tailLen - 8, bswap<u64>((len as u64) << 3));
  store<u32>(LANE + (l << 3), ptr as u32);
  store<u32>(LANE + (l << 3), full, 4);
}

// @ts-ignore: decorator
@inline function blockPtr(l: usize, b: u32): usize {
  const full = load<u32>(LANE + (l << 3), 4);
  return b < full
    ? (load<u32>(LANE + (l << 3)) as usize) + ((b as usize) << 6)
    : TAIL4 + (l << 7) + (((b - full) as usize) << 6);
}

/** Hashes the four messages set up by laneSetup (nb blocks each); digests to out0..out3. */
function sha256x4(nb: u32, out0: usize, out1: usize, out2: usize, out3: usize): void {
  let h0 = i32x4.splat(0x6a09e667), h1 = i32x4.splat(0xbb67ae85), h2 = i32x4.splat(0x3c6ef372), h3 = i32x4.splat(0xa54ff53a);
  let h4 = i32x4.splat(0x510e527f), h5 = i32x4.splat(0x9b05688c), h6 = i32x4.splat(0x1f83d9ab), h7 = i32x4.splat(0x5be0cd19);
  for (let b: u32 = 0; b < nb; b++) {
    const q0 = blockPtr(0, b), q1 = blockPtr(1, b), q2 = blockPtr(2, b), q3 = blockPtr(3, b);
    // Load 16 words per lane and transpose 4x4 so that W4[t] holds word t of all four messages.
    for (let g: usize = 0; g < 64; g += 16) {
      const r0 = bswap4(v128.load(q0 + g)), r1 = bswap4(v128.load(q1 + g));
      const r2 = bswap4(v128.load(q2 + g)), r3 = bswap4(v128.load(q3 + g));
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const w = W4 + (g << 2);
      v128.store(w, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(w, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
      v128.store(w, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
      v128.store(w, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
    }
    for (let t: usize = 16; t < 64; t++) {
      const x = v128.load(W4 + ((t - 15) << 4));
      const y = v128.load(W4 + ((t - 2) << 4));
      const s0 = v128.xor(v128.xor(rotr4(x, 7), rotr4(x, 18)), i32x4.shr_u(x, 3));
      const s1 = v128.xor(v128.xor(rotr4(y, 17), rotr4(y, 19)), i32x4.shr_u(y, 10));
      const w16 = v128.load(W4 + ((t - 16) << 4));
      const w7 = v128.load(W4 + ((t - 7) << 4));
      v128.store(W4 + (t << 4), i32x4.add(i32x4.add(w16, s0), i32x4.add(w7, s1)));
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t: usize = 0; t < 64; t++) {
      const S1 = v128.xor(v128.xor(rotr4(e, 6), rotr4(e, 11)), rotr4(e, 25));
      const ch = v128.xor(v128.and(e, f), v128.andnot(g, e));
      const kw = i32x4.add(i32x4.splat(load<u32>(SHA_K + (t << 2))), v128.load(W4 + (t << 4)));
      const t1 = i32x4.add(i32x4.add(h, S1), i32x4.add(ch, kw));
      const S0 = v128.xor(v128.xor(rotr4(a, 2), rotr4(a, 13)), rotr4(a, 22));
      const maj = v128.xor(v128.and(a, v128.xor(bb, c)), v128.and(bb, c));
      const t2 = i32x4.add(S0, maj);
      h = g; g = f; f = e; e = i32x4.add(d, t1); d = c; c = bb; bb = a; a = i32x4.add(t1, t2);
    }
    h0 = i32x4.add(h0, a); h1 = i32x4.add(h1, bb); h2 = i32x4.add(h2, c); h3 = i32x4.add(h3, d);
    h4 = i32x4.add(h4, e); h5 = i32x4.add(h5, f); h6 = i32x4.add(h6, g); h7 = i32x4.add(h7, h);
  }
  // Transpose back by storing the state and reading it per lane, byte-swapped.
  v128.store(ST4, bswap4(h0)); v128.store(ST4, bswap4(h1), 16); v128.store(ST4, bswap4(h2), 32); v128.store(ST4, bswap4(h3), 48);
  v128.store(ST4, bswap4(h4), 64); v128.store(ST4, bswap4(h5), 80); v128.store(ST4, bswap4(h6), 96); v128.store(ST4, bswap4(h7), 112);
  for (let j: usize = 0; j < 8; j++) {
    store<u32>(out0 + (j << 2), load<u32>(ST4 + (j << 4)));
    store<u32>(out1 + (j << 2), load<u32>(ST4 + (j << 4), 4));
    store<u32>(out2 + (j << 2), load<u32>(ST4 + (j << 4), 8));
    store<u32>(out3 + (j << 2), load<u32>(ST4 + (j << 4), 12));
  }
}

// @ts-ignore: decorator
@inline function pairOk(pairs: usize, i: u32, baseLen: u32): bool {
  const off = load<u32>(pairs + ((i as usize) << 3));
  const len = load<u32>(pairs + ((i as usize) << 3), 4);
  return off <= baseLen && len <= baseLen - off;
}

export function sha256Frames(base: usize, baseLen: u32, pairs: usize, count: u32, out: usize): u32 {
  let i: u32 = 0;
  while (i < count) {
    if (count - i >= 4 && pairOk(pairs, i, baseLen) && pairOk(pairs, i + 1, baseLen) &&
        pairOk(pairs, i + 2, baseLen) && pairOk(pairs, i + 3, baseLen)) {
      const pp = pairs + ((i as usize) << 3);
      const nb = shaBlocks(load<u32>(pp, 4));
      if (shaBlocks(load<u32>(pp, 12)) == nb && shaBlocks(load<u32>(pp, 20)) == nb && shaBlocks(load<u32>(pp, 28)) == nb) {
        for (let l: usize = 0; l < 4; l++) {
          laneSetup(l, base + (load<u32>(pp + (l << 3)) as usize), load<u32>(pp + (l << 3), 4));
        }
        const o = out + ((i as usize) << 5);
        sha256x4(nb, o, o + 32, o + 64, o + 96);
        i += 4;
        continue;
      }
    }
    if (!pairOk(pairs, i, baseLen)) return i;
    const off = load<u32>(pairs + ((i as usize) << 3));
    const len = load<u32>(pairs + ((i as usize) << 3), 4);
    sha256(base + off, len, out + ((i as usize) << 5));
    i++;
  }
  return count;
}
