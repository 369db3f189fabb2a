// Lifeguard suspicion timer: upstream's remainingSuspicionTime table (memberlist suspicion_test.go) and
// the documented minimum-timeout examples (docs/protocols/memberlist.md §10.4), on a simulated clock.
import { describe, expect, it } from "vitest";
import { Suspicion, remainingSuspicionTime, suspicionTimeout } from "../../src/memberlist/suspicion.ts";
import { SimClock } from "../../src/util/sim-clock.ts";

describe("suspicion timeouts", () => {
  it("remainingSuspicionTime matches upstream's table", () => {
    const cases: [number, number, number, number, number, number][] = [
      [0, 3, 0, 2000, 30000, 30000],
      [1, 3, 2000, 2000, 30000, 14000],
      [2, 3, 3000, 2000, 30000, 4810],
      [3, 3, 4000, 2000, 30000, -2000],
      [4, 3, 5000, 2000, 30000, -3000],
      [5, 3, 10000, 2000, 30000, -8000],
    ];
    for (const [n, k, elapsed, min, max, expected] of cases) {
      expect(remainingSuspicionTime(n, k, elapsed, min, max)).toBe(expected);
    }
  });

  it("minimum timeout follows the documented LAN examples", () => {
    for (const n of [1, 3, 10]) expect(suspicionTimeout(4, n, 1000)).toBe(4000);
    expect(suspicionTimeout(4, 100, 1000)).toBe(8000);
    expect(suspicionTimeout(4, 1000, 1000)).toBe(12000);
  });

  it("fires at max without confirmations and earlier with them", async () => {
    const clock = new SimClock();
    let firedAt = -1;
    new Suspicion(clock, "a", 3, 2000, 30000, () => (firedAt = clock.now()));
    await clock.advance(29999);
    expect(firedAt).toBe(-1);
    await clock.advance(1);
    expect(firedAt).toBe(30000);

    const clock2 = new SimClock();
    let fired2 = -1;
    const s = new Suspicion(clock2, "a", 3, 2000, 30000, () => (fired2 = clock2.now()));
    expect(s.confirm("a")).toBe(false); // the accuser does not count
    expect(s.confirm("b")).toBe(true);
    expect(s.confirm("b")).toBe(false);
    await clock2.advance(2000);
    expect(s.confirm("c")).toBe(true); // 2 confirmations: 7810 ms total
    await clock2.advance(5809);
    expect(fired2).toBe(-1);
    await clock2.advance(1);
    expect(fired2).toBe(7810);
  });

  it("k < 1 means a fixed minimum timeout", async () => {
    const clock = new SimClock();
    let at = -1;
    const s = new Suspicion(clock, "a", 0, 4000, 24000, () => (at = clock.now()));
    expect(s.confirm("b")).toBe(false);
    await clock.advance(5000);
    expect(at).toBe(4000);
  });
});
