// memberlist hardening beyond upstream (docs/security.md), in simulation: cidrsAllowed (Go's IPAllowed
// points: new members, address moves, alive packets by source), the cap on new members per inbound
// push/pull, and the bound on incarnation jumps that makes a forged state refutable.
import { describe, expect, it } from "vitest";
import { SimCluster } from "../../src/memberlist/simulation.ts";
import { mergeRemote } from "../../src/memberlist/stream.ts";
import { aliveNode, deadNode, suspectNode } from "../../src/memberlist/state.ts";
import type { PushNodeState } from "../../src/memberlist/messages.ts";
import { CidrSet } from "../../src/net/index.ts";

const VSN = Uint8Array.of(1, 5, 2, 0, 0, 0);
const state = (name: string, addr: number[], st = 0, inc = 1): PushNodeState => ({ Name: name, Addr: Uint8Array.from(addr), Port: 7946, Meta: new Uint8Array(0), Incarnation: inc, State: st, Vsn: VSN });
const pushPull = (states: PushNodeState[]) => ({ header: { Nodes: states.length, UserStateLen: 0, Join: false }, states, userState: new Uint8Array(0) });

describe("cidrsAllowed", () => {
  it("adds no member at an address outside, wherever it came from; moves are checked too", async () => {
    // The simulation's addresses are in 10.0.0.0/8 (simAddress): allow that and one loopback range.
    const c = new SimCluster({ config: () => ({ cidrsAllowed: CidrSet.parse(["10.0.0.0/8", "127.0.0.0/8"]) }) });
    await c.startJoined(2);
    const core = c.members[0]!.core;
    mergeRemote(core, pushPull([state("inside", [127, 0, 0, 9]), state("outside", [192, 0, 2, 1])]), false, true);
    expect(core.nodeMap.has("inside")).toBe(true);
    expect(core.nodeMap.has("outside")).toBe(false);
    aliveNode(core, { Incarnation: 5, Node: "inside", Addr: Uint8Array.of(8, 8, 8, 8), Port: 1, Meta: new Uint8Array(0), Vsn: VSN }, false);
    expect(core.nodeMap.get("inside")!.host).toBe("127.0.0.9"); // not moved off the allowed networks
    expect(core.stats.cidrRejected).toBe(2);
    await c.shutdown();
  });
});

describe("new members per inbound push/pull", () => {
  it("a peer's push/pull adds at most maxPushPullNewMembers; known members still merge; our own replies are not capped", async () => {
    const c = new SimCluster({ config: () => ({ maxPushPullNewMembers: 10 }) });
    await c.startJoined(2);
    const core = c.members[0]!.core;
    const many = Array.from({ length: 50 }, (_, i) => state(`fake-${i}`, [127, 1, i >> 8, i & 255]));
    const before = core.nodes.length;
    mergeRemote(core, pushPull([...many, state("node-1", [10, 0, 0, 2], 0, 99)]), false, true);
    expect(core.nodes.length - before).toBe(10);
    expect(core.stats.pushPullNewCapped).toBe(40);
    expect(core.nodeMap.get("node-1")!.incarnation).toBe(99); // a known member is never capped
    mergeRemote(core, pushPull(many), false, false); // a reply to our own push/pull
    expect(core.nodes.length - before).toBe(50);
    await c.shutdown();
  });
});

describe("incarnation jumps", () => {
  it("ignores suspect/dead/alive news far ahead of what we know (unrefutable otherwise)", async () => {
    const c = new SimCluster({ config: () => ({ maxIncarnationJump: 1000 }) });
    await c.startJoined(2);
    const a = c.members[0]!.core;
    const known = a.nodeMap.get("node-1")!;
    const inc = known.incarnation;
    suspectNode(a, { Incarnation: 0xffffffff, Node: "node-1", From: "evil" });
    deadNode(a, { Incarnation: inc + 1001, Node: "node-1", From: "node-1" });
    aliveNode(a, { Incarnation: inc + 5000, Node: "node-1", Addr: known.addr, Port: known.port, Meta: known.meta, Vsn: known.vsn }, false);
    expect(known.state).toBe(0);
    expect(known.incarnation).toBe(inc);
    expect(a.stats.incarnationJumps).toBe(3);
    // Within the bound, news applies as usual (and is refutable by the member itself).
    suspectNode(a, { Incarnation: inc + 1000, Node: "node-1", From: "evil" });
    expect(known.state).toBe(1);
    // About ourselves: a forged accusation at 2^32-1 is ignored instead of wrapping our refutation to 0.
    const self = a.nodeMap.get(a.name)!;
    deadNode(a, { Incarnation: 0xffffffff, Node: a.name, From: "evil" });
    expect(self.state).toBe(0);
    expect(a.stats.refutations).toBe(0);
    await c.shutdown();
  });

  it("in a running cluster, an injected far-ahead 'left' never marks the member down", async () => {
    const c = new SimCluster();
    await c.startJoined(3);
    await c.run(3_000);
    mergeRemote(c.members[0]!.core, pushPull([state("node-1", [10, 0, 0, 2], 3, 0xfffffff0)]), false, true);
    await c.run(20_000);
    for (const m of c.members) expect(m.members().filter((x) => x.state !== "alive").map((x) => x.name)).toEqual([]);
    await c.shutdown();
  });
});
