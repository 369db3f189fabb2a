// Refutation at its boundaries (memberlist state.go refute; the mutation sample found it untested): the
// new incarnation is one past the larger of ours and the accused one; each refutation counts, raises the
// Lifeguard score by one and queues our alive; accusations below our incarnation are ignored; an alive
// about ourselves is refuted only when it differs from us.
import { describe, expect, it } from "vitest";
import { SimCluster } from "../../src/memberlist/simulation.ts";
import { aliveNode, deadNode, suspectNode } from "../../src/memberlist/state.ts";
import { decodeMessage } from "../../src/memberlist/codec/index.ts";

async function member() {
  const c = new SimCluster();
  await c.startJoined(2);
  const core = c.members[0]!.core;
  return { c, core, self: core.nodeMap.get(core.name)! };
}

/** The incarnation of our own alive waiting in the broadcast queue. */
function queuedAliveInc(core: Awaited<ReturnType<typeof member>>["core"]): number | undefined {
  for (const b of core.broadcasts.getBroadcasts(0, 65_536)) {
    const m = decodeMessage(b);
    if (m.type === "alive" && m.body.Node === core.name) return m.body.Incarnation;
  }
  return undefined;
}

describe("refutation", () => {
  it("an accusation at our incarnation: refuted with ours + 1; score +1; our alive queued", async () => {
    const { c, core, self } = await member();
    const inc = self.incarnation;
    const score = core.awareness.getHealthScore();
    core.broadcasts.reset();
    suspectNode(core, { Incarnation: inc, Node: core.name, From: "node-1" });
    expect(self.incarnation).toBe(inc + 1);
    expect(core.incarnation).toBe(inc + 1);
    expect(self.state).toBe(0);
    expect(core.stats.refutations).toBe(1);
    expect(core.awareness.getHealthScore()).toBe(score + 1);
    expect(queuedAliveInc(core)).toBe(inc + 1);
    await c.shutdown();
  });

  it("an accusation ahead of us: refuted with the accused incarnation + 1; one below ours is ignored", async () => {
    const { c, core, self } = await member();
    const inc = self.incarnation;
    deadNode(core, { Incarnation: inc + 5, Node: core.name, From: "node-1" });
    expect(self.incarnation).toBe(inc + 6);
    suspectNode(core, { Incarnation: inc + 5, Node: core.name, From: "node-1" }); // now below ours
    expect(self.incarnation).toBe(inc + 6);
    expect(core.stats.refutations).toBe(1);
    expect(self.state).toBe(0);
    await c.shutdown();
  });

  it("an alive about ourselves: ignored when identical, refuted when the meta differs", async () => {
    const { c, core, self } = await member();
    const a = { Incarnation: self.incarnation, Node: core.name, Addr: self.addr, Port: self.port, Meta: self.meta, Vsn: core.vsn };
    aliveNode(core, a, false);
    expect(core.stats.refutations).toBe(0);
    aliveNode(core, { ...a, Meta: Uint8Array.of(1) }, false);
    expect(core.stats.refutations).toBe(1);
    expect(self.incarnation).toBe(a.Incarnation + 1);
    aliveNode(core, { ...a, Incarnation: a.Incarnation - 1, Meta: Uint8Array.of(2) }, false); // older: ignored
    expect(core.stats.refutations).toBe(1);
    await c.shutdown();
  });

  it("while leaving, a dead about ourselves is not refuted: we become left", async () => {
    const { c, core, self } = await member();
    core.leaving = true;
    deadNode(core, { Incarnation: self.incarnation, Node: core.name, From: core.name });
    expect(self.state).toBe(3);
    expect(core.stats.refutations).toBe(0);
    await c.shutdown();
  });
});
