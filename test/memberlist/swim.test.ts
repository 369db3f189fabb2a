// SWIM + Lifeguard behaviour on a deterministic simulated network (SimClock + MemoryNetwork): join and
// convergence, failure detection bounded by the profile's suspicion timeout, refutation, graceful leave,
// no false positives without loss, partitions that heal, the probe's warm-up hint to the transport. All
// time here is simulated.
import { describe, expect, it } from "vitest";
import { SimCluster, simAddress } from "../../src/memberlist/simulation.ts";
import { suspectNode } from "../../src/memberlist/state.ts";
import { suspicionTimeout } from "../../src/memberlist/suspicion.ts";
import { openPacket } from "../../src/memberlist/wire.ts";
import type { MemberInfo } from "../../src/memberlist/config.ts";

function stateOf(c: SimCluster, viewer: number, target: number): string | undefined {
  return c.members[viewer]!.members().find((m) => m.name === `node-${target}`)?.state;
}

describe("membership", () => {
  it("joins through push/pull and converges; join events fire once per member", async () => {
    const joins = new Map<number, string[]>();
    const c = new SimCluster({
      config: (i) => ({ events: { notifyJoin: (m: MemberInfo) => joins.set(i, [...(joins.get(i) ?? []), m.name]) } }),
    });
    await c.startJoined(8);
    // The last joiner learned everyone from the push/pull itself.
    expect(c.members[7]!.numMembers()).toBe(8);
    await c.run(10_000);
    expect(c.converged()).toBe(true);
    for (let i = 0; i < 8; i++) {
      expect(c.members[i]!.numMembers()).toBe(8);
      expect(new Set(joins.get(i))).toEqual(new Set(Array.from({ length: 8 }, (_, j) => `node-${j}`)));
      expect(joins.get(i)).toHaveLength(8);
    }
    const me = c.members[3]!.localMember();
    expect(me).toMatchObject({ name: "node-3", addr: "10.0.0.4", port: 7946, state: "alive", incarnation: 1 });
    expect(me.vsn).toEqual([1, 5, 2, 0, 0, 0]);
    await c.shutdown();
  });

  it("rejects a join whose delegate versions do not overlap (verifyProtocol)", async () => {
    const c = new SimCluster({
      config: (i) => (i === 0 ? { delegateProtocolMin: 2, delegateProtocolMax: 5, delegateProtocolVersion: 5 } : {}),
    });
    await c.add(0);
    await c.add(1);
    const p = c.members[1]!.join([simAddress(0)]).catch((e: unknown) => e);
    await c.run(100);
    const err = (await p) as Error & { code: string; cause: unknown[] };
    expect(err.code).toBe("membership.join_failed");
    expect(String((err.cause as Error[])[0])).toMatch(/delegate protocol version \(\d\) is incompatible: \[2, 0\]/);
    expect(c.members[1]!.numMembers()).toBe(1);
    await c.shutdown();
  });

  it("detects a crashed node within the LAN suspicion bounds, and everyone agrees", async () => {
    const c = new SimCluster();
    await c.startJoined(8);
    await c.run(5_000);
    expect(c.converged()).toBe(true);
    const crashAt = c.clock.now();
    c.net.setDown(simAddress(5), true);
    await c.members[5]!.shutdown();
    const deadAt = new Map<number, number>();
    // min = 4 s (n = 8), max = SuspicionMaxTimeoutMult × min = 24 s; the first probe of node-5 happens within
    // a couple of probe intervals, plus probe interval for the failed probe, plus gossip time.
    const min = suspicionTimeout(4, 8, 1000);
    const bound = 2 * 1000 + 1000 + 6 * min + 2_000;
    while (c.clock.now() - crashAt < bound + 5_000) {
      await c.run(100);
      for (let i = 0; i < 8; i++) if (i !== 5 && !deadAt.has(i) && stateOf(c, i, 5) === "dead") deadAt.set(i, c.clock.now() - crashAt);
    }
    expect(deadAt.size).toBe(7);
    for (const t of deadAt.values()) {
      expect(t).toBeGreaterThanOrEqual(min);
      expect(t).toBeLessThanOrEqual(bound);
    }
    await c.shutdown();
  });

  it("local profile, 3 members: suspect -> dead after exactly SuspicionMult x interval (k = 0)", async () => {
    const c = new SimCluster({ profile: "local" });
    await c.startJoined(3);
    await c.run(3_000);
    c.net.setDown(simAddress(2), true);
    await c.members[2]!.shutdown();
    const suspectAt = new Map<number, number>();
    const gapOf = new Map<number, number>();
    for (let t = 0; t < 30_000 && gapOf.size < 2; t += 5) {
      await c.run(5);
      for (const i of [0, 1]) {
        const st = stateOf(c, i, 2);
        if (st === "suspect" && !suspectAt.has(i)) suspectAt.set(i, c.clock.now());
        if (st === "dead" && suspectAt.has(i) && !gapOf.has(i)) gapOf.set(i, c.clock.now() - suspectAt.get(i)!);
      }
    }
    const gaps = [...gapOf.values()];
    expect(gaps).toHaveLength(2);
    // The first accuser's own timer: 3 x max(1, log10 3) x 1 s = 3 s; the other may hear the dead earlier.
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(3_000 - 5);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3_000 + 5);
    await c.shutdown();
  });

  it("refutes a false suspicion: incarnation goes up, nobody declares it dead", async () => {
    const c = new SimCluster();
    await c.startJoined(6);
    await c.run(5_000);
    const victim = c.members[2]!;
    const inc0 = victim.localMember().incarnation;
    suspectNode(c.members[0]!.core, { Incarnation: inc0, Node: "node-2", From: "node-0" });
    expect(stateOf(c, 0, 2)).toBe("suspect");
    await c.run(60_000);
    expect(victim.localMember().incarnation).toBeGreaterThan(inc0);
    expect(victim.healthScore()).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 6; i++) expect(stateOf(c, i, 2)).toBe("alive");
    await c.shutdown();
  });

  it("graceful leave shows as left everywhere and fires leave events", async () => {
    const left: string[] = [];
    const c = new SimCluster({ config: () => ({ events: { notifyLeave: (m: MemberInfo) => left.push(`${m.name}:${m.state}`) } }) });
    await c.startJoined(5);
    await c.run(5_000);
    const leaving = c.members[4]!.leave(5_000);
    await c.run(5_000);
    await leaving;
    await c.members[4]!.shutdown();
    for (let i = 0; i < 4; i++) expect(stateOf(c, i, 4)).toBe("left");
    expect(left.filter((l) => l === "node-4:left")).toHaveLength(5);
    expect(c.members[0]!.numMembers()).toBe(4);
    // Left nodes are reaped after GossipToTheDeadTime (latest behaviour).
    await c.run(60_000);
    expect(c.members[0]!.members().some((m) => m.name === "node-4")).toBe(false);
    await c.shutdown();
  });

  it("Lifeguard: no false positives at 0% loss", async () => {
    const leaves: string[] = [];
    const c = new SimCluster({ config: () => ({ events: { notifyLeave: (m: MemberInfo) => leaves.push(m.name) } }), network: { latencyMs: 2, jitterMs: 3 } });
    await c.startJoined(24);
    await c.run(120_000);
    expect(leaves).toEqual([]);
    expect(c.converged()).toBe(true);
    for (const m of c.members) expect(m.healthScore()).toBe(0);
    await c.shutdown();
  });

  it("a short partition heals without deaths; a long one heals after a re-join", async () => {
    const c = new SimCluster();
    await c.startJoined(8);
    await c.run(5_000);
    const a = [0, 1, 2, 3].map(simAddress);
    const b = [4, 5, 6, 7].map(simAddress);
    c.net.partition(a, b);
    await c.run(1_500);
    c.net.heal();
    await c.run(30_000);
    expect(c.converged()).toBe(true);

    c.net.partition(a, b);
    await c.run(60_000);
    // Declared dead, and possibly already reaped (GossipToTheDeadTime = 30 s).
    expect(["dead", undefined]).toContain(stateOf(c, 0, 7));
    expect(["dead", undefined]).toContain(stateOf(c, 7, 0));
    expect(c.members[0]!.numMembers()).toBe(4);
    c.net.heal();
    const p = c.members[0]!.join([simAddress(7)]);
    await c.run(100);
    expect(await p).toBe(1);
    await c.run(30_000);
    expect(c.converged()).toBe(true);
    await c.shutdown();
  });
});

describe("transport warm-up hint", () => {
  it("each probe asks the transport to warm the next probe target, never itself", async () => {
    const c = new SimCluster();
    await c.startJoined(6);
    const core = c.members[0]!.core;
    const t = core.transport as typeof core.transport & { warm?: (to: string) => void };
    const events: { kind: "warm" | "ping"; to: string }[] = [];
    t.warm = (to) => void events.push({ kind: "warm", to });
    const send = t.sendPacket.bind(t);
    t.sendPacket = (to, buf) => {
      const opened = openPacket(buf, core.packetOpts);
      if (!(opened instanceof Promise) && opened.messages.some((m) => m.type === "ping")) events.push({ kind: "ping", to });
      send(to, buf);
    };
    await c.run(30_000);
    const pings = events.filter((e) => e.kind === "ping");
    const warms = events.filter((e) => e.kind === "warm");
    expect(pings.length).toBeGreaterThanOrEqual(20);
    expect(warms.map((w) => w.to)).not.toContain(simAddress(0));
    // Every probe but the last of a round (the next round's order is shuffled) warms the target the
    // next probe pings: a probe warms, then pings its own target, and the ping after that is the next.
    expect(warms.length).toBeGreaterThanOrEqual(pings.length - Math.ceil(pings.length / 5) - 1);
    events.forEach((e, i) => {
      if (e.kind !== "warm") return;
      const [current, next] = events.slice(i + 1).filter((x) => x.kind === "ping");
      expect(current?.to, `warm #${i}`).not.toBe(e.to);
      if (next) expect(next.to, `warm #${i}`).toBe(e.to);
    });
    await c.shutdown();
  });
});
