// The lookup subtree of one top-level slot (a /16) in the arena, and its incremental update.
// A slot with few prefixes is one block. A slot with many (SPLIT_MIN or more) is split: a top block
// holds the root node (always a normal node), its children array and its leaves, and each child's
// descendants live in a block of their own. A change to a prefix longer than CHILD_DEPTH that keeps the
// root's children and leaves as they are then rebuilds only that child (about 1/64 of the slot);
// anything else rebuilds the slot. The top block's header tag says whether it is split.
import type { Arena } from "./lpm-arena.ts";
import { buildSplitRoot, buildSubtree, NODE_WORDS, relocate, relocateChild, SKIP_FLAG, type BuiltBlock, type LongPrefix } from "./lpm-build.ts";
import { pop32 } from "./lpm-kernel.ts";

export const SPLIT_MIN = 48;
/** Depth of a split root's children: a prefix longer than this changes one child only. */
export const CHILD_DEPTH = 22;
const SPLIT_TAG = 1;

/** Byte pointer of the block holding a child's descendants (0 for a terminal), from its record. */
function childSub(m: Uint32Array, recW: number): number {
  const ctl = m[recW + 4]!;
  if (ctl >= SKIP_FLAG) return (ctl & 0xffffff) << 3; // skip target, or 0 for a terminal
  return (m[recW]! | m[recW + 1]!) !== 0 ? ctl : m[recW + 5]!; // first reservation: cbase, else lbase
}

function placeChild(arena: Arena, built: BuiltBlock, recW: number): void {
  const sub = built.words.length > NODE_WORDS ? arena.alloc(built.words.length - NODE_WORDS) : 0;
  relocateChild(built, arena.u32, sub, recW);
}

/** Builds a slot's subtree in the arena; returns the byte pointer of its root node. */
export function buildTree(arena: Arena, ps: LongPrefix[], dv: number, maxDepth: number): number {
  if (ps.length < SPLIT_MIN) {
    const built = buildSubtree(ps, dv, maxDepth);
    const p = arena.alloc(built.words.length);
    relocate(built, arena.u32, p);
    return p;
  }
  const { top, children } = buildSplitRoot(ps, dv, maxDepth);
  const t = arena.alloc(top.words.length);
  relocate(top, arena.u32, t);
  arena.setTag(t, SPLIT_TAG);
  const cb = arena.u32[(t >>> 2) + 4]! >>> 2;
  for (const c of children) placeChild(arena, buildSubtree(c.ps, c.dv, maxDepth, CHILD_DEPTH, NODE_WORDS), cb + NODE_WORDS * c.rank);
  return t;
}

/** Frees a slot's subtree (every block of a split one). */
export function freeTree(arena: Arena, top: number): void {
  const m = arena.u32;
  const t = top >>> 2;
  if (arena.tag(top) === SPLIT_TAG) {
    const n = pop32(m[t]!) + pop32(m[t + 1]!);
    const cb = m[t + 4]! >>> 2;
    for (let k = 0; k < n; k++) {
      const sub = childSub(m, cb + NODE_WORDS * k);
      if (sub !== 0) arena.free(sub);
    }
  }
  arena.free(top);
}

/**
 * Rebuilds child c (the 6 bits after the first 16) of a split slot from its prefixes `ps` (all longer
 * than CHILD_DEPTH) and its inherited default. False (nothing changed) when the slot is not split or
 * c is not one of its root's children; the caller then rebuilds the whole slot.
 */
export function rebuildChild(arena: Arena, top: number, c: number, ps: LongPrefix[], dv: number, maxDepth: number): boolean {
  if (ps.length === 0 || arena.tag(top) !== SPLIT_TAG) return false;
  const m = arena.u32;
  const t = top >>> 2;
  const lo = m[t]!;
  const hi = m[t + 1]!;
  if ((((c < 32 ? lo >>> c : hi >>> (c - 32)) & 1)) === 0) return false;
  const rank = c < 32 ? pop32(lo & ((1 << c) - 1)) : pop32(lo) + pop32(hi & ((1 << (c - 32)) - 1));
  const recW = (m[t + 4]! >>> 2) + NODE_WORDS * rank;
  const old = childSub(m, recW);
  placeChild(arena, buildSubtree(ps, dv, maxDepth, CHILD_DEPTH, NODE_WORDS), recW);
  if (old !== 0) arena.free(old);
  return true;
}
