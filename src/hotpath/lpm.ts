// Longest-prefix-match table for IPv4 and IPv6 prefixes with u32 route values: one interface, two
// implementations (Wasm kernels over the table's own linear memory, and a pure-TS twin over an
// ArrayBuffer), both driven by the same control plane (lpm-core.ts) and the same layout.
//
// Batch ABI (the fast path): the table owns a key window and a result window in its memory.
//   const k = t.keys4(n);            // Uint32Array view of n keys; write IPv4 addresses as u32 numbers
//   const r = t.lookupBatch4(n);     // Uint32Array view of n results (value or NO_ROUTE)
//   IPv6: t.keys6(n) is 4n words, key i = words 4i..4i+3, each a big-endian 32-bit chunk of the address
//   (word 0 = bits 0..31); t.lookupBatch6(n) returns n results.
// The key window sits at a fixed address for the table's lifetime (the start of its arena; growing it
// re-lays the table out behind it), so keys written stay in place. Views detach when the memory grows
// (insert/delete/commit/compact and lookups that apply pending changes may grow it; a detached view
// reads undefined and ignores writes): fetch views again after such calls, e.g. once per batch.
// n may be up to 2^20. Update costs: see lpm-core.ts and lpm-slot.ts.
import { Arena, type ArenaBacking } from "./lpm-arena.ts";
import { wordMask } from "./lpm-build.ts";
import { LpmCore, NO_ROUTE } from "./lpm-core.ts";
import { LpmError } from "./lpm-errors.ts";
import { tsLookup4, tsLookup6 } from "./lpm-kernel.ts";
import { instantiateHotpath } from "./wasm.ts";

export { NO_ROUTE } from "./lpm-core.ts";
export { LpmError, type LpmErrorCode } from "./lpm-errors.ts";

export interface LpmTable {
  readonly impl: "wasm" | "ts";
  /** Adds addr/prefixLen -> value, replacing the value of an equal prefix. Host bits are ignored (masked). */
  insert(addr: Uint8Array, prefixLen: number, value: number): void;
  /** Removes addr/prefixLen (host bits masked); false if it was not there. */
  delete(addr: Uint8Array, prefixLen: number): boolean;
  /** Value of the longest prefix containing addr (4 or 16 bytes), or NO_ROUTE. */
  lookup(addr: Uint8Array): number;
  /** IPv4 lookup of a u32 address (10.0.0.1 = 0x0a000001). */
  lookup4(key: number): number;
  /** IPv6 lookup of an address given as four big-endian u32 words. */
  lookup6(w0: number, w1: number, w2: number, w3: number): number;
  /** Key window for n IPv4 keys (see the batch ABI above). */
  keys4(n: number): Uint32Array;
  lookupBatch4(n: number): Uint32Array;
  /** Key window for n IPv6 keys, 4 words each. */
  keys6(n: number): Uint32Array;
  lookupBatch6(n: number): Uint32Array;
  /** Number of prefixes (both families). */
  readonly size: number;
  /** Bytes the table uses: its arena (lookup structure, prefix records, windows) plus short-prefix maps. */
  memoryBytes(): number;
  /** Applies pending changes now (otherwise the next lookup does). */
  commit(): void;
  /** Removes every prefix; the memory is kept and reused. */
  clear(): void;
  /**
   * Re-lays the table out without free-list holes (prefixes and the key window's contents are kept).
   * The table does it by itself when free-listed blocks pass 1/8 of its arena (and 256 KiB).
   */
  compact(): void;
}

/** Four big-endian words of a 4- or 16-byte address, masked to len bits. */
function addrWords(addr: Uint8Array, len: number, out: Uint32Array): Uint32Array {
  out.fill(0);
  for (let i = 0; i < addr.length; i += 4) {
    out[i >>> 2] = ((addr[i]! << 24) | (addr[i + 1]! << 16) | (addr[i + 2]! << 8) | addr[i + 3]!) & wordMask(len - 8 * i);
  }
  return out;
}

/** Largest batch: the windows take 20 bytes per key in an arena of at most 128 MiB. */
const MAX_BATCH = 1 << 20;
const INITIAL_WINDOW = 1024;

interface Kernel {
  setRoots(r4: number, r6: number): void;
  lookup4(key: number): number;
  lookup6(w0: number, w1: number, w2: number, w3: number): number;
  batch4(keys: number, out: number, n: number): void;
  batch6(keys: number, out: number, n: number): void;
}

class Table implements LpmTable {
  readonly impl: "wasm" | "ts";
  private readonly core: LpmCore;
  private readonly arena: Arena;
  private readonly kernel: Kernel;
  private readonly words = new Uint32Array(4);
  private winCap = 0;
  /** Byte pointer of the key window: the arena's first block, fixed for the table's lifetime. */
  private keysPtr = 0;
  private outPtr = 0;

  constructor(impl: "wasm" | "ts", backing: ArenaBacking, base: number, kernel: Kernel) {
    this.impl = impl;
    this.kernel = kernel;
    this.arena = new Arena(backing, base);
    this.core = new LpmCore(this.arena, kernel);
    this.allocWindow(INITIAL_WINDOW);
  }

  /** Allocates the key and result windows; called first on an empty arena, so keys sit at its start. */
  private allocWindow(cap: number): void {
    this.keysPtr = this.arena.alloc(cap * 4);
    this.outPtr = this.arena.alloc(cap);
    this.winCap = cap;
  }

  /** Re-lays the table out with a window of `cap` keys in front, keeping the keys written so far. */
  private relayout(cap: number): void {
    const m = this.arena.u32;
    const keys = m.slice(this.keysPtr >>> 2, (this.keysPtr >>> 2) + this.winCap * 4);
    this.core.compact(() => this.allocWindow(cap));
    this.arena.u32.set(keys, this.keysPtr >>> 2);
  }

  get size(): number {
    return this.core.size;
  }

  /** Validates the address (and the prefix length unless withLen is false); returns "is IPv6". */
  private check(addr: Uint8Array, len: number, withLen = true): boolean {
    if (!(addr instanceof Uint8Array) || (addr.length !== 4 && addr.length !== 16)) {
      throw new LpmError("lpm_bad_address", `an address is a Uint8Array of 4 or 16 bytes`);
    }
    const v6 = addr.length === 16;
    if (withLen && !(Number.isInteger(len) && len >= 0 && len <= (v6 ? 128 : 32))) {
      throw new LpmError("lpm_bad_prefix_len", `prefix length must be an integer in 0..${v6 ? 128 : 32}, got ${String(len)}`);
    }
    return v6;
  }

  insert(addr: Uint8Array, prefixLen: number, value: number): void {
    const v6 = this.check(addr, prefixLen);
    if (!(Number.isInteger(value) && value >= 0 && value < NO_ROUTE)) {
      throw new LpmError("lpm_bad_value", `value must be an integer in 0..${NO_ROUTE - 1}, got ${String(value)}`);
    }
    this.core.insert(v6, addrWords(addr, prefixLen, this.words), prefixLen, value);
  }

  delete(addr: Uint8Array, prefixLen: number): boolean {
    const v6 = this.check(addr, prefixLen);
    return this.core.delete(v6, addrWords(addr, prefixLen, this.words), prefixLen);
  }

  /** Applies pending changes, then compacts when free-listed blocks pass 1/8 of the arena (and 256 KiB). */
  private sync(): void {
    this.core.commit();
    const a = this.arena;
    if (a.freeListBytes > 1 << 18 && a.freeListBytes * 8 > a.usedBytes) this.relayout(this.winCap);
  }

  compact(): void {
    this.relayout(this.winCap);
  }

  lookup(addr: Uint8Array): number {
    if (addr instanceof Uint8Array) {
      const a = addr;
      if (a.length === 4) return this.lookup4(((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0);
      if (a.length === 16) {
        return this.lookup6(
          (a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!,
          (a[4]! << 24) | (a[5]! << 16) | (a[6]! << 8) | a[7]!,
          (a[8]! << 24) | (a[9]! << 16) | (a[10]! << 8) | a[11]!,
          (a[12]! << 24) | (a[13]! << 16) | (a[14]! << 8) | a[15]!,
        );
      }
    }
    this.check(addr, 0, false);
    return NO_ROUTE; // unreachable: check() threw
  }

  lookup4(key: number): number {
    if (this.core.dirty) this.sync();
    return this.kernel.lookup4(key) >>> 0;
  }

  lookup6(w0: number, w1: number, w2: number, w3: number): number {
    if (this.core.dirty) this.sync();
    return this.kernel.lookup6(w0, w1, w2, w3) >>> 0;
  }

  private window(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= MAX_BATCH)) {
      throw new LpmError("lpm_bad_batch", `batch size must be an integer in 0..${MAX_BATCH}, got ${String(n)}`);
    }
    if (n > this.winCap) this.relayout(Math.min(MAX_BATCH, Math.max(n, this.winCap * 2)));
  }

  keys4(n: number): Uint32Array {
    this.window(n);
    return new Uint32Array(this.arena.u32.buffer, this.keysPtr, n);
  }

  keys6(n: number): Uint32Array {
    this.window(n);
    return new Uint32Array(this.arena.u32.buffer, this.keysPtr, 4 * n);
  }

  lookupBatch4(n: number): Uint32Array {
    this.window(n);
    if (this.core.dirty) this.sync();
    this.kernel.batch4(this.keysPtr, this.outPtr, n);
    return new Uint32Array(this.arena.u32.buffer, this.outPtr, n);
  }

  lookupBatch6(n: number): Uint32Array {
    this.window(n);
    if (this.core.dirty) this.sync();
    this.kernel.batch6(this.keysPtr, this.outPtr, n);
    return new Uint32Array(this.arena.u32.buffer, this.outPtr, n);
  }

  memoryBytes(): number {
    this.sync();
    return this.core.memoryBytes();
  }

  commit(): void {
    this.sync();
  }

  clear(): void {
    this.core.clear(() => this.allocWindow(this.winCap));
  }
}

/** The pure-TypeScript table (memory: one ArrayBuffer, doubled when full). */
export function createTsLpm(): LpmTable {
  const backing: ArenaBacking = {
    u32: new Uint32Array(1 << 16),
    grow(bytes: number) {
      const size = (Math.max(bytes, this.u32.byteLength * 2) + 7) & ~7;
      // transfer() detaches the old buffer, so stale views fail like Wasm views after memory.grow
      const old = this.u32.buffer as ArrayBuffer & { transfer?(n: number): ArrayBuffer };
      if (typeof old.transfer === "function") {
        this.u32 = new Uint32Array(old.transfer(size));
      } else {
        const next = new Uint32Array(size >>> 2);
        next.set(this.u32);
        this.u32 = next;
      }
    },
  };
  let r4 = 0;
  let r6 = 0;
  const kernel: Kernel = {
    setRoots(a, b) {
      r4 = a;
      r6 = b;
    },
    lookup4: (key) => tsLookup4(backing.u32, r4, key),
    lookup6: (w0, w1, w2, w3) => tsLookup6(backing.u32, r6, w0, w1, w2, w3),
    batch4(keys, out, n) {
      const m = backing.u32;
      const k = keys >>> 2;
      const o = out >>> 2;
      for (let i = 0; i < n; i++) m[o + i] = tsLookup4(m, r4, m[k + i]!);
    },
    batch6(keys, out, n) {
      const m = backing.u32;
      const k = keys >>> 2;
      const o = out >>> 2;
      for (let i = 0; i < n; i++) {
        const j = k + 4 * i;
        m[o + i] = tsLookup6(m, r6, m[j]!, m[j + 1]!, m[j + 2]!, m[j + 3]!);
      }
    },
  };
  return new Table("ts", backing, 64, kernel);
}

interface LpmExports {
  memory: WebAssembly.Memory;
  lpmArenaBase(): number;
  lpmSetRoots(r4: number, r6: number): void;
  lpmLookup4(key: number): number;
  lpmLookup6(w0: number, w1: number, w2: number, w3: number): number;
  lpmLookupBatch4(keys: number, out: number, n: number): void;
  lpmLookupBatch6(keys: number, out: number, n: number): void;
}

/**
 * The Wasm table: a fresh instance of the hot-path module whose linear memory belongs to this table
 * alone (grown with memory.grow, freed with the table when it is garbage-collected).
 */
export function createWasmLpm(module: WebAssembly.Module): LpmTable {
  const ex = instantiateHotpath(module) as unknown as LpmExports;
  const mem = ex.memory;
  const backing: ArenaBacking = {
    u32: new Uint32Array(mem.buffer),
    grow(bytes: number) {
      const have = mem.buffer.byteLength;
      const want = Math.max(bytes, have + (have >>> 1));
      mem.grow(Math.ceil((want - have) / 65536));
      this.u32 = new Uint32Array(mem.buffer);
    },
  };
  const kernel: Kernel = {
    setRoots: (a, b) => ex.lpmSetRoots(a, b),
    lookup4: (key) => ex.lpmLookup4(key),
    lookup6: (w0, w1, w2, w3) => ex.lpmLookup6(w0, w1, w2, w3),
    batch4: (k, o, n) => ex.lpmLookupBatch4(k, o, n),
    batch6: (k, o, n) => ex.lpmLookupBatch6(k, o, n),
  };
  return new Table("wasm", backing, ex.lpmArenaBase(), kernel);
}
