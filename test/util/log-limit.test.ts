// The rate limiter on the Logger seam (src/util/log-limit.ts): a burst per message text per window, the
// suppressed count on the next line written, info/debug untouched, children sharing one budget, bounded
// memory with the evicted count reported.
import { describe, expect, it } from "vitest";
import { LogLimiter, logLimiterOf, rateLimitedLogger } from "../../src/util/index.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";

function setup(o = {}) {
  const lines: LogLine[] = [];
  let t = 0;
  const clock = { now: () => t };
  const log = rateLimitedLogger(captureLogger(lines), clock, { intervalMs: 1000, burst: 3, ...o });
  return { lines, log, advance: (ms: number) => (t += ms) };
}

describe("rate-limited warn/error lines", () => {
  it("writes `burst` lines per message per window, then reports how many it dropped", () => {
    const { lines, log, advance } = setup();
    for (let i = 0; i < 10; i++) log.warn({ i }, "bad packet");
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    advance(999);
    log.warn({ i: 10 }, "bad packet");
    expect(lines).toHaveLength(3); // still the same window
    advance(1);
    log.warn({ i: 11 }, "bad packet");
    expect(lines[3]).toMatchObject({ level: "warn", i: 11, suppressed: 8, msg: "bad packet" });
    log.warn({ i: 12 }, "bad packet");
    expect(lines[4]).not.toHaveProperty("suppressed");
    expect(logLimiterOf(log)!.suppressedTotal).toBe(8);
  });

  it("limits each message text on its own; error too; info and debug pass", () => {
    const { lines, log } = setup({ burst: 1 });
    log.warn({}, "a");
    log.warn({}, "a");
    log.error({}, "b");
    log.error({}, "b");
    for (let i = 0; i < 5; i++) log.info({}, "a");
    for (let i = 0; i < 5; i++) log.debug({}, "a");
    expect(lines.map((l) => `${l.level}:${l.msg}`)).toEqual(["warn:a", "error:b", ...Array(5).fill("info:a"), ...Array(5).fill("debug:a")]);
  });

  it("children share the parent's budget and keep their bindings", () => {
    const { lines, log } = setup({ burst: 2 });
    const a = log.child({ component: "x" });
    const b = a.child({ sub: "y" });
    a.warn({}, "m");
    b.warn({}, "m");
    b.warn({}, "m");
    expect(lines).toEqual([
      { level: "warn", component: "x", msg: "m" },
      { level: "warn", component: "x", sub: "y", msg: "m" },
    ]);
    expect(logLimiterOf(b)).toBe(logLimiterOf(log));
  });

  it("tracks at most maxKeys texts; a forgotten key's unreported count gets its own line", () => {
    const { lines, log } = setup({ burst: 1, maxKeys: 2 });
    log.warn({}, "k1");
    log.warn({}, "k1"); // suppressed, pending 1
    log.warn({}, "k2");
    log.warn({}, "k3"); // evicts k1 (oldest) with its pending count
    expect(logLimiterOf(log)!.size).toBe(2);
    expect(lines.map((l) => l.msg)).toEqual(["k1", "k2", "log_limit_evicted", "k3"]);
    expect(lines[2]).toMatchObject({ key: "k1", suppressed: 1 });
  });

  it("a shared LogLimiter makes two loggers share one budget", () => {
    const lines: LogLine[] = [];
    const limiter = new LogLimiter({ now: () => 0 }, { burst: 1 });
    const x = rateLimitedLogger(captureLogger(lines), { now: () => 0 }, limiter);
    const y = rateLimitedLogger(captureLogger(lines), { now: () => 0 }, limiter);
    x.warn({}, "same");
    y.warn({}, "same");
    expect(lines).toHaveLength(1);
    expect(limiter.pending("same")).toBe(1);
  });
});
