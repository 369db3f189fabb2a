// Relay health checks: every authenticated connection is pinged each interval and closed when no echo
// arrived for timeoutMs. Runs on per-connection timers, or (healthCheck: false) only when the runtime
// calls RelayCore.healthTick(), e.g. from a Durable Object alarm.
import { encodeHealthCheck } from "./codec.ts";
import { OPEN } from "./core-record.ts";
import type { Rec } from "./core-record.ts";
import type { RelayState } from "./core-state.ts";
import * as P from "./protocol.ts";

const HEALTH_CHECK = encodeHealthCheck();

/** Starts the echo clock of a newly OPEN connection and, with timers enabled, its ping timer. */
export function startHealth(s: RelayState, rec: Rec): void {
  rec.lastEchoAt = s.clock.now();
  if (!s.health) return;
  const { intervalMs } = s.health;
  const tick = () => {
    rec.hcTimer = undefined;
    if (rec.phase !== OPEN) return;
    if (healthRound(s, rec)) rec.hcTimer = s.clock.setTimeout(tick, intervalMs);
  };
  rec.hcTimer = s.clock.setTimeout(tick, intervalMs);
}

/** One round for one connection. Returns false when it was closed for missing echoes. */
export function healthRound(s: RelayState, rec: Rec): boolean {
  const timeout = s.health ? s.health.timeoutMs : P.HEALTH_TIMEOUT_MS;
  if (s.clock.now() - rec.lastEchoAt > timeout) {
    s.fail(rec, "health_timeout", P.CLOSE_HEALTH_TIMEOUT, "health check timeout");
    return false;
  }
  s.trySend(rec, HEALTH_CHECK);
  return true;
}
