// Simulated meshes for tests: nodes on the in-memory network, simulated time (SimClock), one platform
// per node sharing the clock. Deterministic for a given seed.
import { simPlatform } from "../../src/platform/index.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { createMeshNode, MemoryMeshNetwork, type Delivery, type MeshNode, type MeshNodeOptions } from "../../src/mesh/index.ts";

export interface SimMesh {
  clock: SimClock;
  net: MemoryMeshNetwork;
  nodes: Map<string, MeshNode>;
  deliveries: Map<string, Delivery[]>;
  /** Advances simulated time by `ms`. */
  run(ms: number): Promise<void>;
  add(name: string, o?: Partial<MeshNodeOptions>): Promise<MeshNode>;
  node(name: string): MeshNode;
  /** Runs until `cond` holds (checked every `stepMs`), failing after `limitMs` of simulated time. */
  until(cond: () => boolean, limitMs: number, stepMs?: number): Promise<number>;
}

export async function simMesh(names: string[], base: Partial<MeshNodeOptions> = {}, latencyMs = 1): Promise<SimMesh> {
  const clock = new SimClock();
  const net = new MemoryMeshNetwork(clock, { latencyMs });
  const nodes = new Map<string, MeshNode>();
  const deliveries = new Map<string, Delivery[]>();
  let seed = 1;
  const m: SimMesh = {
    clock,
    net,
    nodes,
    deliveries,
    run: (ms) => clock.runUntil(clock.now() + ms),
    async add(name, o = {}) {
      const node = createMeshNode(simPlatform({ clock, seed: seed++ }), net.host(name), { name, msaPeriodMs: 1000, timeoutMs: 500, ...base, ...o });
      const got: Delivery[] = [];
      deliveries.set(name, got);
      node.onMessage((d) => got.push(d));
      await node.start();
      nodes.set(name, node);
      return node;
    },
    node(name) {
      const n = nodes.get(name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    async until(cond, limitMs, stepMs = 10) {
      const start = clock.now();
      while (!cond()) {
        if (clock.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms of simulated time`);
        await clock.runUntil(clock.now() + stepMs);
      }
      return clock.now() - start;
    },
  };
  for (const n of names) await m.add(n);
  return m;
}

/** Dials and runs the clock until the dial settles. */
export async function link(m: SimMesh, from: string, to: string): Promise<string> {
  const p = m.node(from).dial(to);
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await m.until(() => settled, 5000, 1);
  return p;
}

/** Settles a promise by running simulated time. */
export async function settle<T>(m: SimMesh, p: Promise<T>, limitMs = 60_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await m.until(() => done, limitMs, 1);
  return p;
}
