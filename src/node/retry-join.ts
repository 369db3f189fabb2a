// --retry-join, as Serf's and Consul's agents do it: keep trying to join the given addresses until one
// attempt contacts at least one member, every `intervalMs` (default 30 s), at most `maxAttempts` times
// (0 = forever). The first attempt runs at once. When the attempts run out, onExhausted() is called (the
// CLI then leaves and exits with status 1, as `serf agent -retry-max` does); a stop() ends the loop.
// Timers come from the injected clock, so the loop runs under simulated time in tests.
import type { Clock, Logger, TimerHandle } from "../util/index.ts";

export const DEFAULT_RETRY_INTERVAL_MS = 30_000;

export interface RetryJoinOptions {
  addresses: readonly string[];
  /** Pause between attempts, ms (default 30 s). */
  intervalMs?: number;
  /** Attempts before giving up; 0 = never give up (default). */
  maxAttempts?: number;
  /** One join attempt: resolves with the number of members contacted, or rejects. */
  join(addresses: string[]): Promise<number>;
  clock: Clock;
  logger: Logger;
  onJoined?(contacted: number, attempt: number): void;
  onExhausted?(attempts: number, lastError: string): void;
}

export interface RetryJoin {
  readonly attempts: number;
  /** "trying" until an attempt contacted someone ("joined"), the attempts ran out or stop() was called. */
  readonly status: "trying" | "joined" | "exhausted" | "stopped";
  stop(): void;
}

export function startRetryJoin(o: RetryJoinOptions): RetryJoin {
  const interval = o.intervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
  const max = o.maxAttempts ?? 0;
  let attempts = 0;
  let status: RetryJoin["status"] = "trying";
  let timer: TimerHandle | undefined;

  const attempt = async () => {
    timer = undefined;
    if (status !== "trying") return;
    attempts++;
    let lastError: string;
    try {
      const contacted = await o.join([...o.addresses]);
      if (status !== "trying") return;
      if (contacted > 0) {
        status = "joined";
        o.logger.info({ contacted, attempt: attempts, join: o.addresses }, "retry-join: joined cluster");
        o.onJoined?.(contacted, attempts);
        return;
      }
      lastError = "no member answered";
    } catch (e) {
      if (status !== "trying") return;
      lastError = (e as Error).message;
    }
    if (max > 0 && attempts >= max) {
      status = "exhausted";
      o.logger.error({ attempts, join: o.addresses, err: lastError }, "retry-join: giving up after the last attempt (--retry-max)");
      o.onExhausted?.(attempts, lastError);
      return;
    }
    o.logger.warn({ attempt: attempts, join: o.addresses, err: lastError, retryInMs: interval }, "retry-join: join failed, will retry");
    timer = o.clock.setTimeout(() => void attempt(), interval);
  };
  void attempt();

  return {
    get attempts() {
      return attempts;
    },
    get status() {
      return status;
    },
    stop() {
      if (status === "trying") status = "stopped";
      if (timer !== undefined) o.clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
