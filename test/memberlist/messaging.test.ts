// Data paths on the simulated network: user broadcasts through the transmit-limited queue and the
// delegate, best-effort and reliable user messages, push/pull user state, meta updates, and an
// encrypted + labeled cluster (async crypto under the simulated clock).
import { describe, expect, it } from "vitest";
import { SimCluster, simAddress } from "../../src/memberlist/simulation.ts";
import { Keyring } from "../../src/memberlist/wire.ts";
import type { MemberInfo } from "../../src/memberlist/config.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("user data", () => {
  it("a queued broadcast reaches every member; named broadcasts replace older ones", async () => {
    // memberlist does not re-gossip user messages; like Serf, each receiver re-queues what is new to it.
    const got = new Map<number, string[]>();
    const c: SimCluster = new SimCluster({
      config: (i) => ({
        delegate: {
          notifyMsg: (b: Uint8Array) => {
            const seen = got.get(i) ?? [];
            if (!seen.includes(dec(b))) c.members[i]!.broadcasts.queue(b.slice(), dec(b));
            got.set(i, [...seen, dec(b)]);
          },
        },
      }),
    });
    await c.startJoined(12);
    await c.run(5_000);
    const q = c.members[0]!.broadcasts;
    q.queue(enc("v1"), "cfg");
    q.queue(enc("v2"), "cfg"); // replaces v1 before it is sent
    q.queue(enc("hello"));
    await c.run(5_000);
    for (let i = 1; i < 12; i++) {
      expect(got.get(i)).toContain("v2");
      expect(got.get(i)).toContain("hello");
      expect(got.get(i)).not.toContain("v1");
    }
    expect(got.get(0) ?? []).not.toContain("v1");
    await c.shutdown();
  });

  it("delegate getBroadcasts messages are piggy-backed with the 0x08 type byte", async () => {
    const pending = [enc("from-delegate")];
    const got: string[] = [];
    const c = new SimCluster({
      config: (i) => ({
        delegate: {
          getBroadcasts: (overhead: number, limit: number) => {
            if (i !== 0) return [];
            expect(overhead).toBe(3);
            expect(limit).toBeLessThanOrEqual(1400);
            return pending.splice(0);
          },
          notifyMsg: (b: Uint8Array) => got.push(`${i}:${dec(b)}`),
        },
      }),
    });
    await c.startJoined(3);
    await c.run(3_000);
    expect(got.filter((g) => g.endsWith(":from-delegate"))).toHaveLength(1);
    await c.shutdown();
  });

  it("best-effort and reliable user messages", async () => {
    const got: string[] = [];
    const c = new SimCluster({ config: (i) => ({ delegate: { notifyMsg: (b: Uint8Array) => got.push(`${i}:${dec(b)}`) } }) });
    await c.startJoined(3);
    await c.run(3_000);
    c.members[0]!.sendBestEffort("node-2", enc("udp"));
    const r = c.members[1]!.sendReliable("node-2", new Uint8Array(100_000).fill(65));
    await c.run(200);
    await r;
    expect(got).toContain("2:udp");
    expect(got.some((g) => g.startsWith("2:AAAA") && g.length === 100_002)).toBe(true);
    expect(() => c.members[0]!.sendBestEffort("nobody", enc("x"))).toThrow(/unknown node/);
    await c.shutdown();
  });

  it("push/pull exchanges delegate user state on join and periodically", async () => {
    const merged: string[] = [];
    const c = new SimCluster({
      config: (i) => ({
        pushPullInterval: 2_000,
        delegate: {
          localState: (join: boolean) => enc(`state-${i}-${join ? "join" : "sync"}`),
          mergeRemoteState: (b: Uint8Array, join: boolean) => merged.push(`${i}<-${dec(b)}/${join}`),
        },
      }),
    });
    await c.startJoined(2);
    expect(merged).toContain("0<-state-1-join/true");
    expect(merged).toContain("1<-state-0-join/true");
    await c.run(10_000);
    expect(merged.some((m) => m.endsWith("-sync/false"))).toBe(true);
    await c.shutdown();
  });

  it("updateMeta re-gossips alive with a higher incarnation and fires update events", async () => {
    const updates: MemberInfo[] = [];
    const c = new SimCluster({
      config: (i) => ({ delegate: { nodeMeta: () => enc(`meta-${i}`) }, events: { notifyUpdate: (m: MemberInfo) => updates.push(m) } }),
    });
    await c.startJoined(4);
    await c.run(3_000);
    expect(dec(c.members[2]!.members().find((m) => m.name === "node-1")!.meta)).toBe("meta-1");
    await c.members[1]!.updateMeta(enc("new"));
    await c.run(3_000);
    for (const i of [0, 2, 3]) {
      const m = c.members[i]!.members().find((x) => x.name === "node-1")!;
      expect(dec(m.meta)).toBe("new");
      expect(m.incarnation).toBe(2);
    }
    // Three peers, plus node-1 itself (memberlist notifies the local meta change too).
    expect(updates.filter((u) => u.name === "node-1")).toHaveLength(4);
    await c.shutdown();
  });
});

describe("encryption and labels", () => {
  it("an encrypted, labeled cluster converges and gossips; a wrong key stays out", async () => {
    const key = new Uint8Array(32).fill(7);
    const got: string[] = [];
    const c = new SimCluster({
      config: (i) => ({
        keyring: new Keyring(i === 3 ? new Uint8Array(32).fill(9) : key),
        label: "gossamer",
        delegate: { notifyMsg: (b: Uint8Array) => got.push(`${i}:${dec(b)}`) },
      }),
    });
    for (let i = 0; i < 4; i++) await c.add(i);
    for (const i of [1, 2]) {
      const p = c.members[i]!.join([simAddress(0)]);
      await c.run(50);
      expect(await p).toBe(1);
    }
    const bad = c.members[3]!.join([simAddress(0)]).catch((e: unknown) => e);
    await c.run(11_000);
    expect(String(await bad)).toMatch(/join/);
    c.members[0]!.broadcasts.queue(enc("secret"));
    await c.run(5_000);
    expect(got).toContain("1:secret");
    expect(got).toContain("2:secret");
    expect(c.members[0]!.numMembers()).toBe(3);
    expect(c.members[3]!.numMembers()).toBe(1);
    await c.shutdown();
  });
});
