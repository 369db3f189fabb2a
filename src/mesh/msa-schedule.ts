// When a node originates its MSAs (docs/protocols/meshage.md §4). minimega: on every link change and
// every period, but never within period/2 of the previous one; an MSA that falls inside that interval is
// DROPPED, so the change waits for the next periodic MSA (up to a full period).
// Ours ("coalesce"): a change is announced after a short coalescing delay (simultaneous link changes, as
// when a node dials several peers at start, go out as one MSA), and never more than 2 originations fall
// in any window of one period: a change that would exceed that is announced as soon as the window
// allows, never dropped. A periodic MSA is skipped if one went out within the last period/2 (it is a
// refresh and keepalive). Either way a node originates at most 2 MSAs per period: storms stay bounded.
import type { Clock, TimerHandle } from "../util/index.ts";

export type MsaPolicy = "coalesce" | "minimega";

export class MsaSchedule {
  private readonly clock: Clock;
  private readonly period: () => number;
  private readonly originate: () => void;
  policy: MsaPolicy;
  /** Times of the last two originations (oldest first). */
  private readonly recent: number[] = [];
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  /** Changes deferred or dropped by the rate limit. */
  limited = 0;

  constructor(clock: Clock, period: () => number, policy: MsaPolicy, originate: () => void) {
    this.clock = clock;
    this.period = period;
    this.policy = policy;
    this.originate = originate;
  }

  private last(): number {
    return this.recent.length > 0 ? this.recent[this.recent.length - 1]! : -Infinity;
  }

  private fire(): void {
    const now = this.clock.now();
    this.recent.push(now);
    if (this.recent.length > 2) this.recent.shift();
    this.originate();
  }

  private cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** A link came up or went down (or the caller asks for an MSA). */
  change(): void {
    const now = this.clock.now();
    const p = this.period();
    if (this.policy === "minimega") {
      if (now - this.last() < p / 2) {
        this.limited++;
        return;
      }
      this.fire();
      return;
    }
    const coalesce = Math.min(100, p / 20);
    // The earliest time a third origination in one period is avoided: one period after the older of the last two.
    const windowOpen = this.recent.length < 2 ? -Infinity : this.recent[0]! + p;
    const at = Math.max(now + coalesce, windowOpen);
    if (at > now + coalesce) this.limited++;
    if (this.timer && this.timerAt <= at) return; // an MSA is already due by then; it will carry this change
    this.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.fire();
    }, at - now);
  }

  /** The MSA period elapsed. */
  periodic(): void {
    const now = this.clock.now();
    if (now - this.last() < this.period() / 2) {
      if (this.policy === "minimega") this.limited++;
      return;
    }
    if (this.timer) return; // a change-triggered MSA is already scheduled
    this.fire();
  }

  stop(): void {
    this.cancel();
  }
}
