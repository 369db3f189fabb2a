// Where remote peers are: the fabric's locate cache (peerID -> pod address, TTL 5 min) with upstream's
// seqno rule, and the per-pod I_HAVE seqno counter.
//
// Rules (openZro relay/server/cluster, docs/protocols/relay-fabric.md §3):
// - Any I_HAVE, solicited or not, populates the cache unless a live entry with a HIGHER seqno exists
//   (`offer`). An I_HAVE from the pod the entry already names always refreshes it.
// - Seqnos are per-pod counters, so comparing them across pods only orders answers from one pod
//   reliably; gossamer's PRESENCE announcements therefore override unconditionally (`set`, seqno 0):
//   "peer X just connected to pod P" is newer than any earlier answer.
// - Entries are invalidated when the stream to their pod is gone or a send to it fails; nothing is
//   retried. The cache is bounded (oldest entries go first).
import type { Clock } from "../../util/index.ts";
import type { PeerIdString } from "../peer-id.ts";
import { LOCATE_CACHE_TTL_MS } from "./protocol.ts";

interface Entry {
  addr: string;
  seqno: number;
  expires: number;
}

export class LocateCache {
  private readonly m = new Map<PeerIdString, Entry>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(clock: Clock, ttlMs = LOCATE_CACHE_TTL_MS, maxEntries = 100_000) {
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.m.size;
  }

  /** The pod address for `id`, or null when unknown or expired. */
  get(id: PeerIdString): string | null {
    const e = this.m.get(id);
    if (!e) return null;
    if (this.clock.now() >= e.expires) {
      this.m.delete(id);
      return null;
    }
    return e.addr;
  }

  /** An I_HAVE: stored unless a live entry from another pod has a higher seqno. Returns whether stored. */
  offer(id: PeerIdString, addr: string, seqno: number): boolean {
    const e = this.m.get(id);
    if (e && this.clock.now() < e.expires && e.addr !== addr && e.seqno > seqno) return false;
    this.put(id, addr, seqno);
    return true;
  }

  /** A presence announcement: stored unconditionally. */
  set(id: PeerIdString, addr: string): void {
    this.put(id, addr, 0);
  }

  /** Drops the entry for `id` (only if it names `addr`, when given). Returns whether one was dropped. */
  invalidate(id: PeerIdString, addr?: string): boolean {
    const e = this.m.get(id);
    if (!e || (addr !== undefined && e.addr !== addr)) return false;
    return this.m.delete(id);
  }

  /** Drops every entry naming `addr` (its stream is gone); returns their peer IDs. */
  invalidatePod(addr: string): PeerIdString[] {
    const out: PeerIdString[] = [];
    for (const [id, e] of this.m) if (e.addr === addr) out.push(id);
    for (const id of out) this.m.delete(id);
    return out;
  }

  private put(id: PeerIdString, addr: string, seqno: number): void {
    this.m.delete(id); // re-insert: Map order = age order for eviction
    this.m.set(id, { addr, seqno, expires: this.clock.now() + this.ttlMs });
    if (this.m.size > this.maxEntries) this.m.delete(this.m.keys().next().value!);
  }
}

/** Per-pod I_HAVE sequence number: bumped on every answer, wraps at 2^32. */
export class Seqno {
  private n: number;
  constructor(start = 0) {
    this.n = start >>> 0;
  }
  next(): number {
    this.n = (this.n + 1) >>> 0;
    return this.n;
  }
  get current(): number {
    return this.n;
  }
}
