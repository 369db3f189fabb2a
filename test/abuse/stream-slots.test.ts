// Attack 2: stalled TCP connections. One host opens ~100 silent connections per second, and 20 more
// hosts (127.0.0.3-22) hold 16 silent connections each (more than the 256 slots together). Before the fix
// the 256 process-wide slots with a 10 s read deadline were all taken and every join and push/pull was
// refused. Now: 16 slots per source, a 2 s deadline for the first bytes, and a full table evicts its
// oldest silent connection, so a new member still joins and the healthy peer never marks the node dead.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { BOUNDS, agentProc, members, metric, report, sampleLatency, pace, quietPeriod, stopAll, until, watchAlive } from "./harness.ts";

afterAll(stopAll);

function silent(port: number, source: string, socks: net.Socket[]): void {
  const s = net.connect({ port, host: "127.0.0.1", localAddress: source });
  s.on("error", () => {});
  socks.push(s);
}

describe("abuse: stalled TCP connections", () => {
  it("per-source slots, a first-byte deadline and eviction of silent connections keep joins working", async () => {
    const target = await agentProc("slots-target");
    const healthy = await agentProc("slots-healthy", ["--join", `127.0.0.1:${target.port}`]);
    await until("healthy sees the target", 30_000, async () => (await members(healthy.url)).some((m) => m.name === target.name && m.state === "alive"));
    const watch = watchAlive(healthy, target.name);
    const lat = sampleLatency(target.url);
    const rss0 = target.rssKiB();

    const socks: net.Socket[] = [];
    // 20 hosts x 16 silent connections: 320 > 256 slots.
    for (let h = 3; h <= 22; h++) for (let i = 0; i < 16; i++) silent(target.port, `127.0.0.${h}`, socks);
    // One host: ~100 new silent connections per second for 4 s.
    for (let t = 0; t < 40; t++) {
      for (let i = 0; i < 10; i++) silent(target.port, "127.0.0.2", socks);
      await pace(100);
    }
    // Meanwhile a new member joins through the attacked node (a push/pull over TCP).
    const late = await agentProc("slots-late", ["--join", `127.0.0.1:${target.port}`]);
    const joined = await until("late joiner joined", 30_000, () => late.lines.find((l) => l.msg === "joined cluster" || l.msg === "join failed"));
    expect(joined.msg).toBe("joined cluster");
    await until("target lists the late joiner", 30_000, async () => (await members(target.url)).some((m) => m.name === "slots-late" && m.state === "alive"));
    await quietPeriod(2_500, "past the first-byte deadline of the last connections; the healthy peer keeps probing");

    const perSource = await metric(target.url, 'gossamer_memberlist_streams_refused_total{reason="per_source"}');
    const evicted = await metric(target.url, 'gossamer_memberlist_streams_refused_total{reason="evicted_silent"}');
    const timeouts = await metric(target.url, 'gossamer_memberlist_streams_refused_total{reason="first_byte_timeout"}');
    const open = await metric(target.url, 'gossamer_memberlist_streams_open{state="open"}');
    const w = await watch.stop();
    const l = await lat.stop();
    const rssGrowth = target.rssKiB() - rss0;
    for (const s of socks) s.destroy();
    report("stream-slots", { connections: socks.length, perSource, evicted, firstByteTimeouts: timeouts, openAfter: open, membersP50Ms: l.p50, membersP99Ms: l.p99, rssGrowthKiB: rssGrowth, healthyBad: w.bad.length });

    expect(perSource).toBeGreaterThan(300); // one host got 16 slots, not 400
    expect(evicted + timeouts).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(256);
    expect(w.samples).toBeGreaterThan(10);
    expect(w.bad).toEqual([]);
    expect(w.failedLines).toBe(0);
    expect(l.p99).toBeLessThan(BOUNDS.p99Ms);
    expect(rssGrowth).toBeLessThan(BOUNDS.rssGrowthKiB);
  }, 90_000);
});
