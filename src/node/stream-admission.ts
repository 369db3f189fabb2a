// Admission of accepted TCP connections on the Node transport: who may take one of its stream slots, and
// for how long a connection may sit there without saying anything.
//
// The attack this answers: memberlist streams carry one request each, and a slot used to be held for the
// whole 10 s read deadline, so ~26 silent connections per second from one host kept every slot busy and
// every join and push/pull was refused. Rules, in order, for a new connection from address A:
// 1. A must be inside --allowed-cidrs when that is set (else refused, `cidr`).
// 2. A may hold at most `perSource` slots (else refused, `per_source`). Loopback peers are ordinary
//    sources: each 127.x.y.z address counts on its own.
// 3. When every slot is taken, the oldest connection that has not sent a byte yet is closed to make room
//    (`evicted_silent`); a connection that has sent its first bytes is never evicted. With no silent
//    connection to evict, the new one is refused (`capacity`).
// 4. A connection must send its first bytes within `firstByteMs` (a real dialer writes its request at
//    once), else it is closed (`first_byte_timeout`). After that, memberlist's own read deadline applies.
// Counters are cumulative; `open` and `silent` are current.

export interface AdmissionOptions {
  /** Total slots (default 256). */
  maxStreams: number;
  /** Slots one source address may hold (default 16). */
  perSource: number;
  /** Deadline for a connection's first bytes in ms (default 2000). */
  firstByteMs: number;
}

export const ADMISSION_DEFAULTS: Readonly<AdmissionOptions> = Object.freeze({ maxStreams: 256, perSource: 16, firstByteMs: 2_000 });

export type RefusalReason = "cidr" | "per_source" | "capacity";

export interface AdmissionStats {
  open: number;
  /** Open connections that have not sent a byte yet. */
  silent: number;
  accepted: number;
  refused: Record<RefusalReason, number>;
  evictedSilent: number;
  firstByteTimeouts: number;
}

/** What admission needs of a connection: close it, and its source address. */
export interface AdmittedConn {
  readonly source: string;
  destroy(): void;
}

export class StreamAdmission<C extends AdmittedConn> {
  readonly o: AdmissionOptions;
  private readonly bySource = new Map<string, number>();
  /** Open connections, in arrival order; true once the connection has sent bytes. */
  private readonly conns = new Map<C, boolean>();
  private readonly silentSet = new Set<C>();
  readonly counters = { accepted: 0, evictedSilent: 0, firstByteTimeouts: 0, refused: { cidr: 0, per_source: 0, capacity: 0 } as Record<RefusalReason, number> };

  constructor(o: Partial<AdmissionOptions> = {}) {
    this.o = { ...ADMISSION_DEFAULTS, ...o };
  }

  /** Decides a new connection: null when admitted (the caller then calls spoke/closed), else why not. */
  admit(c: C, allowed: boolean): RefusalReason | null {
    if (!allowed) return this.refuse("cidr");
    if ((this.bySource.get(c.source) ?? 0) >= this.o.perSource) return this.refuse("per_source");
    if (this.conns.size >= this.o.maxStreams) {
      const victim = this.silentSet.values().next();
      if (victim.done) return this.refuse("capacity");
      this.counters.evictedSilent++;
      this.closed(victim.value);
      victim.value.destroy();
    }
    this.counters.accepted++;
    this.conns.set(c, false);
    this.silentSet.add(c);
    this.bySource.set(c.source, (this.bySource.get(c.source) ?? 0) + 1);
    return null;
  }

  /** The connection sent its first bytes: it can no longer be evicted. */
  spoke(c: C): void {
    if (this.conns.get(c) === false) {
      this.conns.set(c, true);
      this.silentSet.delete(c);
    }
  }

  /** The first-byte deadline passed: true when the connection was still silent (the caller closes it). */
  firstByteDeadline(c: C): boolean {
    if (this.conns.get(c) !== false) return false;
    this.counters.firstByteTimeouts++;
    return true;
  }

  /** The connection closed (idempotent). */
  closed(c: C): void {
    if (!this.conns.delete(c)) return;
    this.silentSet.delete(c);
    const n = (this.bySource.get(c.source) ?? 1) - 1;
    if (n <= 0) this.bySource.delete(c.source);
    else this.bySource.set(c.source, n);
  }

  /** Open connections from `source`. */
  heldBy(source: string): number {
    return this.bySource.get(source) ?? 0;
  }

  stats(): AdmissionStats {
    const c = this.counters;
    return { open: this.conns.size, silent: this.silentSet.size, accepted: c.accepted, refused: { ...c.refused }, evictedSilent: c.evictedSilent, firstByteTimeouts: c.firstByteTimeouts };
  }

  private refuse(r: RefusalReason): RefusalReason {
    this.counters.refused[r]++;
    return r;
  }
}
