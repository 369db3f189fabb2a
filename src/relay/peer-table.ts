// Local peer table keyed by the raw 36-byte ID, for the forwarding hot path: the destination of a
// transport message is looked up straight from the message bytes, without building its printable
// string. The ID is read once into nine 32-bit words; buckets are chosen by a multilinear hash of the
// eight hash words with per-table random multipliers (peers choose their IDs freely, so a fixed hash
// would let them pile into one bucket), and entries in a bucket are compared word for word, so a hash
// collision never misroutes.
export interface PeerEntry {
  /** The 36-byte ID (owned by the entry, must not change while in the table). */
  readonly id: Uint8Array;
  /** Table-private: the ID as nine words and the next entry in the same bucket. */
  idWords: Int32Array | undefined;
  nextInBucket: PeerEntry | undefined;
}

const WORDS = 9;

export class PeerTable<E extends PeerEntry> {
  private readonly buckets = new Map<number, E>();
  private readonly m = new Int32Array(WORDS);
  private readonly scratch = new Int32Array(WORDS);
  private n = 0;

  constructor() {
    crypto.getRandomValues(this.m);
    for (let i = 0; i < WORDS; i++) this.m[i]! |= 1;
  }

  get size(): number {
    return this.n;
  }

  /** Reads the ID at buf[off..off+36) into `w` and returns its bucket key (a small integer). */
  private load(buf: Uint8Array, off: number, w: Int32Array): number {
    const m = this.m;
    let h = 0;
    for (let i = 0, o = off; i < WORDS; i++, o += 4) {
      const x = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
      w[i] = x;
      h = (h + Math.imul(x ^ (x >>> 15), m[i]!)) | 0;
    }
    return (h ^ (h >>> 16)) & 0x3fffffff; // small-integer keys keep Map lookups on the fast path
  }

  /** The entry whose ID equals buf[off..off+36), if any. */
  get(buf: Uint8Array, off: number): E | undefined {
    const w = this.scratch;
    let e = this.buckets.get(this.load(buf, off, w));
    while (e !== undefined) {
      const x = e.idWords!;
      let i = 0;
      while (i < WORDS && x[i] === w[i]) i++;
      if (i === WORDS) return e;
      e = e.nextInBucket as E | undefined;
    }
    return undefined;
  }

  /** Inserts `e`; an entry with the same ID must not be present (delete it first). */
  add(e: E): void {
    const w = new Int32Array(WORDS);
    const h = this.load(e.id, 0, w);
    e.idWords = w;
    e.nextInBucket = this.buckets.get(h);
    this.buckets.set(h, e);
    this.n++;
  }

  /** Removes exactly this entry (not merely one with the same ID). */
  delete(e: E): boolean {
    if (e.idWords === undefined) return false;
    const h = this.load(e.id, 0, this.scratch);
    let cur = this.buckets.get(h);
    let prev: E | undefined;
    while (cur !== undefined && cur !== e) {
      prev = cur;
      cur = cur.nextInBucket as E | undefined;
    }
    if (cur === undefined) return false;
    if (prev === undefined) {
      if (e.nextInBucket === undefined) this.buckets.delete(h);
      else this.buckets.set(h, e.nextInBucket as E);
    } else prev.nextInBucket = e.nextInBucket;
    e.nextInBucket = undefined;
    e.idWords = undefined;
    this.n--;
    return true;
  }
}
