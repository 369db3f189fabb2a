// Memory of one LPM table: a bump arena with size-class free lists over a growable array of u32 words
// (the Wasm table's own linear memory, or an ArrayBuffer for the TS twin). Blocks never move, so
// pointers stored in the lookup structure stay valid when the memory grows; freed blocks are reused by
// later allocations of the same class. Pointers are byte offsets, 8-aligned.
import { LpmError } from "./lpm-errors.ts";

/** Backing store. `u32` is replaced (and must be re-read) after every grow. */
export interface ArenaBacking {
  u32: Uint32Array;
  /** Makes the store at least `bytes` long. */
  grow(bytes: number): void;
}

/**
 * Block sizes in words (header included, always even so data stays 8-aligned): every even size up to
 * 64 words (most subtrees are small), then steps of about 1/8 up to 2^27 words.
 */
const CLASS_WORDS: number[] = [];
for (let w = 4; w <= 64; w += 2) CLASS_WORDS.push(w);
for (let w = 72; w <= 1 << 27; w = (Math.ceil((w * 9) / 8) + 1) & ~1) CLASS_WORDS.push(w);
const HEADER_WORDS = 2;
/** The skip-node pointer field holds ptr >> 3 in 24 bits. */
export const MAX_ARENA_BYTES = 1 << 27;

export class Arena {
  readonly backing: ArenaBacking;
  readonly base: number;
  private top: number;
  private heads: number[] = [];
  private freeBytes = 0;

  constructor(backing: ArenaBacking, base: number) {
    this.backing = backing;
    this.base = (base + 7) & ~7;
    this.top = this.base;
  }

  /** Current word view (re-read after alloc). */
  get u32(): Uint32Array {
    return this.backing.u32;
  }

  /** Bytes taken from the backing store (high-water mark, free-listed blocks included). */
  get usedBytes(): number {
    return this.top - this.base;
  }

  /** Bytes sitting in free lists (reusable, counted in usedBytes). */
  get freeListBytes(): number {
    return this.freeBytes;
  }

  /** Allocates `words` u32 words; returns the byte pointer of the (zero-filled) data. */
  alloc(words: number): number {
    const need = words + HEADER_WORDS;
    let c = 0;
    let hi = CLASS_WORDS.length - 1;
    while (c < hi) {
      const mid = (c + hi) >>> 1;
      if (CLASS_WORDS[mid]! < need) c = mid + 1;
      else hi = mid;
    }
    const size = CLASS_WORDS[c]!;
    let block = this.heads[c] ?? 0;
    if (block !== 0) {
      this.heads[c] = this.u32[(block >>> 2) + 1]!;
      this.freeBytes -= size * 4;
    } else {
      block = this.top;
      const end = block + size * 4;
      if (end > MAX_ARENA_BYTES) throw new LpmError("lpm_capacity", `LPM arena would pass ${MAX_ARENA_BYTES} bytes`);
      if (end > this.backing.u32.byteLength) this.backing.grow(end);
      this.top = end;
    }
    const m = this.u32;
    const w = block >>> 2;
    m.fill(0, w, w + size);
    m[w] = c;
    return block + HEADER_WORDS * 4;
  }

  /** Returns a block from alloc to its class's free list. */
  free(ptr: number): void {
    const block = ptr - HEADER_WORDS * 4;
    const m = this.u32;
    const c = m[block >>> 2]!;
    m[(block >>> 2) + 1] = this.heads[c] ?? 0;
    this.heads[c] = block;
    this.freeBytes += CLASS_WORDS[c]! * 4;
  }

  /** A small caller tag kept in an allocated block's header (0 after alloc). */
  tag(ptr: number): number {
    return this.u32[(ptr >>> 2) - 1]!;
  }

  setTag(ptr: number, v: number): void {
    this.u32[(ptr >>> 2) - 1] = v;
  }

  /** Data capacity in words of the block at ptr. */
  capacity(ptr: number): number {
    return CLASS_WORDS[this.u32[(ptr >>> 2) - HEADER_WORDS]!]! - HEADER_WORDS;
  }

  /** Forgets every block (the backing store keeps its size and is reused). */
  reset(): void {
    this.top = this.base;
    this.heads = [];
    this.freeBytes = 0;
  }
}
