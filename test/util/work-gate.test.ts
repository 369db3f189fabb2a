// The per-turn work budget (src/util/work-gate.ts) with a manual scheduler standing for the host's
// macrotasks: grants within the budget run at once, the first slice of a turn always runs, the rest
// wait for later turns in arrival order.
import { describe, expect, it } from "vitest";
import { WorkGate } from "../../src/util/index.ts";

function manual() {
  const q: Array<() => void> = [];
  return { defer: (fn: () => void) => q.push(fn), turn: () => q.splice(0).forEach((f) => f()), pending: () => q.length };
}

describe("WorkGate", () => {
  it("grants up to perTurn units in one turn, defers the rest to later turns in order", async () => {
    const s = manual();
    const g = new WorkGate(100, s.defer);
    expect(g.spend(60)).toBeNull();
    expect(g.spend(40)).toBeNull(); // exactly the budget
    const order: string[] = [];
    const a = g.spend(50)!.then(() => order.push("a"));
    const b = g.spend(50)!.then(() => order.push("b"));
    const c = g.spend(50)!.then(() => order.push("c"));
    expect(g.spend(1)).not.toBeNull(); // waiters first: no overtaking
    expect(s.pending()).toBe(1); // one reset per turn
    s.turn();
    await a;
    await b;
    expect(order).toEqual(["a", "b"]);
    s.turn();
    await c;
    expect(order).toEqual(["a", "b", "c"]);
    expect(g.stats.deferred).toBe(4);
  });

  it("always grants the first slice of a turn, however large", async () => {
    const s = manual();
    const g = new WorkGate(10, s.defer);
    expect(g.spend(1000)).toBeNull();
    const w = g.spend(1000)!;
    s.turn();
    await w;
    expect(g.stats.granted).toBe(2000);
  });

  it("on the host scheduler, lets a timer run between two over-budget slices", async () => {
    const g = new WorkGate(1);
    const seen: string[] = [];
    setTimeout(() => seen.push("timer"), 0); // already due when the turn's work starts
    expect(g.spend(1)).toBeNull();
    await g.spend(1);
    seen.push("slice");
    expect(seen).toEqual(["timer", "slice"]);
    expect(() => new WorkGate(0)).toThrow(RangeError);
  });
});

describe("WorkGate tickets", () => {
  it("serves the job that started first before later jobs, whatever order their slices queue in", async () => {
    const q: Array<() => void> = [];
    const g = new WorkGate(1, (fn) => q.push(fn));
    const first = g.ticket();
    const second = g.ticket();
    expect(g.spend(1, second)).toBeNull(); // the turn's budget
    const order: string[] = [];
    const w2 = g.spend(1, second)!.then(() => order.push("second"));
    const w1 = g.spend(1, first)!.then(() => order.push("first"));
    const wx = g.spend(1)!.then(() => order.push("untagged"));
    for (let i = 0; i < 3; i++) {
      q.splice(0).forEach((f) => f());
      await Promise.resolve();
    }
    await Promise.all([w1, w2, wx]);
    expect(order).toEqual(["first", "second", "untagged"]);
  });
});
