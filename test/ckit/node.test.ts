// ckit's node layer: the recorded push/pull LocalState scenarios and peer JSON replayed through the
// layer's own hooks, then whole clusters in simulation (in-memory network, simulated clock): state
// gossip, push/pull repair, refutation of stale states about ourselves, transitions, ChangeState waiting
// for its broadcast, observers (latest set only), the sharder, and the cluster_node_* metrics.
import { afterEach, describe, expect, it } from "vitest";
import {
  CkitNode,
  CkitNodeState,
  decodeLocalState,
  encodeLocalState,
  encodeStateMessage,
  participantObserver,
  peersJSON,
  ring,
  StateTransitionError,
  stringKey,
  type Peer,
} from "../../src/ckit/index.ts";
import type { MemberInfo } from "../../src/memberlist/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { simPlatform, type Platform } from "../../src/platform/index.ts";
import { renderPrometheus } from "../../src/util/metrics.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { vectors } from "./vectors.ts";

const member = (name: string, port: number): MemberInfo => ({ name, addr: "127.0.0.1", port, state: "alive", incarnation: 1, meta: new Uint8Array(0), vsn: [1, 5, 2, 0, 0, 0] });

describe("node layer against ckit's recorded LocalState", () => {
  for (const sc of vectors.gossipMessages.localState) {
    it(`scenario ${sc.id}: same local state and peers`, async () => {
      const st = new CkitNodeState({ name: "node-00", logger: nullLogger, retransmitMult: 4, now: () => 0 });
      st.events.notifyJoin!(member("node-00", 7946)); // memberlist announces ourselves at create
      for (const step of sc.steps) {
        let m: RegExpExecArray | null;
        if (step === "node-00.ChangeState(participant)") await st.changeState(1);
        else if ((m = /^NotifyJoin\(node-(\d+)\)$/.exec(step))) st.events.notifyJoin!(member(`node-${m[1]}`, 7946 + Number(m[1])));
        else if ((m = /^NotifyMsg\(State\{(node-\d+),(\w+),(\d+)\}\)/.exec(step))) {
          const state = { viewer: 0, participant: 1, terminating: 2 }[m[2]!]!;
          st.delegate.notifyMsg!(encodeStateMessage({ nodeName: m[1]!, newState: state, time: BigInt(m[3]!) }));
        } else throw new Error(`unknown step ${step}`);
      }
      const bytes = st.delegate.localState!(false);
      expect(Buffer.from(bytes).toString("hex")).toBe(sc.sortedByNameEncodingHex);
      expect(sc.observedEncodingsHex.map((h) => decodeLocalState(Buffer.from(h, "hex")).currentTime)).toContain(decodeLocalState(bytes).currentTime);
      expect(peersJSON(st.peers())).toBe(sc.peersJSON);
      st.stop();
    });
  }

  it("refutes a stale state about itself: newer time, or same time with another state", async () => {
    const st = new CkitNodeState({ name: "a", logger: nullLogger, retransmitMult: 4, now: () => 0 });
    st.events.notifyJoin!(member("a", 1));
    await st.changeState(1); // a @1 participant
    st.delegate.notifyMsg!(encodeStateMessage({ nodeName: "a", newState: 0, time: 40n })); // old incarnation
    expect(st.currentState()).toBe(1);
    expect(st.peers()[0]!.state).toBe(1);
    expect(st.clock.now()).toBe(42n); // observed 40 -> 41, refutation ticked 42
    // The refutation replaced our queued participant@1 broadcast (broadcasts are named by node).
    const sent = st.broadcasts.getBroadcasts(0, 1 << 20);
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0]!).toString("hex")).toBe(Buffer.from(encodeStateMessage({ nodeName: "a", newState: 1, time: 42n })).toString("hex"));
    // Same time as the cached one but a different state: refuted too.
    st.delegate.notifyMsg!(encodeStateMessage({ nodeName: "a", newState: 2, time: 42n }));
    expect(st.currentState()).toBe(1);
    expect(st.clock.now()).toBe(44n);
    // An old state about another node is ignored; a newer one is taken.
    st.events.notifyJoin!(member("b", 2));
    st.delegate.notifyMsg!(encodeStateMessage({ nodeName: "b", newState: 1, time: 50n }));
    st.delegate.notifyMsg!(encodeStateMessage({ nodeName: "b", newState: 2, time: 49n }));
    expect(st.peers().find((p) => p.name === "b")!.state).toBe(1);
    st.stop();
  });

  it("allows only viewer -> participant -> terminating", async () => {
    const st = new CkitNodeState({ name: "a", logger: nullLogger, retransmitMult: 4, now: () => 0 });
    await expect(st.changeState(2)).rejects.toThrow(new StateTransitionError("viewer", "terminating"));
    await expect(st.changeState(0)).rejects.toThrow("invalid transition from viewer to viewer");
    await st.changeState(1);
    await expect(st.changeState(1)).rejects.toMatchObject({ code: "ckit.bad_transition" });
    await st.changeState(2);
    await expect(st.changeState(1)).rejects.toThrow("invalid transition from terminating to participant");
    st.stop();
  });

  it("merges push/pull state only for known peers and re-broadcasts what it learned", () => {
    const st = new CkitNodeState({ name: "a", logger: nullLogger, retransmitMult: 4, now: () => 0 });
    st.events.notifyJoin!(member("a", 1));
    st.events.notifyJoin!(member("b", 2));
    st.delegate.mergeRemoteState!(
      encodeLocalState({ currentTime: 9n, nodeStates: [{ nodeName: "b", newState: 1, time: 3n }, { nodeName: "zzz", newState: 1, time: 5n }] }),
      false,
    );
    expect(st.peers().map((p) => [p.name, p.state])).toEqual([["a", 0], ["b", 1]]);
    expect(st.clock.now()).toBe(10n);
    expect(st.broadcasts.numQueued()).toBe(1);
    st.delegate.mergeRemoteState!(Uint8Array.of(0xc1), false); // garbage is logged and ignored
    st.stop();
  });
});

describe("ckit nodes in simulation", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function cluster(n: number, withSharder = false) {
    const clock = new SimClock();
    const platform: Platform = simPlatform({ clock, seed: 7 });
    const net = new MemoryNetwork(clock, { latencyMs: 2 });
    const nodes: CkitNode[] = [];
    const sharders = Array.from({ length: n }, () => ring(platform, 128));
    for (let i = 0; i < n; i++) {
      nodes.push(
        await CkitNode.create(platform, {
          name: `node-${i}`,
          transport: net.transport(`10.0.0.${i + 1}:7946`),
          label: "sim",
          metricsLabels: { node: `node-${i}` },
          ...(withSharder ? { sharder: sharders[i]! } : {}),
          overrides: { probeInterval: 500, probeTimeout: 200, gossipInterval: 100, pushPullInterval: 5_000 },
          leaveTimeoutMs: 1_000,
        }),
      );
    }
    const run = (ms: number) => clock.advance(ms);
    const until = (cond: () => boolean, ms = 30_000) => clock.runUntilTrue(cond, ms);
    cleanup.push(async () => {
      const stops = Promise.all(nodes.map((x) => x.stop()));
      await clock.runUntilTrue(() => false, 2_000).catch(() => {});
      await stops;
    });
    return { clock, platform, net, nodes, sharders, run, until };
  }

  it("joins, gossips state changes to everyone, and ChangeState waits for the broadcast", async () => {
    const { nodes, sharders, platform, run, until } = await cluster(4, true);
    const [a] = nodes;
    // Alone: ChangeState returns at once.
    await a!.changeState(1);
    for (const x of nodes.slice(1)) {
      const j = x.start(["10.0.0.1:7946"]);
      await run(50);
      expect(await j).toBe(1);
    }
    expect(await until(() => nodes.every((x) => x.peers().length === 4))).toBe(true);
    let done = false;
    const p = nodes[2]!.changeState(1).then(() => (done = true));
    await run(1);
    expect(done).toBe(false); // still being broadcast
    expect(await until(() => done)).toBe(true);
    await p;
    expect(await until(() => nodes.every((x) => x.peers().filter((q) => q.state === 1).map((q) => q.name).join() === "node-0,node-2"))).toBe(true);
    // Every node's sharder saw the same participants and agrees on owners.
    for (const s of sharders) expect(s.peers().map((p) => p.name)).toEqual(["node-0", "node-2"]);
    for (const k of ["a", "b", "some-key", "x/y/z"]) {
      const owners = sharders.map((s) => s.lookup(stringKey(platform, k), 2, 0).map((p) => p.name).join());
      expect(new Set(owners).size).toBe(1);
    }
  });

  it("observers get the latest set only, skip equal sets, and unregister on false", async () => {
    const { nodes, run, until } = await cluster(3);
    const seen: string[][] = [];
    const parts: string[][] = [];
    let once = 0;
    nodes[0]!.observe((ps: readonly Peer[]) => {
      seen.push(ps.map((p) => `${p.name}:${p.state}`));
      return true;
    });
    nodes[0]!.observe(participantObserver((ps) => (parts.push(ps.filter((p) => p.state === 1).map((p) => p.name)), true)));
    nodes[0]!.observe(() => (once++, false));
    const j1 = nodes[1]!.start(["10.0.0.1:7946"]);
    const j2 = nodes[2]!.start(["10.0.0.1:7946"]);
    await run(100);
    await Promise.all([j1, j2]);
    expect(await until(() => seen.at(-1)?.length === 3)).toBe(true);
    const changed = nodes[1]!.changeState(1);
    expect(await until(() => seen.at(-1)?.includes("node-1:1") === true)).toBe(true);
    expect(await until(() => false, 3_000)).toBe(false);
    await changed;
    await nodes[0]!.state.observersIdle();
    expect(once).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
    // The first sets had no participant: equal to the initial empty set, so not delivered (as ckit).
    expect(parts).toEqual([["node-1"]]);
  });

  it("repairs a missed state through push/pull and reports cluster_node_* metrics", async () => {
    const { nodes, net, run, until, platform } = await cluster(2);
    const j = nodes[1]!.start(["10.0.0.1:7946"]);
    await run(100);
    expect(await j).toBe(1);
    expect(await until(() => nodes.every((x) => x.peers().length === 2))).toBe(true);
    net.setUdpBlocked("10.0.0.1:7946", true); // gossip packets to node-0 are lost (shorter than suspicion)
    let sent = false;
    void nodes[1]!.changeState(1).then(() => (sent = true));
    await run(1_000);
    expect(sent).toBe(true);
    expect(nodes[0]!.peers().find((p) => p.name === "node-1")!.state).toBe(0);
    net.setUdpBlocked("10.0.0.1:7946", false);
    expect(await until(() => nodes[0]!.peers().find((p) => p.name === "node-1")!.state === 1, 20_000)).toBe(true);
    const text = renderPrometheus(platform.metrics.snapshot());
    expect(text).toContain('cluster_node_peers{node="node-0",cluster_name="sim",state="participant"} 1');
    expect(text).toContain('cluster_node_info{node="node-1",cluster_name="sim",state="participant"} 1');
    expect(text).toMatch(/cluster_node_gossip_received_events_total\{node="node-0",cluster_name="sim",event="merge_remote_state"\} [1-9]/);
    expect(text).toContain('cluster_node_gossip_alive_peers{node="node-0",cluster_name="sim"} 2');
    expect(text).toMatch(/cluster_node_lamport_time\{node="node-0",cluster_name="sim"\} [1-9]/);
  });
});
