// A work budget per turn of the host's event loop, shared by everyone who does large CPU-bound work in
// slices (stream decompression: src/memberlist/codec/inflate-async.ts). Each slice first spends its units;
// while the current turn has budget left the slice runs at once, otherwise it waits for a later turn, so
// timers, datagrams and other sockets get the loop in between however many streams are inflating.
//
// A "turn" ends when a host macrotask runs (setTimeout 0: Node runs the poll phase, i.e. pending I/O,
// before it). The host scheduler, not the injected simulation clock, decides: this is about the real loop.
// Invariants: at most perTurn units are granted per turn, except that the first slice of a turn is always
// granted (a slice larger than the budget still makes progress). Waiters are served oldest TICKET first
// (a job takes one ticket when it starts, ticket(), and spends with it): a job that started earlier runs
// its slices before later jobs start theirs, so few jobs hold their partial output at a time (250
// streams inflating at once then hold ~2 jobs' buffers, not 250). Equal tickets: arrival order.

export interface WorkGateStats {
  /** Units granted in total. */
  granted: number;
  /** Slices that had to wait for a later turn. */
  deferred: number;
  /** Turns that ended with waiters still queued (each costs one macrotask). */
  turns: number;
}

const hostDefer = (fn: () => void): void => {
  setTimeout(fn, 0);
};

export class WorkGate {
  readonly perTurn: number;
  private used = 0;
  private armed = false;
  private readonly waiters: Array<{ n: number; ticket: number; go: () => void }> = [];
  private nextTicket = 0;
  private readonly defer: (fn: () => void) => void;
  readonly stats: WorkGateStats = { granted: 0, deferred: 0, turns: 0 };

  constructor(perTurn: number, defer: (fn: () => void) => void = hostDefer) {
    if (!(perTurn > 0)) throw new RangeError(`work budget per turn must be positive, got ${perTurn}`);
    this.perTurn = perTurn;
    this.defer = defer;
  }

  /** A job's place in line (older jobs are served first). */
  ticket(): number {
    return this.nextTicket++;
  }

  /**
   * Spends `n` units for the job holding `ticket` (default: behind every job): null when the slice may
   * run now, else a promise resolved (with the units granted) on a later turn.
   */
  spend(n: number, ticket = Infinity): Promise<void> | null {
    if (this.waiters.length === 0 && (this.used === 0 || this.used + n <= this.perTurn)) {
      this.grant(n);
      return null;
    }
    this.stats.deferred++;
    return new Promise<void>((go) => {
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.ticket > ticket) i--;
      this.waiters.splice(i, 0, { n, ticket, go });
      this.arm();
    });
  }

  private grant(n: number): void {
    this.used += n;
    this.stats.granted += n;
    this.arm();
  }

  /** One reset per turn, scheduled when the turn's first units are spent. */
  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.defer(() => this.turn());
  }

  private turn(): void {
    this.armed = false;
    this.used = 0;
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (this.used !== 0 && this.used + w.n > this.perTurn) break;
      this.waiters.shift();
      this.grant(w.n);
      w.go();
    }
    if (this.waiters.length > 0) {
      this.stats.turns++;
      this.arm();
    }
  }
}
