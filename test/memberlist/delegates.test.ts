// Delegates and fallbacks: TCP fallback ping keeps a UDP-blocked member alive (docs/protocols/memberlist.md §10.2, §16.5),
// conflict and merge delegates, ping delegate payloads and RTTs.
import { describe, expect, it } from "vitest";
import { SimCluster, simAddress } from "../../src/memberlist/simulation.ts";
import { Memberlist } from "../../src/memberlist/memberlist.ts";
import { defaultConfig } from "../../src/memberlist/config.ts";
import { seededRandom } from "../../src/util/clock.ts";
import type { MemberInfo } from "../../src/memberlist/config.ts";

describe("TCP fallback ping", () => {
  for (const disableTcpPings of [false, true]) {
    it(`a member whose UDP is blocked is ${disableTcpPings ? "declared dead without" : "kept alive by"} TCP pings`, async () => {
      const c = new SimCluster({ config: () => ({ disableTcpPings }) });
      await c.startJoined(4);
      await c.run(3_000);
      c.net.setUdpBlocked(simAddress(3), true);
      await c.run(60_000);
      const views = [0, 1, 2].map((i) => c.members[i]!.members().find((m) => m.name === "node-3")?.state);
      if (disableTcpPings) expect(views.every((v) => v === "dead" || v === undefined)).toBe(true);
      else expect(views).toEqual(["alive", "alive", "alive"]);
      await c.shutdown();
    });
  }
});

describe("delegates", () => {
  it("conflict delegate hears about a second member with a taken name", async () => {
    const conflicts: [MemberInfo, MemberInfo][] = [];
    const c = new SimCluster({ config: () => ({ conflict: { notifyConflict: (a: MemberInfo, b: MemberInfo) => conflicts.push([a, b]) } }) });
    await c.startJoined(2);
    const impostor = await Memberlist.create(defaultConfig("lan", { name: "node-1" }), {
      transport: c.net.transport("10.0.0.99:7946"),
      clock: c.clock,
      random: seededRandom(5),
    });
    const j = impostor.join([simAddress(0)]);
    await c.run(100);
    await j;
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts[0]![0]).toMatchObject({ name: "node-1", addr: "10.0.0.2" });
    expect(conflicts[0]![1]).toMatchObject({ name: "node-1", addr: "10.0.0.99" });
    expect(c.members[0]!.members().find((m) => m.name === "node-1")!.addr).toBe("10.0.0.2");
    await impostor.shutdown();
    await c.shutdown();
  });

  it("merge delegate can veto a join", async () => {
    const c = new SimCluster({ config: (i) => (i === 0 ? { merge: { notifyMerge: (peers: MemberInfo[]) => (peers.some((p) => p.name === "node-1") ? "no node-1 here" : null) } } : {}) });
    await c.add(0);
    await c.add(1);
    const j = c.members[1]!.join([simAddress(0)]).catch((e: unknown) => e);
    await c.run(100);
    // node-0 refuses to merge; node-1 merged node-0's reply (its own delegate allows it).
    expect(await j).toBe(1);
    expect(c.members[0]!.numMembers()).toBe(1);
    await c.shutdown();
  });

  it("ping delegate: ack payloads and RTT observations", async () => {
    const seen: string[] = [];
    const c = new SimCluster({
      network: { latencyMs: 3 },
      config: (i) => ({
        ping: {
          ackPayload: () => new TextEncoder().encode(`coord-${i}`),
          notifyPingComplete: (m: MemberInfo, rtt: number, payload: Uint8Array | null) =>
            seen.push(`${m.name}:${rtt}:${payload ? new TextDecoder().decode(payload) : ""}`),
        },
      }),
    });
    await c.startJoined(3);
    await c.run(5_000);
    expect(seen.length).toBeGreaterThan(3);
    for (const s of seen) {
      const [name, rtt, payload] = s.split(":");
      expect(payload).toBe(`coord-${name!.slice(5)}`);
      expect(Number(rtt)).toBe(6);
    }
    await c.shutdown();
  });
});
