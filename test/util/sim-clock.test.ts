// SimClock: timers fire in (time, creation) order, cancellation, async draining between timers.
import { describe, expect, it } from "vitest";
import { SimClock } from "../../src/util/sim-clock.ts";

describe("SimClock", () => {
  it("fires timers in due order, ties in creation order, and skips cancelled ones", async () => {
    const c = new SimClock();
    const log: string[] = [];
    c.setTimeout(() => log.push("b@20"), 20);
    c.setTimeout(() => log.push("a@10"), 10);
    const h = c.setTimeout(() => log.push("x@15"), 15);
    c.setTimeout(() => log.push("c@20"), 20);
    c.clearTimeout(h);
    c.setTimeout(() => {
      log.push("d@5");
      c.setTimeout(() => log.push("e@5+0"), 0);
    }, 5);
    await c.advance(19);
    expect(log).toEqual(["d@5", "e@5+0", "a@10"]);
    expect(c.now()).toBe(19);
    await c.advance(1);
    expect(log).toEqual(["d@5", "e@5+0", "a@10", "b@20", "c@20"]);
  });

  it("drains promise chains marked async before time moves on", async () => {
    const c = new SimClock();
    const seen: number[] = [];
    c.setTimeout(() => {
      c.markAsync();
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => seen.push(c.now()));
    }, 10);
    c.setTimeout(() => seen.push(c.now()), 11);
    await c.advance(100);
    expect(seen).toEqual([10, 11]);
  });

  it("is deterministic over many random timers", async () => {
    const run = async () => {
      const c = new SimClock();
      const out: number[] = [];
      let x = 1;
      for (let i = 0; i < 500; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const id = i;
        c.setTimeout(() => out.push(id), x % 1000);
      }
      await c.advance(1000);
      return out;
    };
    const a = await run();
    expect(a).toHaveLength(500);
    expect(await run()).toEqual(a);
  });
});
