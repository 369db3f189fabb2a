// Builds the lookup subtree of one top-level slot (the /16 under one root entry) from that slot's
// prefixes, in the layout read by assembly/lpm.ts and lpm-kernel.ts (described in assembly/lpm.ts).
// The subtree is leaf-pushed (every slot holds the value of its longest match, the slot's inherited
// default included) and popcount-compressed; chains where all prefixes share the next bits and none
// ends there become one skip node, and a subtree holding a single prefix becomes one terminal node. Output: words with pointers relative to the block start, plus the
// positions to relocate once the block has an address (relocate()).
import { LpmError } from "./lpm-errors.ts";
import { MAX_ARENA_BYTES } from "./lpm-arena.ts";

/** A prefix longer than 16 bits: address as four big-endian u32 words (IPv4: w0 only), masked to len. */
export interface LongPrefix {
  w: Uint32Array | number[];
  len: number;
  value: number;
}

export const NODE_WORDS = 6;
export const SKIP_FLAG = 0x80000000;

/** Depth of the deepest node: IPv4 28 (4 bits + 2 padding), IPv6 124. */
export const MAX_NODE_DEPTH4 = 28;
export const MAX_NODE_DEPTH6 = 124;

export interface BuiltBlock {
  words: Uint32Array;
  /** word positions holding a relative byte pointer. */
  ptrFix: number[];
  /** word positions holding a skip ctl word (relative pointer >> 3 in the low 24 bits). */
  skipFix: number[];
}

/** The 6 bits of the address at bit offset d (bits past 128 read as zero). */
export function bits6(w: ArrayLike<number>, d: number): number {
  const i = d >>> 5;
  const o = d & 31;
  let x = w[i]! << o;
  if (o > 26 && i < 3) x |= w[i + 1]! >>> (32 - o);
  return (x >>> 26) & 63;
}

function commonLen(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < 4; i++) {
    const x = (a[i]! ^ b[i]!) >>> 0;
    if (x !== 0) return i * 32 + Math.clz32(x);
  }
  return 128;
}

/** Mask of the first `bits` bits of a 32-bit word (bits clamped to 0..32). */
export function wordMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : ~(0xffffffff >>> bits) >>> 0;
}

class Writer {
  buf = new Uint32Array(256);
  n = 0;
  ptrFix: number[] = [];
  skipFix: number[] = [];
  /** Reserves `words` (rounded up to even, so nodes stay 8-aligned); returns the word offset. */
  reserve(words: number): number {
    const at = this.n;
    this.n += (words + 1) & ~1;
    if (this.n > this.buf.length) {
      const b = new Uint32Array(Math.max(this.n, this.buf.length * 2));
      b.set(this.buf);
      this.buf = b;
    }
    return at;
  }
}

/** Words a terminal for this single prefix needs: 6, or 8 when the value cannot sit in wantLo. */
function terminalWords(p: LongPrefix, maxDepth: number): number {
  return maxDepth === MAX_NODE_DEPTH6 && p.len > 64 ? 8 : 6;
}

/** Writes the want words (the address masked to nd bits, as two little-endian u64) at `at`. */
function writeWant(b: Uint32Array, at: number, w: ArrayLike<number>, nd: number): void {
  b[at] = (w[1]! & wordMask(nd - 32)) >>> 0;
  b[at + 1] = (w[0]! & wordMask(nd)) >>> 0;
  b[at + 2] = (w[3]! & wordMask(nd - 96)) >>> 0;
  b[at + 3] = (w[2]! & wordMask(nd - 64)) >>> 0;
}

/** Emits the node for prefixes ps at depth d into `room` reserved words at `at`. */
function emit(wr: Writer, at: number, d: number, ps: LongPrefix[], dv: number, maxDepth: number, room = NODE_WORDS): void {
  // One prefix left: a terminal (compare all its bits, answer its value or the default).
  if (ps.length === 1) {
    const p = ps[0]!;
    const need = terminalWords(p, maxDepth);
    if (need > room) {
      // redirect: a skip node over the bits already matched, pointing to the long terminal
      const t = wr.reserve(need);
      const b = wr.buf;
      writeWant(b, at, p.w, d);
      b[at + 4] = (SKIP_FLAG | ((d - 1) << 24) | (t >>> 1)) >>> 0;
      b[at + 5] = dv;
      wr.skipFix.push(at + 4);
      emit(wr, t, d, ps, dv, maxDepth, need);
      return;
    }
    const b = wr.buf;
    writeWant(b, at, p.w, p.len);
    b[at + 4] = (SKIP_FLAG | ((p.len - 1) << 24)) >>> 0;
    b[at + 5] = dv;
    if (need === 8) b[at + 6] = p.value;
    else b[at + 2] = p.value;
    return;
  }
  // A chain: all prefixes share bits [d, nd) and none ends before nd + 1 -> one skip node.
  if (d + 12 <= maxDepth) {
    let minLen = 129;
    let cpl = 128;
    const w0 = ps[0]!.w;
    for (const p of ps) {
      if (p.len < minLen) minLen = p.len;
      const c = commonLen(w0, p.w);
      if (c < cpl) cpl = c;
    }
    const limit = Math.min(cpl, minLen - 1);
    const nd = Math.min(maxDepth, 16 + 6 * Math.floor((limit - 16) / 6));
    if (nd >= d + 12) {
      const child = wr.reserve(NODE_WORDS);
      const b = wr.buf;
      writeWant(b, at, w0, nd);
      b[at + 4] = (SKIP_FLAG | ((nd - 1) << 24) | (child >>> 1)) >>> 0; // (child*4) >> 3
      b[at + 5] = dv;
      wr.skipFix.push(at + 4);
      emit(wr, child, nd, ps, dv, maxDepth);
      return;
    }
  }
  emitNormal(wr, at, d, ps, dv, maxDepth);
}

/** A child of a split root, built on its own (see lpm-slot.ts). */
export interface ChildGroup {
  /** rank among the root's children (position in its children array). */
  rank: number;
  ps: LongPrefix[];
  dv: number;
}

/**
 * Writes a normal node. Children are emitted recursively, or, when `children` is given, left as zeroed
 * records and described in `children` for the caller to build separately.
 */
function emitNormal(wr: Writer, at: number, d: number, ps: LongPrefix[], dv: number, maxDepth: number, children?: ChildGroup[]): void {
  const slots: number[] = new Array<number>(64).fill(dv);
  const ends = ps.filter((p) => p.len <= d + 6).sort((a, b) => a.len - b.len);
  for (const p of ends) {
    const start = bits6(p.w, d);
    slots.fill(p.value, start, start + (1 << (d + 6 - p.len)));
  }
  const groups = new Map<number, LongPrefix[]>();
  for (const p of ps) {
    if (p.len <= d + 6) continue;
    const s = bits6(p.w, d);
    const g = groups.get(s);
    if (g) g.push(p);
    else groups.set(s, [p]);
  }
  let vecLo = 0, vecHi = 0, lvLo = 0, lvHi = 0;
  const leaves: number[] = [];
  let prev = -1;
  for (let s = 0; s < 64; s++) {
    if (groups.has(s)) {
      if (s < 32) vecLo |= 1 << s;
      else vecHi |= 1 << (s - 32);
      continue;
    }
    if (leaves.length === 0 || slots[s] !== prev) {
      leaves.push(slots[s]!);
      prev = slots[s]!;
      if (s < 32) lvLo |= 1 << s;
      else lvHi |= 1 << (s - 32);
    }
  }
  const nChild = groups.size;
  const cbase = nChild > 0 ? wr.reserve(NODE_WORDS * nChild) : 0;
  const lbase = wr.reserve(leaves.length);
  const b = wr.buf;
  for (let i = 0; i < leaves.length; i++) b[lbase + i] = leaves[i]!;
  b[at] = vecLo >>> 0;
  b[at + 1] = vecHi >>> 0;
  b[at + 2] = lvLo >>> 0;
  b[at + 3] = lvHi >>> 0;
  b[at + 4] = cbase * 4;
  b[at + 5] = lbase * 4;
  if (nChild > 0) wr.ptrFix.push(at + 4);
  wr.ptrFix.push(at + 5);
  let k = 0;
  for (const s of [...groups.keys()].sort((x, y) => x - y)) {
    if (children) children.push({ rank: k++, ps: groups.get(s)!, dv: slots[s]! });
    else emit(wr, cbase + NODE_WORDS * k++, d + 6, groups.get(s)!, slots[s]!, maxDepth);
  }
}

/**
 * Builds the subtree for prefixes (all longer than depth, all under one node position) with its root
 * at word 0. As a block root (room undefined) a single long IPv6 prefix gets an 8-word terminal; as an
 * array child (room 6) the root record is 6 words and everything else follows it.
 */
export function buildSubtree(ps: LongPrefix[], dv: number, maxDepth: number, depth = 16, room?: number): BuiltBlock {
  const wr = new Writer();
  const r = room ?? (ps.length === 1 ? terminalWords(ps[0]!, maxDepth) : NODE_WORDS);
  const root = wr.reserve(r);
  emit(wr, root, depth, ps, dv, maxDepth, r);
  return { words: wr.buf.subarray(0, wr.n), ptrFix: wr.ptrFix, skipFix: wr.skipFix };
}

/** Builds only the root node (always a normal node) of a slot; its children are returned unbuilt. */
export function buildSplitRoot(ps: LongPrefix[], dv: number, maxDepth: number): { top: BuiltBlock; children: ChildGroup[] } {
  const wr = new Writer();
  const root = wr.reserve(NODE_WORDS);
  const children: ChildGroup[] = [];
  emitNormal(wr, root, 16, ps, dv, maxDepth, children);
  return { top: { words: wr.buf.subarray(0, wr.n), ptrFix: wr.ptrFix, skipFix: wr.skipFix }, children };
}

/**
 * Places a child built by buildSubtree(..., room 6): its 6-word record at word recW (inside a parent's
 * children array), the rest at byte address sub (its own block; none for a terminal).
 */
export function relocateChild(blk: BuiltBlock, m: Uint32Array, sub: number, recW: number): void {
  const w = blk.words;
  if (sub + (w.length - NODE_WORDS) * 4 > MAX_ARENA_BYTES) throw new LpmError("lpm_capacity", "LPM subtree past the addressable 128 MiB");
  const base = sub - NODE_WORDS * 4; // relative byte r lands at base + r
  m.set(w.subarray(0, NODE_WORDS), recW);
  if (w.length > NODE_WORDS) m.set(w.subarray(NODE_WORDS), sub >>> 2);
  const at = (i: number) => (i < NODE_WORDS ? recW + i : (sub >>> 2) + i - NODE_WORDS);
  for (const i of blk.ptrFix) m[at(i)] = m[at(i)]! + base;
  const add = base >>> 3;
  for (const i of blk.skipFix) {
    const c = m[at(i)]!;
    m[at(i)] = ((c & 0xff000000) | (((c & 0xffffff) + add) & 0xffffff)) >>> 0;
  }
}

/** Copies a built block to byte address `base` of m, turning relative pointers into absolute ones. */
export function relocate(blk: BuiltBlock, m: Uint32Array, base: number): void {
  if (base + blk.words.length * 4 > MAX_ARENA_BYTES) throw new LpmError("lpm_capacity", "LPM subtree past the addressable 128 MiB");
  const w = base >>> 2;
  m.set(blk.words, w);
  for (const i of blk.ptrFix) m[w + i] = m[w + i]! + base;
  const add = base >>> 3;
  for (const i of blk.skipFix) {
    const c = m[w + i]!;
    m[w + i] = ((c & 0xff000000) | (((c & 0xffffff) + add) & 0xffffff)) >>> 0;
  }
}
