// Lifeguard dynamic suspicion timeout (memberlist suspicion.go): a suspicion starts at `max` and shrinks
// toward `min` as k independent confirmations (distinct accusers, excluding the first) arrive:
//   timeout = max(min, floor_ms(max - ln(c+1)/ln(k+1) * (max - min))), measured from the start.
// With k < 1 the timer is simply `min`. The callback gets the number of confirmations.
import type { Clock, TimerHandle } from "../util/index.ts";

/** Minimum suspicion timeout: SuspicionMult × max(1, log10(max(1, n))) × interval, to the millisecond. */
export function suspicionTimeout(suspicionMult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((suspicionMult * Math.floor(nodeScale * 1000) * intervalMs) / 1000);
}

/** Time left after `elapsedMs` with n of k confirmations. */
export function remainingSuspicionTime(n: number, k: number, elapsedMs: number, min: number, max: number): number {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const raw = max - frac * (max - min);
  let timeout = Math.floor(raw);
  if (timeout < min) timeout = min;
  return timeout - elapsedMs;
}

export class Suspicion {
  private n = 0;
  private readonly k: number;
  private readonly min: number;
  private readonly max: number;
  private readonly start: number;
  private readonly confirmations = new Set<string>();
  private timer: TimerHandle | null;
  private readonly clock: Clock;
  private readonly fn: (confirmations: number) => void;

  constructor(clock: Clock, from: string, k: number, min: number, max: number, fn: (c: number) => void) {
    this.clock = clock;
    this.k = k;
    this.min = min;
    this.max = max;
    this.fn = fn;
    this.confirmations.add(from);
    this.start = clock.now();
    this.timer = clock.setTimeout(() => this.fire(), k < 1 ? min : max);
  }

  /** Registers a confirmation from `from`; true if it was new (and so worth re-gossiping). */
  confirm(from: string): boolean {
    if (this.n >= this.k) return false;
    if (this.confirmations.has(from)) return false;
    this.confirmations.add(from);
    this.n++;
    if (this.timer === null) return true;
    const remaining = remainingSuspicionTime(this.n, this.k, this.clock.now() - this.start, this.min, this.max);
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.fire(), remaining > 0 ? remaining : 0);
    return true;
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.timer = null;
    this.fn(this.n);
  }
}
