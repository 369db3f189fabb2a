// Simulated clock for deterministic simulations: a binary heap of timers ordered by (due time, creation
// order), advanced only by runUntil/advance. Nothing depends on real time, so runs are reproducible.
//
// Async work: callbacks may start promise chains (in-memory streams, async crypto). Whoever resolves such
// work calls markAsync(); the runner then yields one host macrotask after that timer, which drains every
// pending microtask before simulated time moves on. Work that waits on the host itself (WebCrypto runs
// off-thread) is bracketed with beginWork()/endWork(): while any is open the runner keeps yielding to the
// host, so simulated time never moves under it. Purely synchronous work (plain packets) pays nothing.
import type { Clock, TimerHandle } from "./clock.ts";

interface Timer {
  readonly id: number;
  at: number;
  fn: (() => void) | null;
}

const yieldHost: () => Promise<void> =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? () => new Promise((r) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(r))
    : () => new Promise((r) => setTimeout(r, 0));

export class SimClock implements Clock {
  private t = 0;
  private heap: Timer[] = [];
  private nextId = 1;
  private asyncPending = false;
  private busy = 0;
  /** Number of timer callbacks run so far. */
  fired = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: this.nextId++, at: this.t + (ms > 0 ? ms : 0), fn };
    this.push(timer);
    return timer;
  }

  clearTimeout(h: TimerHandle): void {
    const timer = h as Timer;
    if (timer && typeof timer === "object" && "fn" in timer) timer.fn = null;
  }

  /** Signal that a promise chain was started/resolved and must run before time advances. */
  markAsync(): void {
    this.asyncPending = true;
  }

  /** Host-async work started (simulated time must not advance until endWork). */
  beginWork(): void {
    this.busy++;
  }

  endWork(): void {
    this.busy--;
  }

  /** Number of timers scheduled (including cancelled ones not yet popped). */
  pending(): number {
    return this.heap.length;
  }

  /** Run every timer due up to and including `until`, then set the clock to `until`. */
  async runUntil(until: number): Promise<void> {
    if (this.asyncPending || this.busy > 0) await this.drain();
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > until) break;
      this.pop();
      const fn = top.fn;
      if (!fn) continue;
      top.fn = null;
      this.t = top.at;
      this.fired++;
      fn();
      if (this.asyncPending || this.busy > 0) await this.drain();
    }
    if (until > this.t) this.t = until;
  }

  advance(ms: number): Promise<void> {
    return this.runUntil(this.t + ms);
  }

  /** Advance in steps until `cond()` holds or `maxMs` passes; returns whether it held. */
  async runUntilTrue(cond: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    const end = this.t + maxMs;
    while (this.t < end) {
      if (cond()) return true;
      await this.runUntil(Math.min(end, this.t + stepMs));
    }
    return cond();
  }

  private async drain(): Promise<void> {
    while (this.asyncPending || this.busy > 0) {
      this.asyncPending = false;
      await yieldHost();
    }
  }

  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(x, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = x;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r]!, h[l]!) ? r : l;
      if (!less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
