// xxHash64 (reference algorithm by Yann Collet, XXH64), pure TypeScript, bit-exact. Twin of
// assembly/hash.ts (xxh64). ckit derives shard keys from it. 64-bit lanes are kept as (hi, lo) u32
// pairs in plain numbers: BigInt arithmetic costs ~50x more; only the final result becomes a bigint.

// Primes as (hi, lo) halves.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Result registers of the helpers below. A typed array, not module-level `let`s: values above 2^31
// stored into a `let` are boxed as heap numbers on every write, which made this ~10x slower.
const R = new Int32Array(2);

/** (aH:aL) * (bH:bL) mod 2^64 -> R[0]:R[1]. */
function mul(aH: number, aL: number, bH: number, bL: number): void {
  const a0 = aL & 0xffff, a1 = aL >>> 16, b0 = bL & 0xffff, b1 = bL >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const t = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = ((t & 0xffff) << 16) | (p00 & 0xffff);
  const hi = p11 + (p01 >>> 16) + (p10 >>> 16) + (t >>> 16);
  R[0] = hi + Math.imul(aH, bL) + Math.imul(aL, bH);
}

/** (aH:aL) + (bH:bL) mod 2^64 -> R[0]:R[1]. */
function add(aH: number, aL: number, bH: number, bL: number): void {
  const lo = (aL >>> 0) + (bL >>> 0);
  R[1] = lo;
  R[0] = aH + bH + (lo > 0xffffffff ? 1 : 0);
}

/** rotl64(aH:aL, r) for 0 < r < 32 -> R[0]:R[1]. */
function rotl(aH: number, aL: number, r: number): void {
  R[0] = (aH << r) | (aL >>> (32 - r));
  R[1] = (aL << r) | (aH >>> (32 - r));
}

/** round(acc, input) = rotl(acc + input * P2, 31) * P1 -> R[0]:R[1]. */
function round(accH: number, accL: number, inH: number, inL: number): void {
  mul(inH, inL, P2H, P2L);
  add(accH, accL, R[0]!, R[1]!);
  rotl(R[0]!, R[1]!, 31);
  mul(R[0]!, R[1]!, P1H, P1L);
}

function rd32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24));
}

/** Splits a bigint seed (taken mod 2^64) into halves. */
function seedHalves(seed: bigint | undefined): [number, number] {
  if (seed === undefined || seed === 0n) return [0, 0];
  const s = BigInt.asUintN(64, seed);
  return [Number(s >> 32n), Number(s & 0xffffffffn)];
}

// Result of xxTail as a big-endian u64 (hi word first), read with one getBigUint64.
const OUT = new DataView(new ArrayBuffer(8));

/** Accumulator lanes v1..v4 as [v1H, v1L, v2H, v2L, v3H, v3L, v4H, v4L], set from the seed. */
function initLanes(V: Int32Array, sH: number, sL: number): void {
  add(sH, sL, P1H, P1L); add(R[0]!, R[1]!, P2H, P2L); V[0] = R[0]!; V[1] = R[1]!;
  add(sH, sL, P2H, P2L); V[2] = R[0]!; V[3] = R[1]!;
  V[4] = sH; V[5] = sL;
  add(sH, sL, ~P1H, -P1L | 0); V[6] = R[0]!; V[7] = R[1]!; // seed - P1 = seed + (2^64 - P1)
}

/** Consumes whole 32-byte stripes of d[p, end) into V; returns where it stopped. */
function stripes(V: Int32Array, d: Uint8Array, p: number, end: number): number {
  let v1H = V[0]!, v1L = V[1]!, v2H = V[2]!, v2L = V[3]!, v3H = V[4]!, v3L = V[5]!, v4H = V[6]!, v4L = V[7]!;
  while (p + 32 <= end) {
    round(v1H, v1L, rd32(d, p + 4), rd32(d, p)); v1H = R[0]!; v1L = R[1]!;
    round(v2H, v2L, rd32(d, p + 12), rd32(d, p + 8)); v2H = R[0]!; v2L = R[1]!;
    round(v3H, v3L, rd32(d, p + 20), rd32(d, p + 16)); v3H = R[0]!; v3L = R[1]!;
    round(v4H, v4L, rd32(d, p + 28), rd32(d, p + 24)); v4H = R[0]!; v4L = R[1]!;
    p += 32;
  }
  V[0] = v1H; V[1] = v1L; V[2] = v2H; V[3] = v2L; V[4] = v3H; V[5] = v3L; V[6] = v4H; V[7] = v4L;
  return p;
}

/** h from the four lanes (inputs of >= 32 bytes) -> R. */
function converge(V: Int32Array): void {
  let hH: number, hL: number;
  rotl(V[0]!, V[1]!, 1); hH = R[0]!; hL = R[1]!;
  rotl(V[2]!, V[3]!, 7); add(hH, hL, R[0]!, R[1]!); hH = R[0]!; hL = R[1]!;
  rotl(V[4]!, V[5]!, 12); add(hH, hL, R[0]!, R[1]!); hH = R[0]!; hL = R[1]!;
  rotl(V[6]!, V[7]!, 18); add(hH, hL, R[0]!, R[1]!); hH = R[0]!; hL = R[1]!;
  for (let i = 0; i < 8; i += 2) {
    round(0, 0, V[i]!, V[i + 1]!); hH ^= R[0]!; hL ^= R[1]!;
    mul(hH, hL, P1H, P1L); add(R[0]!, R[1]!, P4H, P4L); hH = R[0]!; hL = R[1]!;
  }
}

/** Consumes the last < 32 bytes d[p, end) into h, applies the avalanche; result in OUT. */
function xxTail(hH: number, hL: number, d: Uint8Array, p: number, end: number): void {
  while (p + 8 <= end) {
    round(0, 0, rd32(d, p + 4), rd32(d, p));
    hH ^= R[0]!; hL ^= R[1]!;
    rotl(hH, hL, 27); mul(R[0]!, R[1]!, P1H, P1L); add(R[0]!, R[1]!, P4H, P4L); hH = R[0]!; hL = R[1]!;
    p += 8;
  }
  if (p + 4 <= end) {
    mul(0, rd32(d, p), P1H, P1L);
    hH ^= R[0]!; hL ^= R[1]!;
    rotl(hH, hL, 23); mul(R[0]!, R[1]!, P2H, P2L); add(R[0]!, R[1]!, P3H, P3L); hH = R[0]!; hL = R[1]!;
    p += 4;
  }
  while (p < end) {
    mul(0, d[p]!, P5H, P5L);
    hH ^= R[0]!; hL ^= R[1]!;
    rotl(hH, hL, 11); mul(R[0]!, R[1]!, P1H, P1L); hH = R[0]!; hL = R[1]!;
    p++;
  }
  hL ^= hH >>> 1; // h ^= h >> 33
  mul(hH, hL, P2H, P2L); hH = R[0]!; hL = R[1]!;
  hL ^= (hL >>> 29) | (hH << 3); // h ^= h >> 29
  hH ^= hH >>> 29;
  mul(hH, hL, P3H, P3L); hH = R[0]!; hL = R[1]!;
  hL ^= hH; // h ^= h >> 32
  OUT.setInt32(0, hH, false);
  OUT.setInt32(4, hL, false);
}

const LANES = new Int32Array(8);

/** xxHash64 of d[start, start+len) with the seed as (hi, lo) halves; read the result with xxh64Result(). */
export function xxh64Core(d: Uint8Array, start: number, len: number, sH: number, sL: number): void {
  let p = start;
  const end = start + len;
  if (len >= 32) {
    initLanes(LANES, sH, sL);
    p = stripes(LANES, d, p, end);
    converge(LANES);
  } else {
    add(sH, sL, P5H, P5L);
  }
  add(R[0]!, R[1]!, Math.floor(len / 0x100000000), len | 0);
  xxTail(R[0]!, R[1]!, d, p, end);
}

/** xxHash64 of `data` with `seed` (taken mod 2^64), bit-exact with the reference XXH64. */
export function xxh64(data: Uint8Array, seed?: bigint): bigint {
  const [sH, sL] = seedHalves(seed);
  xxh64Core(data, 0, data.length, sH, sL);
  return OUT.getBigUint64(0, false);
}

/** The result of the last xxh64Core call. */
export function xxh64Result(): bigint {
  return OUT.getBigUint64(0, false);
}

/** Incremental xxHash64 (reference XXH64_reset/update/digest): digest() equals xxh64 of everything
 * passed to update() so far, and leaves the state as it was (updates may continue). */
export class Xxh64StreamTs {
  private readonly lanes = new Int32Array(8);
  private readonly mem = new Uint8Array(32);
  private memSize = 0;
  private total = 0;
  private readonly sH: number;
  private readonly sL: number;

  constructor(seed?: bigint) {
    [this.sH, this.sL] = seedHalves(seed);
    initLanes(this.lanes, this.sH, this.sL);
  }

  update(d: Uint8Array): this {
    const len = d.length;
    this.total += len;
    if (this.memSize + len < 32) {
      this.mem.set(d, this.memSize);
      this.memSize += len;
      return this;
    }
    let p = 0;
    if (this.memSize > 0) {
      p = 32 - this.memSize;
      this.mem.set(d.subarray(0, p), this.memSize);
      stripes(this.lanes, this.mem, 0, 32);
      this.memSize = 0;
    }
    p = stripes(this.lanes, d, p, len);
    this.mem.set(d.subarray(p), 0);
    this.memSize = len - p;
    return this;
  }

  digest(): bigint {
    if (this.total >= 32) converge(this.lanes);
    else add(this.sH, this.sL, P5H, P5L);
    add(R[0]!, R[1]!, Math.floor(this.total / 0x100000000), this.total | 0);
    xxTail(R[0]!, R[1]!, this.mem, 0, this.memSize);
    return OUT.getBigUint64(0, false);
  }
}

export { seedHalves as xxh64SeedHalves };
