// Byte-string comparisons shared by the portable core: plain equality (Go's bytes.Equal, where a nil
// slice equals an empty one) and a constant-time form for secrets (MACs, token digests).

/** The shared zero-length array (nothing in it to mutate). */
export const EMPTY = new Uint8Array(0);

/** Same bytes; null counts as empty (as a nil []byte does in Go). */
export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Constant-time equality of two byte strings of the same length (the length itself is public). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

