// The LPM control plane, shared by the Wasm table and its TS twin: the set of prefixes (kept in the
// table's arena) and the lookup structure built from it (layout in assembly/lpm.ts).
//
// Per family (IPv4, IPv6): a root of 2^16 direct entries indexed by the top 16 address bits.
//  - prefixes of length <= 16 live in per-length maps; a change rewrites the root entries it covers
//    (2^(16-len) of them), and marks the covered slots that have a subtree dirty (their leaf-pushed
//    default changed);
//  - longer prefixes live in a record block per top-level slot; a change marks that slot dirty.
// Dirty slots are rebuilt lazily, at the next lookup or commit(), so loading n prefixes costs one
// rebuild per touched slot. Update cost: a prefix of length 17..22, or any change in a slot with fewer
// than SPLIT_MIN prefixes, rebuilds that slot, O(k log k) in its k prefixes (a new block, the old one
// freed); in a bigger slot a longer prefix rebuilds only the root child it falls in (lpm-slot.ts), plus
// an O(k) scan of the slot's records. A prefix of length <= 16 rewrites the 2^(16-len) root entries it
// covers (only those where it is or was the longest short match) and rebuilds the covered slots that
// have a subtree (worst case, /0 on an empty short-prefix set: every slot).
import { Arena } from "./lpm-arena.ts";
import { MAX_NODE_DEPTH4, MAX_NODE_DEPTH6, type LongPrefix } from "./lpm-build.ts";
import { buildTree, CHILD_DEPTH, freeTree, rebuildChild } from "./lpm-slot.ts";

export const NO_ROUTE = 0xffffffff;
const ROOT_WORDS = 65536 + 2048; // D[] then the isNode bitmap
const DIR_WORDS = 65536; // record block pointer per slot
/** Rough JS heap cost of one short-prefix map entry, for memoryBytes(). */
const MAP_ENTRY_BYTES = 40;

/** Where the lookup kernels find the roots (byte pointers; 0 = family empty). */
export interface RootSink {
  setRoots(root4: number, root6: number): void;
}

class Family {
  readonly v6: boolean;
  /**
   * Record words, kept sorted per slot (binary search; insert/delete shift the tail): v4
   * [suffix16 << 8 | len, value], v6 [suffix16 << 8 | len, w1, w2, w3, value].
   */
  readonly rec: number;
  readonly maxDepth: number;
  root = 0;
  dir = 0;
  count = 0;
  short: Map<number, number>[] = [];
  shortCount = new Array<number>(17).fill(0);
  /** Length of the longest short prefix covering each slot, -1 for none (allocated with the root). */
  shortLen = new Int8Array(0);

  /** Slots waiting for a rebuild: null = the whole slot, else the root children (6-bit indexes) to redo. */
  dirty = new Map<number, Set<number> | null>();
  constructor(v6: boolean) {
    this.v6 = v6;
    this.rec = v6 ? 5 : 2;
    this.maxDepth = v6 ? MAX_NODE_DEPTH6 : MAX_NODE_DEPTH4;
    for (let i = 0; i <= 16; i++) this.short.push(new Map());
  }
}

export class LpmCore {
  readonly arena: Arena;
  private readonly sink: RootSink;
  private f4 = new Family(false);
  private f6 = new Family(true);
  private pending = 0;

  constructor(arena: Arena, sink: RootSink) {
    this.arena = arena;
    this.sink = sink;
  }

  get size(): number {
    return this.f4.count + this.f6.count;
  }

  get root4(): number {
    return this.f4.root;
  }

  get root6(): number {
    return this.f6.root;
  }

  /** True when changes wait for commit(). */
  get dirty(): boolean {
    return this.pending !== 0;
  }

  memoryBytes(): number {
    let js = 0;
    for (const f of [this.f4, this.f6]) {
      for (const c of f.shortCount) js += c * MAP_ENTRY_BYTES;
      js += f.shortLen.byteLength;
    }
    return this.arena.usedBytes + js;
  }

  /** Forgets every prefix and block; `first` allocates what must sit at the arena start again. */
  clear(first?: () => void): void {
    this.arena.reset();
    first?.();
    this.f4 = new Family(false);
    this.f6 = new Family(true);
    this.pending = 0;
    this.sink.setRoots(0, 0);
  }

  private fam(v6: boolean): Family {
    const f = v6 ? this.f6 : this.f4;
    if (f.root === 0) {
      f.root = this.arena.alloc(ROOT_WORDS);
      f.dir = this.arena.alloc(DIR_WORDS);
      this.arena.u32.fill(0xffffffff, f.root >>> 2, (f.root >>> 2) + 65536);
      f.shortLen = new Int8Array(65536).fill(-1);
      this.sink.setRoots(this.f4.root, this.f6.root);
    }
    return f;
  }

  private bestShort(f: Family, s: number): number {
    const len = f.shortLen[s]!;
    if (len < 0) return NO_ROUTE;
    return f.short[len]!.get(len === 0 ? 0 : s >>> (16 - len))!;
  }

  /** Longest short prefix covering slot s with length < below, or -1. */
  private findShortLen(f: Family, s: number, below: number): number {
    for (let len = below - 1; len >= 0; len--) {
      if (f.shortCount[len] !== 0 && f.short[len]!.has(len === 0 ? 0 : s >>> (16 - len))) return len;
    }
    return -1;
  }

  /**
   * After a short prefix (len, bits) was set (removed = false) or removed: re-derives the covered root
   * entries whose best short prefix it is or was, or marks their subtrees dirty.
   */
  private touchShort(f: Family, len: number, bits: number, removed: boolean): void {
    const start = len === 0 ? 0 : bits << (16 - len);
    const end = start + 2 ** (16 - len);
    const r = f.root >>> 2;
    const m = this.arena.u32;
    const sl = f.shortLen;
    for (let s = start; s < end; s++) {
      if (removed) {
        if (sl[s] !== len) continue;
        sl[s] = this.findShortLen(f, s, len);
      } else {
        if (sl[s]! > len) continue;
        sl[s] = len;
      }
      if ((m[r + 65536 + (s >>> 5)]! >>> (s & 31)) & 1) this.markDirty(f, s);
      else m[r + s] = this.bestShort(f, s);
    }
  }

  /** Marks slot s for a rebuild: of root child `child` only (0..63), or of the whole slot (-1). */
  private markDirty(f: Family, s: number, child = -1): void {
    const cur = f.dirty.get(s);
    if (cur === undefined) {
      this.pending++;
      f.dirty.set(s, child < 0 ? null : new Set([child]));
    } else if (cur !== null) {
      if (child < 0) f.dirty.set(s, null);
      else cur.add(child);
    }
  }

  /** The root child a long prefix changes alone (len > CHILD_DEPTH), else -1 (the whole slot). */
  private static childOf(w0: number, len: number): number {
    return len > CHILD_DEPTH ? (w0 >>> 10) & 63 : -1;
  }

  /** Compares record `at` with (key, w): <0, 0, >0 (records sort by key = suffix16 << 8 | len, then w1..w3). */
  private cmp(f: Family, at: number, key: number, w: ArrayLike<number>): number {
    const m = this.arena.u32;
    const d = m[at]! - key;
    if (d !== 0 || !f.v6) return d;
    for (let j = 1; j < 4; j++) {
      const e = m[at + j]! - (w[j]! >>> 0);
      if (e !== 0) return e;
    }
    return 0;
  }

  /** Binary search in a slot's sorted records: index of (key, w) if found, else -(insertion point) - 1. */
  private search(f: Family, blk: number, key: number, w: ArrayLike<number>): number {
    const base = (blk >>> 2) + 1;
    let lo = 0;
    let hi = this.arena.u32[blk >>> 2]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.cmp(f, base + mid * f.rec, key, w);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** w: four big-endian address words, already masked to len. */
  insert(v6: boolean, w: ArrayLike<number>, len: number, value: number): void {
    const f = this.fam(v6);
    if (len <= 16) {
      const bits = len === 0 ? 0 : w[0]! >>> (32 - len);
      const map = f.short[len]!;
      if (!map.has(bits)) {
        f.shortCount[len]!++;
        f.count++;
      }
      map.set(bits, value);
      this.touchShort(f, len, bits, false);
      return;
    }
    const s = w[0]! >>> 16;
    const key = (((w[0]! & 0xffff) << 8) | len) >>> 0;
    const dirW = (f.dir >>> 2) + s;
    const rec = f.rec;
    let blk = this.arena.u32[dirW]!;
    let pos = 0;
    if (blk !== 0) {
      const i = this.search(f, blk, key, w);
      if (i >= 0) {
        this.arena.u32[(blk >>> 2) + 1 + i * rec + rec - 1] = value;
        this.markDirty(f, s, LpmCore.childOf(w[0]!, len));
        return;
      }
      pos = -i - 1;
    }
    const n = blk === 0 ? 0 : this.arena.u32[blk >>> 2]!;
    if (blk === 0 || 1 + (n + 1) * rec > this.arena.capacity(blk)) {
      const nb = this.arena.alloc(1 + (n + 1 + (n >>> 2)) * rec); // grow by ~1.25x
      if (blk !== 0) {
        this.arena.u32.copyWithin(nb >>> 2, blk >>> 2, (blk >>> 2) + 1 + n * rec);
        this.arena.free(blk);
      }
      blk = nb;
      this.arena.u32[dirW] = blk;
    }
    const m = this.arena.u32;
    const at = (blk >>> 2) + 1 + pos * rec;
    m.copyWithin(at + rec, at, (blk >>> 2) + 1 + n * rec);
    m[at] = key;
    if (v6) {
      m[at + 1] = w[1]!;
      m[at + 2] = w[2]!;
      m[at + 3] = w[3]!;
    }
    m[at + rec - 1] = value;
    m[blk >>> 2] = n + 1;
    f.count++;
    this.markDirty(f, s, LpmCore.childOf(w[0]!, len));
  }

  delete(v6: boolean, w: ArrayLike<number>, len: number): boolean {
    const f = v6 ? this.f6 : this.f4;
    if (f.root === 0) return false;
    if (len <= 16) {
      const bits = len === 0 ? 0 : w[0]! >>> (32 - len);
      if (!f.short[len]!.delete(bits)) return false;
      f.shortCount[len]!--;
      f.count--;
      this.touchShort(f, len, bits, true);
      return true;
    }
    const s = w[0]! >>> 16;
    const dirW = (f.dir >>> 2) + s;
    const blk = this.arena.u32[dirW]!;
    if (blk === 0) return false;
    const i = this.search(f, blk, (((w[0]! & 0xffff) << 8) | len) >>> 0, w);
    if (i < 0) return false;
    const m = this.arena.u32;
    const b = blk >>> 2;
    const n = m[b]! - 1;
    m.copyWithin(b + 1 + i * f.rec, b + 1 + (i + 1) * f.rec, b + 1 + (n + 1) * f.rec);
    m[b] = n;
    if (n === 0) {
      this.arena.free(blk);
      m[dirW] = 0;
    }
    f.count--;
    this.markDirty(f, s, LpmCore.childOf(w[0]!, len));
    return true;
  }

  /**
   * Re-lays the whole table out in a fresh arena (the prefixes are kept): returns memory stranded in
   * free lists after heavy churn or mass deletion. Costs about as much as loading the table anew.
   * `first` re-allocates what the caller keeps at the arena start (the key window), before anything else.
   */
  compact(first?: () => void): void {
    this.commit();
    const shorts: { v6: boolean; w: number[]; len: number; value: number }[] = [];
    const longs: { v6: boolean; s: number; recs: Uint32Array }[] = [];
    const m = this.arena.u32;
    for (const f of [this.f4, this.f6]) {
      f.short.forEach((map, len) => {
        for (const [bits, value] of map) shorts.push({ v6: f.v6, w: [len === 0 ? 0 : (bits << (32 - len)) >>> 0, 0, 0, 0], len, value });
      });
      if (f.root === 0) continue;
      for (let s = 0; s < 65536; s++) {
        const blk = m[(f.dir >>> 2) + s]!;
        if (blk !== 0) longs.push({ v6: f.v6, s, recs: m.slice(blk >>> 2, (blk >>> 2) + 1 + m[blk >>> 2]! * f.rec) });
      }
    }
    this.clear(first);
    for (const p of shorts) this.insert(p.v6, p.w, p.len, p.value);
    // record blocks come back at their exact size, so a compacted arena has no free blocks
    for (const { v6, s, recs } of longs) {
      const f = this.fam(v6);
      const blk = this.arena.alloc(recs.length);
      this.arena.u32.set(recs, blk >>> 2);
      this.arena.u32[(f.dir >>> 2) + s] = blk;
      f.count += recs[0]!;
      this.markDirty(f, s);
    }
    this.commit();
  }

  /** Rebuilds every dirty slot. */
  commit(): void {
    if (this.pending === 0) return;
    for (const f of [this.f4, this.f6]) {
      for (const [s, kids] of f.dirty) {
        if (kids === null || !this.rebuildChildren(f, s, kids)) this.rebuild(f, s);
      }
      f.dirty.clear();
    }
    this.pending = 0;
  }

  /** The slot's prefixes, or only those under root child c that are longer than CHILD_DEPTH. */
  private collect(f: Family, s: number, c = -1): LongPrefix[] {
    const m = this.arena.u32;
    const ps: LongPrefix[] = [];
    const blk = m[(f.dir >>> 2) + s]!;
    if (blk === 0) return ps;
    const b = blk >>> 2;
    const n = m[b]!;
    for (let i = 0, at = b + 1; i < n; i++, at += f.rec) {
      const key = m[at]!;
      const len = key & 255;
      if (c >= 0 && (key >>> 18 !== c || len <= CHILD_DEPTH)) continue;
      const w0 = ((s << 16) | (key >>> 8)) >>> 0;
      const w = f.v6 ? [w0, m[at + 1]!, m[at + 2]!, m[at + 3]!] : [w0, 0, 0, 0];
      ps.push({ w, len, value: m[at + f.rec - 1]! });
    }
    return ps;
  }

  /** Value inherited by root child c of slot s: its longest prefix of length 17..22, else the slot's. */
  private childDefault(f: Family, s: number, c: number): number {
    const m = this.arena.u32;
    const b = m[(f.dir >>> 2) + s]! >>> 2;
    const n = m[b]!;
    let best = -1;
    let value = this.bestShort(f, s);
    for (let i = 0, at = b + 1; i < n; i++, at += f.rec) {
      const key = m[at]!;
      const len = key & 255;
      if (len > CHILD_DEPTH || len <= best) continue;
      // the prefix's bits 16..len-1 (top of the suffix) against the child's
      if (key >>> (8 + 32 - len) === c >>> (CHILD_DEPTH - len)) {
        best = len;
        value = m[at + f.rec - 1]!;
      }
    }
    return value;
  }

  /** Rebuilds only the listed root children of a split slot; false if the whole slot must be rebuilt. */
  private rebuildChildren(f: Family, s: number, kids: Set<number>): boolean {
    const r = f.root >>> 2;
    const m = this.arena.u32;
    if (((m[r + 65536 + (s >>> 5)]! >>> (s & 31)) & 1) === 0 || m[(f.dir >>> 2) + s] === 0) return false;
    const top = m[r + s]!;
    for (const c of kids) {
      if (!rebuildChild(this.arena, top, c, this.collect(f, s, c), this.childDefault(f, s, c), f.maxDepth)) return false;
    }
    return true;
  }

  private rebuild(f: Family, s: number): void {
    const dv = this.bestShort(f, s);
    const r = f.root >>> 2;
    const bmW = r + 65536 + (s >>> 5);
    const old = (this.arena.u32[bmW]! >>> (s & 31)) & 1 ? this.arena.u32[r + s]! : 0;
    const ps = this.collect(f, s);
    const np = ps.length === 0 ? 0 : buildTree(this.arena, ps, dv, f.maxDepth);
    if (old !== 0) freeTree(this.arena, old);
    const m = this.arena.u32;
    m[r + s] = np === 0 ? dv : np;
    m[bmW] = (np === 0 ? m[bmW]! & ~(1 << (s & 31)) : m[bmW]! | (1 << (s & 31))) >>> 0;
  }
}
