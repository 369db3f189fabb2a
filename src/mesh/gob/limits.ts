// Limits on untrusted gob input. Every stream decoder enforces them, so a peer cannot make us buffer,
// allocate or recurse without bound. Defaults suit meshage (minimega moves file parts of a few MiB
// through bodies); a node can lower or raise them.
export interface GobLimits {
  /** Largest unit payload accepted (Go's own limit is 1 GiB). */
  maxUnitBytes: number;
  /** Most bytes one top-level item (value plus the continuation units of its inline types) may span. */
  maxItemBytes: number;
  /** Most units one item may span (inline type definitions cut the item into several). */
  maxUnitsPerItem: number;
  /** Nesting depth of values and types. */
  maxDepth: number;
  /** Elements (slice, array and map entries, struct fields) one item may hold in total. */
  maxElements: number;
  /** Type definitions one stream may make. */
  maxTypes: number;
  /** Fields per struct definition. */
  maxFields: number;
}

export const DEFAULT_GOB_LIMITS: Readonly<GobLimits> = Object.freeze({
  maxUnitBytes: 64 * 1024 * 1024,
  maxItemBytes: 72 * 1024 * 1024,
  maxUnitsPerItem: 256,
  maxDepth: 64,
  maxElements: 4 * 1024 * 1024,
  maxTypes: 1024,
  maxFields: 1024,
});

export function gobLimits(overrides: Partial<GobLimits> = {}): GobLimits {
  return { ...DEFAULT_GOB_LIMITS, ...overrides };
}
