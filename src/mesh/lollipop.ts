// Sequence numbers for MSA floods, per sender Instance (docs/protocols/meshage.md §7). minimega's rule:
// an MSA is new if its ID is above the highest seen for its Instance; an ID of exactly 1 while the stored
// value is above LOLLIPOP_LENGTH resets the stored value first (the sender's counter restarted). That
// makes a same-Instance restart wait until the new counter climbs past the old one whenever the old one
// was still on the "stick" (<= 16), or whenever ID 1 itself was missed: up to 16 MSA periods.
// We accept such a restart at once: an ID on the stick that is below the stored value is taken as a
// restart when the Instance has been quiet for at least `quietMs` (a delayed duplicate of an old flood
// arrives within the flood's propagation time, far less than one MSA period; a restarted counter's
// MSAs come at least one rate-limit interval apart). Entries of Instances silent for `expireMs` are
// dropped, so restarts do not grow the table without bound.
import { LOLLIPOP_LENGTH } from "./constants.ts";

interface Entry {
  id: bigint;
  at: number;
}

export class SequenceTable {
  private readonly table = new Map<bigint, Entry>();
  /** The entry last used for each Instance value seen in a row (bigint Map lookups hash the digits; a
   * comparison with the previous Instance is cheap, and floods arrive in runs from the same senders). */
  private lastInstance = -1n;
  private lastEntry: Entry | undefined;
  private readonly quietMs: number;
  private readonly expireMs: number;
  /** Accepted as counter restarts under our rule where minimega would have dropped them. */
  restarts = 0;

  constructor(opts: { quietMs: number; expireMs: number }) {
    this.quietMs = opts.quietMs;
    this.expireMs = opts.expireMs;
  }

  get size(): number {
    return this.table.size;
  }

  /** Our own next sequence number (stored like any other Instance). */
  next(instance: bigint, now: number): bigint {
    const e = this.lookup(instance);
    if (!e) {
      this.table.set(instance, { id: 1n, at: now });
      return 1n;
    }
    e.id += 1n;
    e.at = now;
    return e.id;
  }

  /** Whether an MSA (instance, id) is new; records it if so. */
  accept(instance: bigint, id: bigint, now: number): boolean {
    const e = this.lookup(instance);
    if (!e) {
      this.table.set(instance, { id, at: now });
      return id > 0n;
    }
    const stick = BigInt(LOLLIPOP_LENGTH);
    if (id === 1n && e.id > stick) e.id = 0n; // minimega's lollipop reset
    if (id > e.id) {
      e.id = id;
      e.at = now;
      return true;
    }
    if (id <= stick && id < e.id && now - e.at >= this.quietMs) {
      this.restarts++;
      e.id = id;
      e.at = now;
      return true;
    }
    return false;
  }

  private lookup(instance: bigint): Entry | undefined {
    if (instance === this.lastInstance && this.lastEntry) return this.lastEntry;
    const e = this.table.get(instance);
    if (e) {
      this.lastInstance = instance;
      this.lastEntry = e;
    }
    return e;
  }

  /** Drops Instances not heard from for expireMs (never `keep`, our own). */
  sweep(now: number, keep: bigint): void {
    for (const [k, e] of this.table) if (k !== keep && now - e.at >= this.expireMs) this.table.delete(k);
    this.lastEntry = undefined;
    this.lastInstance = -1n;
  }
}
