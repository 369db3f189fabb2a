// The transmit-limited broadcast queue (memberlist's TransmitLimitedQueue): each queued message is handed
// out at most RetransmitMult × ceil(log10(N + 1)) times, lowest transmit count first; within a count the
// largest message that still fits, then the newest. A named broadcast replaces a queued one of the same
// name; an unnamed one may invalidate others through `invalidates`. Unique broadcasts skip the check.
//
// Layout: one sorted array per transmit count ("tier"), each ordered by (length desc, id desc), so a
// retrieval is a single pass over the tiers and a hand-out moves one item to the next tier.

export interface Broadcast {
  /** The bytes to gossip (for user broadcasts: the payload without the 0x08 type byte). */
  message(): Uint8Array;
  /** Replaces any queued broadcast with the same name. */
  readonly name?: string;
  /** Never invalidates anything, and is never checked (memberlist's UniqueBroadcast). */
  readonly unique?: boolean;
  /** For unnamed, non-unique broadcasts: true if this one supersedes `other`. */
  invalidates?(other: Broadcast): boolean;
  /** Called once, when the broadcast reached its transmit limit or was invalidated. */
  finished?(): void;
}

interface Item {
  b: Broadcast;
  msg: Uint8Array;
  transmits: number;
  id: number;
}

/** Retransmit limit for a cluster of n nodes (memberlist retransmitLimit). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  const nodeScale = Math.ceil(Math.log10(n + 1));
  return retransmitMult * nodeScale;
}

function before(a: Item, b: Item): boolean {
  // Within a tier: longer first, then newer (higher id) first.
  return a.msg.length !== b.msg.length ? a.msg.length > b.msg.length : a.id > b.id;
}

export class TransmitLimitedQueue {
  /** Estimated cluster size, read at retrieval time. */
  numNodes: () => number;
  retransmitMult: number;
  private tiers: Item[][] = [];
  private byName = new Map<string, Item>();
  private count = 0;
  private nextId = 0;

  constructor(numNodes: () => number, retransmitMult: number) {
    this.numNodes = numNodes;
    this.retransmitMult = retransmitMult;
  }

  /** Queue raw bytes, optionally named so a later broadcast with the same name replaces it. */
  queue(msg: Uint8Array, name?: string, finished?: () => void): void {
    const b: Broadcast = name === undefined ? { message: () => msg } : { message: () => msg, name };
    if (finished) (b as { finished?: () => void }).finished = finished;
    this.queueBroadcast(b);
  }

  queueBroadcast(b: Broadcast): void {
    if (!b.unique) {
      if (b.name !== undefined) {
        const old = this.byName.get(b.name);
        if (old) {
          this.remove(old);
          old.b.finished?.();
        }
      } else if (this.count > 0) {
        const gone: Item[] = [];
        for (const tier of this.tiers) for (const it of tier) if (b.invalidates?.(it.b)) gone.push(it);
        for (const it of gone) {
          this.remove(it);
          it.b.finished?.();
        }
      }
    }
    const item: Item = { b, msg: b.message(), transmits: 0, id: this.nextId++ };
    this.insert(item);
  }

  /** Messages to send now, each costing `overhead` + its length, in total at most `limit` bytes. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    if (this.count === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const out: Uint8Array[] = [];
    const taken: Item[] = [];
    let used = 0;
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t];
      if (!tier || tier.length === 0) continue;
      for (let i = 0; i < tier.length; ) {
        const free = limit - used - overhead;
        if (free <= 0) break;
        const it = tier[i]!;
        if (it.msg.length > free) {
          i++;
          continue;
        }
        used += overhead + it.msg.length;
        out.push(it.msg);
        tier.splice(i, 1);
        taken.push(it);
      }
      if (limit - used - overhead <= 0) break;
    }
    for (const it of taken) {
      it.transmits++;
      if (it.transmits >= transmitLimit) {
        this.count--;
        if (it.b.name !== undefined && this.byName.get(it.b.name) === it) this.byName.delete(it.b.name);
        it.b.finished?.();
      } else {
        this.placeInTier(it);
      }
    }
    return out;
  }

  numQueued(): number {
    return this.count;
  }

  /** Drop everything (finished() is called for each). */
  reset(): void {
    const all = this.tiers.flat();
    this.tiers = [];
    this.byName.clear();
    this.count = 0;
    for (const it of all) it.b.finished?.();
  }

  /** Keep at most maxRetain messages, dropping the most-transmitted first. */
  prune(maxRetain: number): void {
    while (this.count > maxRetain) {
      for (let t = this.tiers.length - 1; t >= 0; t--) {
        const tier = this.tiers[t];
        if (tier && tier.length > 0) {
          const it = tier[tier.length - 1]!;
          this.remove(it);
          it.b.finished?.();
          break;
        }
      }
    }
  }

  private insert(it: Item): void {
    this.count++;
    if (it.b.name !== undefined && !it.b.unique) this.byName.set(it.b.name, it);
    this.placeInTier(it);
  }

  private placeInTier(it: Item): void {
    while (this.tiers.length <= it.transmits) this.tiers.push([]);
    const tier = this.tiers[it.transmits]!;
    let lo = 0;
    let hi = tier.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(tier[mid]!, it)) lo = mid + 1;
      else hi = mid;
    }
    tier.splice(lo, 0, it);
  }

  private remove(it: Item): void {
    const tier = this.tiers[it.transmits];
    const i = tier ? tier.indexOf(it) : -1;
    if (i < 0) return;
    tier!.splice(i, 1);
    this.count--;
    if (it.b.name !== undefined && this.byName.get(it.b.name) === it) this.byName.delete(it.b.name);
  }
}
