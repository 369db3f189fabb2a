// --retry-join under simulated time: the first attempt at once, one per interval after a failure, success
// as soon as a member is contacted, giving up after --retry-max attempts, and stop() ending the loop.
import { describe, expect, it } from "vitest";
import { startRetryJoin } from "../../src/node/retry-join.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { waitUntil } from "../helpers/wait.ts";

function setup(results: (number | Error)[], maxAttempts = 0) {
  const clock = new SimClock();
  const lines: LogLine[] = [];
  const calls: { at: number; addrs: string[] }[] = [];
  const events: string[] = [];
  const r = startRetryJoin({
    addresses: ["a:1", "b:2"],
    intervalMs: 1000,
    maxAttempts,
    clock,
    logger: captureLogger(lines),
    join: async (addrs) => {
      calls.push({ at: clock.now(), addrs });
      const next = results.shift() ?? 0;
      if (next instanceof Error) throw next;
      return next;
    },
    onJoined: (n, attempt) => events.push(`joined ${n} at ${attempt}`),
    onExhausted: (attempts, err) => events.push(`exhausted after ${attempts}: ${err}`),
  });
  return { clock, lines, calls, events, r };
}

describe("retry-join", () => {
  it("retries every interval until an attempt contacts a member", async () => {
    const { clock, calls, events, r } = setup([new Error("connection refused"), 0, 2]);
    await waitUntil("first attempt", () => calls.length === 1);
    expect(calls[0]).toEqual({ at: 0, addrs: ["a:1", "b:2"] });
    await waitUntil("first failure handled", () => r.attempts === 1 && clock.pending() === 1);
    await clock.advance(1000);
    await waitUntil("second attempt", () => calls.length === 2 && clock.pending() === 1);
    await clock.advance(1000);
    await waitUntil("joined", () => r.status === "joined");
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 2000]);
    expect(events).toEqual(["joined 2 at 3"]);
    expect(clock.pending()).toBe(0);
  });

  it("gives up after maxAttempts and says so", async () => {
    const { clock, events, r, lines } = setup([new Error("refused"), new Error("refused"), new Error("timeout")], 3);
    for (let i = 1; i < 3; i++) {
      await waitUntil(`attempt ${i} failed`, () => r.attempts === i && clock.pending() === 1);
      await clock.advance(1000);
    }
    await waitUntil("exhausted", () => r.status === "exhausted");
    expect(events).toEqual(["exhausted after 3: timeout"]);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ level: "error", attempts: 3 });
    expect(clock.pending()).toBe(0);
  });

  it("stop() cancels the pending retry", async () => {
    const { clock, calls, r } = setup([new Error("refused")]);
    await waitUntil("first failure", () => r.attempts === 1 && clock.pending() === 1);
    r.stop();
    expect(r.status).toBe("stopped");
    await clock.advance(5000); // the cancelled timer fires nothing

    expect(calls).toHaveLength(1);
  });
});
