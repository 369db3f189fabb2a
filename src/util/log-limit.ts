// Rate-limited warn/error lines on the Logger seam, so a flood of bad input (malformed packets, refused
// connections, rejected HELLOs) cannot turn into a flood of log lines. Portable: it needs only a clock.
//
// Rule: warn and error lines are keyed by their message text. Each key may log `burst` lines per window
// of `intervalMs`; further lines in that window are counted, not written. The first line written for the
// key after suppression carries `suppressed: N` (how many lines of that key were dropped since the last
// one written). debug and info lines pass through untouched. Children share the parent's limiter: a
// message is limited process-wide whatever component logs it.
//
// Invariants: memory is bounded (at most `maxKeys` keys are tracked; past that, the oldest key is
// forgotten together with its unreported count, which is then reported on a line of its own under the
// key `log_limit_evicted`); a suppressed line never throws and costs one map lookup.
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";

export interface LogLimitOptions {
  /** Window length (default 10 s). */
  intervalMs?: number;
  /** warn/error lines per message text per window (default 5). */
  burst?: number;
  /** Message texts tracked at once (default 1024). */
  maxKeys?: number;
}

export const LOG_LIMIT_DEFAULTS = Object.freeze({ intervalMs: 10_000, burst: 5, maxKeys: 1024 });

interface Slot {
  windowStart: number;
  written: number;
  suppressed: number;
}

/** The shared state of one limited logger tree (exposed for metrics and tests). */
export class LogLimiter {
  readonly intervalMs: number;
  readonly burst: number;
  readonly maxKeys: number;
  private readonly now: () => number;
  private readonly slots = new Map<string, Slot>();
  /** Lines dropped in total (every key, every window). */
  suppressedTotal = 0;

  constructor(clock: Pick<Clock, "now">, o: LogLimitOptions = {}) {
    this.now = () => clock.now();
    this.intervalMs = o.intervalMs ?? LOG_LIMIT_DEFAULTS.intervalMs;
    this.burst = o.burst ?? LOG_LIMIT_DEFAULTS.burst;
    this.maxKeys = o.maxKeys ?? LOG_LIMIT_DEFAULTS.maxKeys;
  }

  /**
   * Decides one line of `key`: null = drop it (counted); otherwise the number of lines dropped since the
   * last one written (0 when none), to be reported on this line.
   */
  admit(key: string): number | null {
    const t = this.now();
    let s = this.slots.get(key);
    if (s === undefined) {
      if (this.slots.size >= this.maxKeys) this.evictOldest();
      s = { windowStart: t, written: 0, suppressed: 0 };
      this.slots.set(key, s);
    } else if (t - s.windowStart >= this.intervalMs) {
      s.windowStart = t;
      s.written = 0;
    }
    if (s.written >= this.burst) {
      s.suppressed++;
      this.suppressedTotal++;
      return null;
    }
    s.written++;
    const n = s.suppressed;
    s.suppressed = 0;
    return n;
  }

  /** Keys tracked now (bounded by maxKeys). */
  get size(): number {
    return this.slots.size;
  }

  /** Lines dropped for `key` and not reported yet. */
  pending(key: string): number {
    return this.slots.get(key)?.suppressed ?? 0;
  }

  /** Called with the evicted key and its unreported count (set by rateLimitedLogger). */
  onEvict: ((key: string, suppressed: number) => void) | null = null;

  private evictOldest(): void {
    const first = this.slots.keys().next();
    if (first.done) return;
    const s = this.slots.get(first.value)!;
    this.slots.delete(first.value);
    if (s.suppressed > 0) this.onEvict?.(first.value, s.suppressed);
  }
}

/**
 * Wraps `inner` so warn and error lines are rate-limited per message text (see the header). Pass a
 * shared `limiter` to make several loggers share one budget.
 */
export function rateLimitedLogger(inner: Logger, clock: Pick<Clock, "now">, o: LogLimitOptions | LogLimiter = {}): Logger {
  const limiter = o instanceof LogLimiter ? o : new LogLimiter(clock, o);
  limiter.onEvict ??= (key, n) => inner.warn({ suppressed: n, key }, "log_limit_evicted");
  return wrap(inner, limiter);
}

/** The limiter behind a logger made by rateLimitedLogger (undefined for any other logger). */
export function logLimiterOf(l: Logger): LogLimiter | undefined {
  return limiters.get(l);
}

const limiters = new WeakMap<Logger, LogLimiter>();

function wrap(inner: Logger, limiter: LogLimiter): Logger {
  const limited = (lvl: "warn" | "error") => (obj: object, msg?: string) => {
    const n = limiter.admit(msg ?? "");
    if (n === null) return;
    inner[lvl](n > 0 ? { ...obj, suppressed: n } : obj, msg);
  };
  const l: Logger = {
    debug: (o, m) => inner.debug(o, m),
    info: (o, m) => inner.info(o, m),
    warn: limited("warn"),
    error: limited("error"),
    child: (b) => wrap(inner.child(b), limiter),
  };
  limiters.set(l, limiter);
  return l;
}
