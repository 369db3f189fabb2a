// uint64 helpers for the shard hot loop: keys and tokens are held as (hi, lo) uint32 halves so lookups
// compare and mix plain numbers instead of allocating BigInts. Conversions go through one DataView.
const dv = new DataView(new ArrayBuffer(8));
// A BigUint64Array aliased by a Uint32Array splits faster than a DataView; which u32 holds the high half
// depends on the platform's byte order (checked once here).
const B64 = new BigUint64Array(1);
const W32 = new Uint32Array(B64.buffer);
B64[0] = 1n;
const HI_AT = W32[0] === 1 ? 1 : 0;
const LO_AT = 1 - HI_AT;

/** Halves of the last split(): HI[0], LO[0] (module scratch, valid until the next split). */
export const HALVES = new Uint32Array(2);

/** Splits a uint64 into HALVES = [hi, lo]. Values outside [0, 2^64) wrap (callers validate). */
export function split(v: bigint): void {
  B64[0] = v;
  HALVES[0] = W32[HI_AT]!;
  HALVES[1] = W32[LO_AT]!;
}

export function join(hi: number, lo: number): bigint {
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  return dv.getBigUint64(0);
}

/** (aHi, aLo) < (bHi, bLo) as unsigned 64-bit values. */
export function lt(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

export const MUL = new Uint32Array(2);

/** (aHi, aLo) * (bHi, bLo) mod 2^64 into MUL = [hi, lo]; every partial product stays below 2^53. */
export function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  MUL[1] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  MUL[0] = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(aHi, bLo) + Math.imul(aLo, bHi);
}

const U64_MAX = (1n << 64n) - 1n;

export function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64_MAX;
}
