// Waiting in tests: on a condition, never on a fixed sleep. Guards the house rule that a test waits for
// what it expects to happen (so it is as fast as the machine allows and not flaky when the machine is
// loaded), and that the few waits whose *length* is the point (nothing may arrive within X) say so by
// name. Portable (Web APIs only): the relay conformance suite runs these helpers inside workerd too.

export interface WaitOptions {
  /** Give up after this many milliseconds (default 5000). */
  timeout?: number;
  /** Poll every this many milliseconds (default 10). */
  interval?: number;
}

/** A condition did not become true in time. The message names the condition and its last failure. */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(what: string, ms: number, cause?: unknown) {
    const last = cause === undefined ? "" : `; last check threw: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(`timed out after ${ms} ms waiting for ${what}${last}`, cause === undefined ? undefined : { cause });
  }
}

type Falsy = false | 0 | "" | null | undefined;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `cond` until it returns a truthy value and resolves with that value. A check that throws counts
 * as "not yet" (an `expect` inside works, as with vi.waitFor); the last error is reported on timeout.
 * The first few re-checks come after a bare host turn, so work that only needs the event loop to turn
 * (promise chains, queued microtasks) is seen at once; after that it polls every `interval` ms.
 */
export async function waitUntil<T>(what: string, cond: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Exclude<T, Falsy>> {
  const timeout = opts.timeout ?? 5000;
  const interval = opts.interval ?? 10;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const v = await cond();
      if (v) return v as Exclude<T, Falsy>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeout, lastError);
    await pause(attempt < 3 ? 0 : interval);
  }
}

/** Resolves like `p`, or rejects with a WaitTimeoutError naming `what` after `ms` (default 5000). */
export function withTimeout<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new WaitTimeoutError(what, ms)), ms)));
  return Promise.race([p, timer]).finally(() => {
    if (t !== undefined) clearTimeout(t);
  });
}

/**
 * A deliberate fixed wait, for tests whose subject is an ABSENCE: "nothing arrives within `ms`", "the
 * lookup window passes without an answer". `why` documents at the call site what must (not) happen in
 * that time. Never use it to wait for something that should happen: that is waitUntil.
 */
export function quietPeriod(ms: number, why: string): Promise<void> {
  void why;
  return pause(ms);
}

/**
 * Lets every already-queued microtask and promise reaction run (a few host turns, no timer length
 * involved). For unit tests on simulated clocks that assert nothing MORE happened after synchronous
 * input; a positive expectation waits with waitUntil instead.
 */
export async function drainEventLoop(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await pause(0);
}
