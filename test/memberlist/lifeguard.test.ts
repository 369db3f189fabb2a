// Lifeguard local health awareness, determinism of the simulation, DeadNodeReclaimTime: an overloaded
// member (its inbound packets handled late) raises its own health score and so probes less aggressively;
// plain SWIM keeps every score at 0. Same seed, same run: identical outcomes.
import { describe, expect, it } from "vitest";
import { SimCluster, simAddress } from "../../src/memberlist/simulation.ts";
import { Memberlist } from "../../src/memberlist/memberlist.ts";
import { defaultConfig } from "../../src/memberlist/config.ts";
import { seededRandom } from "../../src/util/clock.ts";

describe("local health awareness", () => {
  for (const lifeguard of [true, false]) {
    it(`a slow member's health score ${lifeguard ? "rises well above its healthy peers'" : "stays 0 like everyone's (plain SWIM)"}`, async () => {
      // TCP pings off: the simulated streams are not delayed, so they would rescue every probe.
      const c = new SimCluster({ config: () => ({ lifeguard, disableTcpPings: true }) });
      await c.startJoined(10);
      await c.run(5_000);
      c.net.setReceiveDelay(simAddress(4), 1_500);
      let maxSlow = 0;
      let sumSlow = 0;
      let sumHealthy = 0;
      let samples = 0;
      const healthy = [0, 1, 2, 3, 5, 6, 7, 8, 9];
      for (let t = 0; t < 60_000; t += 500) {
        await c.run(500);
        const s4 = c.members[4]!.healthScore();
        maxSlow = Math.max(maxSlow, s4);
        sumSlow += s4;
        for (const i of healthy) sumHealthy += c.members[i]!.healthScore();
        samples++;
      }
      expect(maxSlow).toBeLessThanOrEqual(7);
      if (lifeguard) {
        expect(maxSlow).toBeGreaterThan(0);
        // Healthy probers of the slow member also take hits (upstream's nacks arrive right at the probe
        // deadline at LAN defaults), but they recover; the slow member is the one that stays degraded.
        expect(sumSlow / samples).toBeGreaterThan((2 * sumHealthy) / (samples * healthy.length));
      } else {
        expect(maxSlow + sumHealthy).toBe(0);
      }
      await c.shutdown();
    });
  }
});

describe("determinism", () => {
  it("the same seed gives the same run, a different seed a different one", async () => {
    const runOnce = async (seed: number) => {
      const c = new SimCluster({ seed, network: { latencyMs: 1, jitterMs: 2, loss: 0.05 } });
      await c.startJoined(12);
      await c.run(30_000);
      const out = c.members.map((m) => JSON.stringify(m.stats()) + m.members().map((x) => `${x.name}/${x.state}/${x.incarnation}`).join());
      await c.shutdown();
      return out;
    };
    const a = await runOnce(3);
    expect(await runOnce(3)).toEqual(a);
    expect(await runOnce(4)).not.toEqual(a);
  });
});

describe("DeadNodeReclaimTime", () => {
  for (const reclaim of [0, 10_000]) {
    it(`a dead name at a new address is ${reclaim ? "reclaimed after the reclaim time" : "a conflict (reclaim time 0)"}`, async () => {
      const c = new SimCluster({ config: () => ({ deadNodeReclaimTime: reclaim, gossipToTheDeadTime: 120_000 }) });
      await c.startJoined(3);
      await c.run(3_000);
      c.net.setDown(simAddress(2), true);
      await c.members[2]!.shutdown();
      await c.run(40_000);
      expect(c.members[0]!.members().find((m) => m.name === "node-2")!.state).toBe("dead");
      const reborn = await Memberlist.create(defaultConfig("lan", { name: "node-2", deadNodeReclaimTime: reclaim }), {
        transport: c.net.transport("10.0.0.50:7946"),
        clock: c.clock,
        random: seededRandom(77),
      });
      const j = reborn.join([simAddress(0)]);
      await c.run(100);
      await j;
      await c.run(10_000);
      const seen = c.members[0]!.members().find((m) => m.name === "node-2")!;
      if (reclaim) expect(seen).toMatchObject({ state: "alive", addr: "10.0.0.50" });
      else expect(seen).toMatchObject({ state: "dead", addr: "10.0.0.3" });
      await reborn.shutdown();
      await c.shutdown();
    });
  }
});
