// The effective network (edges both ends report), BFS next hops, partition pruning with and without the
// grace period, the MSA schedule (minimega's and ours), and the lollipop table's bounds.
import { describe, expect, it } from "vitest";
import { Topology } from "../../src/mesh/index.ts";
import { MsaSchedule } from "../../src/mesh/msa-schedule.ts";
import { SequenceTable } from "../../src/mesh/lollipop.ts";
import { SimClock } from "../../src/util/sim-clock.ts";

function topo(self: string, lists: Record<string, string[]>, graceMs = 0, now = () => 0): Topology {
  const t = new Topology(self, graceMs, now);
  for (const [k, v] of Object.entries(lists)) t.report(k, v);
  return t;
}

describe("effective network and routes", () => {
  it("keeps only edges both ends report, and routes along shortest paths", () => {
    const t = topo("a", { a: ["b"], b: ["a", "c", "x"], c: ["b", "d"], d: ["c"], x: [] });
    expect(t.mesh()).toEqual({ a: ["b"], b: ["a", "c"], c: ["b", "d"], d: ["c"] });
    expect(["b", "c", "d", "x"].map((n) => t.nextHop(n))).toEqual(["b", "b", "b", undefined]);
    expect(t.broadcastRecipients()).toEqual(["b", "c", "d"]);
    expect(t.routeCount()).toBe(3);
  });

  it("prunes another partition at once with minimega's rule", () => {
    const t = topo("a", { a: ["b"], b: ["a"], c: ["d"], d: ["c"] });
    expect(t.recompute()).toEqual(["c", "d"]);
    expect(t.reported("c")).toBeUndefined();
    expect(t.knownCount()).toBe(2);
  });

  it("with a grace period keeps what unreachable nodes announced, out of the routes, then forgets it", () => {
    let now = 0;
    const t = topo("x", { x: ["a"], a: ["b"], b: ["a"] }, 1000, () => now); // x joined; a does not list x yet
    expect(t.mesh()).toEqual({ x: [] });
    expect(t.reported("b")).toEqual(["a"]);
    t.report("a", ["b", "x"]); // a's next MSA lists x
    expect(t.mesh()).toEqual({ a: ["b", "x"], b: ["a"], x: ["a"] });
    t.report("a", ["x"]); // b leaves a
    now = 500;
    expect(t.broadcastRecipients()).toEqual(["a"]);
    expect(t.reported("b")).toEqual(["a"]);
    now = 1600;
    expect(t.expire()).toEqual(["b"]);
    expect(t.reported("b")).toBeUndefined();
  });

  it("recomputes a 1000-node ring in one pass", () => {
    const lists: Record<string, string[]> = {};
    for (let i = 0; i < 1000; i++) lists[`n${i}`] = [`n${(i + 999) % 1000}`, `n${(i + 1) % 1000}`].sort();
    const t = topo("n0", lists);
    expect(t.recompute()).toEqual([]);
    expect(t.nextHop("n500")).toMatch(/^n(1|999)$/);
    expect(t.nextHop("n250")).toBe("n1");
    expect(t.nextHop("n750")).toBe("n999");
  });
});

describe("MSA schedule", () => {
  it("minimega: drops a change within period/2 of the last MSA", async () => {
    const clock = new SimClock();
    const fired: number[] = [];
    const s = new MsaSchedule(clock, () => 1000, "minimega", () => fired.push(clock.now()));
    s.change();
    await clock.runUntil(100);
    s.change();
    await clock.runUntil(999);
    s.periodic(); // t=999: within period/2 of t=0? no: 999 >= 500
    expect(fired).toEqual([0, 999]);
    expect(s.limited).toBe(1);
  });

  it("ours: coalesces, never drops, and keeps at most two per period", async () => {
    const clock = new SimClock();
    const fired: number[] = [];
    const s = new MsaSchedule(clock, () => 1000, "coalesce", () => fired.push(clock.now()));
    s.change();
    s.change(); // same burst
    await clock.runUntil(60);
    expect(fired).toEqual([50]);
    s.change();
    await clock.runUntil(200);
    expect(fired).toEqual([50, 110]);
    s.change(); // a third within one period waits for the window: 50 + 1000
    await clock.runUntil(1049);
    expect(fired).toHaveLength(2);
    await clock.runUntil(1050);
    expect(fired).toEqual([50, 110, 1050]);
    s.periodic(); // just sent: skipped
    expect(fired).toHaveLength(3);
    // at most two in any one-period window, whatever happens
    for (let t = 1100; t < 5000; t += 37) {
      await clock.runUntil(t);
      s.change();
    }
    await clock.runUntil(7000);
    for (let i = 2; i < fired.length; i++) expect(fired[i]! - fired[i - 2]!).toBeGreaterThanOrEqual(1000);
  });
});

describe("sequence table", () => {
  it("forgets silent instances but never its own", () => {
    const t = new SequenceTable({ quietMs: 500, expireMs: 10_000 });
    t.next(1n, 0);
    for (let i = 2n; i < 50n; i++) t.accept(i, 1n, 0);
    expect(t.size).toBe(49);
    t.sweep(10_000, 1n);
    expect(t.size).toBe(1);
    expect(t.next(1n, 10_000)).toBe(2n);
  });
});
