// Reused buffers for the LZW decoder (lzw.ts). A compression bomb is refused when its output reaches the
// cap, so without reuse every bomb leaves its output buffers (up to the cap, plus the smaller ones it grew
// through) and its code tables as garbage. V8 collects ArrayBuffers only after ~64 MiB of external memory
// has piled up, so a flood of bombs grew the process by about that much (test/abuse/compression.test.ts).
// Reused buffers make a flood cost a few buffers instead.
// Invariants: only power-of-two output buffers up to MAX_POOLED_BYTES are kept, at most PER_SIZE of each
// size; a borrowed buffer belongs to one decoder until given back. An output buffer's old contents are
// never read (output is append-only and only [0, produced) is copied or returned); reused code tables are
// cleared, so a decoder starts from the same state as with fresh ones.

/** Largest output buffer kept for reuse (larger ones are left to the GC). */
export const MAX_POOLED_BYTES = 1 << 20;
/** Buffers kept per size (so at most ~2 x 2 MiB of output buffers sit idle). */
const PER_SIZE = 2;

const outputs = new Map<number, Uint8Array[]>();

/** The smallest power of two >= n (n >= 1). */
export function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** An output buffer of exactly `size` bytes (reused when one is free). */
export function borrowOutput(size: number): Uint8Array {
  const reused = outputs.get(size)?.pop();
  return reused ?? new Uint8Array(size);
}

/** Gives a buffer back; kept only when its size is a power of two within MAX_POOLED_BYTES. */
export function returnOutput(buf: Uint8Array): void {
  const size = buf.length;
  // A whole buffer: its ArrayBuffer is exactly this view (so the view starts at 0).
  if (size > MAX_POOLED_BYTES || (size & (size - 1)) !== 0 || buf.buffer.byteLength !== size) return;
  let free = outputs.get(size);
  if (!free) outputs.set(size, (free = []));
  if (free.length < PER_SIZE) free.push(buf);
}

/** The decoder's code tables (prefix, suffix, and the scratch buffer a code expands into). */
export interface LzwTables {
  readonly prefix: Uint16Array;
  readonly suffix: Uint8Array;
  readonly scratch: Uint8Array;
}

const tables: LzwTables[] = [];

export function borrowTables(codes: number): LzwTables {
  const t = tables.pop();
  if (!t || t.prefix.length !== codes) return { prefix: new Uint16Array(codes), suffix: new Uint8Array(codes), scratch: new Uint8Array(codes) };
  t.prefix.fill(0);
  t.suffix.fill(0);
  return t;
}

export function returnTables(t: LzwTables): void {
  if (tables.length < PER_SIZE) tables.push(t);
}

/** Buffers currently kept (for tests). */
export function pooledCount(): number {
  let n = tables.length;
  for (const free of outputs.values()) n += free.length;
  return n;
}
