// Attack 3: compression bombs on TCP streams. 250 connections (from 25 loopback hosts) each send a
// ~1 KiB compressed push/pull that would inflate to ~1.2 MiB. Before the fix each was inflated at once,
// uncharged: ~15 s of blocked event loop, and healthy peers declared the node dead. Now the output is
// capped at 64x the input (over a 256 KiB floor), inflated in slices on a per-turn budget, and charged
// to the stream budget.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { encodeCompressed, encodePushPullHeader } from "../../src/memberlist/codec/index.ts";
import { BOUNDS, agentProc, members, metric, report, sampleLatency, pace, quietPeriod, stopAll, until, watchAlive } from "./harness.ts";

afterAll(stopAll);

/** 06 + header + 1.2 MiB of zeros as user state, compressed: about 1 KiB on the wire. */
function bomb(): Uint8Array {
  const inner = new Uint8Array(1 + 64 + 1_250_000);
  const h = Uint8Array.from([6, ...encodePushPullHeader({ Join: false, Nodes: 0, UserStateLen: 1_250_000 })]);
  inner.set(h);
  return encodeCompressed(inner.subarray(0, h.length + 1_250_000));
}

describe("abuse: compressed stream bombs", () => {
  it("250 bombs at once: capped, sliced and charged; the node stays responsive and alive", async () => {
    const b = bomb();
    expect(b.length).toBeLessThan(4096);
    const target = await agentProc("zip-target");
    const healthy = await agentProc("zip-healthy", ["--join", `127.0.0.1:${target.port}`]);
    await until("healthy sees the target", 30_000, async () => (await members(healthy.url)).some((m) => m.name === target.name && m.state === "alive"));
    const watch = watchAlive(healthy, target.name);
    const lat = sampleLatency(target.url);
    const rss0 = target.rssKiB();

    const closed: Promise<void>[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 250; i++) {
        const s = net.connect({ port: target.port, host: "127.0.0.1", localAddress: `127.0.1.${1 + (i % 25)}` });
        s.on("error", () => {});
        s.on("data", () => {});
        closed.push(new Promise((r) => s.once("close", () => r())));
        s.on("connect", () => s.write(b));
      }
      await pace(1_500);
    }
    await Promise.all(closed);
    const limited = await metric(target.url, 'gossamer_memberlist_dropped_total{transport="tcp",code="memberlist.limit"}');
    await quietPeriod(2_000, "a few probe rounds after the attack: the healthy peer must not suspect the node");
    const w = await watch.stop();
    const l = await lat.stop();
    const rssGrowth = target.rssKiB() - rss0;
    report("compression", { streams: closed.length, bombBytes: b.length, refusedByLimit: limited, membersP50Ms: l.p50, membersP99Ms: l.p99, membersMaxMs: l.max, rssGrowthKiB: rssGrowth, healthyBad: w.bad.length });

    expect(limited).toBeGreaterThanOrEqual(closed.length * 0.9); // each bomb is refused by the ratio cap (a few may be cut by the budget)
    expect(w.bad).toEqual([]);
    expect(w.failedLines).toBe(0);
    expect(l.p99).toBeLessThan(BOUNDS.p99Ms);
    expect(rssGrowth).toBeLessThan(BOUNDS.rssGrowthKiB);
  }, 90_000);
});
