// A simulated 1000-node meshage mesh, degree 3 (a random 3-regular graph of links), MSA period 10 s,
// 1 ms links, simulated time (in-memory network carrying decoded messages: the codec's own cost is
// mesh-codec.bench.ts). Measured:
//   - MSA convergence (every node knows the exact effective network) after a cold start, after a node
//     joins (dials 3 nodes) and after a node dies (its links reset), in MSA periods: ours (a rate-limited
//     MSA is sent when the interval ends) against minimega's rule (it is dropped) on the same mesh.
//   - MSA messages per node per period in steady state and during churn, against the bound the rate
//     limit implies (<= 2 originations per node per period, each crossing every link at most twice).
//   - Route recomputation cost at 1000 nodes (wall time), against minimega's algorithm (effective
//     network by nested scans, a BFS per unrouted destination, routes rebuilt by walking parents).
// Goal (issue 10, benchmarks): convergence within 2 MSA periods at 1000 nodes with bounded messages per node.
// MESH_SIM_NODES overrides the size. At 1000 nodes the run simulates ~16 million link messages (about 3
// minutes of CPU); MESH_SIM_NODES=300 takes seconds.
import { createMeshNode, MemoryMeshNetwork, Topology, type MeshNode } from "../src/mesh/index.ts";
import { simPlatform } from "../src/platform/index.ts";
import { seededRandom } from "../src/util/clock.ts";
import { MetricsRegistry } from "../src/util/metrics.ts";
import { SimClock } from "../src/util/sim-clock.ts";
import type { Reporter } from "./report.ts";

const PERIOD = 10_000;
const CHECK_MS = 250;

function regularGraph(n: number, d: number, seed: number): [number, number][] {
  const rnd = seededRandom(seed);
  for (;;) {
    const stubs: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) stubs.push(i);
    for (let i = stubs.length - 1; i > 0; i--) {
      const j = Math.floor(rnd.next() * (i + 1));
      [stubs[i], stubs[j]] = [stubs[j]!, stubs[i]!];
    }
    const seen = new Set<number>();
    const edges: [number, number][] = [];
    let ok = true;
    for (let i = 0; i < stubs.length; i += 2) {
      const a = Math.min(stubs[i]!, stubs[i + 1]!);
      const b = Math.max(stubs[i]!, stubs[i + 1]!);
      if (a === b || seen.has(a * n + b)) {
        ok = false;
        break;
      }
      seen.add(a * n + b);
      edges.push([a, b]);
    }
    if (ok) return edges;
  }
}

class SimMesh {
  readonly clock = new SimClock();
  readonly net = new MemoryMeshNetwork(this.clock, { latencyMs: 1, objects: true });
  readonly nodes = new Map<string, MeshNode>();
  private readonly base = simPlatform({ clock: this.clock });
  private seed = 1;

  async add(name: string): Promise<MeshNode> {
    const platform = { ...this.base, random: seededRandom(this.seed++), metrics: new MetricsRegistry() };
    const n = createMeshNode(platform, this.net.host(name), { name, msaPeriodMs: PERIOD, timeoutMs: 10_000 });
    await n.start();
    this.nodes.set(name, n);
    return n;
  }

  private lastLagging: MeshNode | null = null;

  private nodeConverged(n: MeshNode, edges: number): boolean {
    const eff = n.topology.effectiveNetwork();
    if (eff.size !== this.nodes.size) return false;
    let deg = 0;
    for (const v of eff.values()) deg += v.length;
    return deg === 2 * edges;
  }

  /** Every node's effective network has exactly the live nodes, with `edges` edges. */
  converged(edges: number): boolean {
    // The node that lagged last time most likely still does: checking it first keeps checks cheap.
    const lag = this.lastLagging;
    if (lag && this.nodes.get(lag.name) === lag && !this.nodeConverged(lag, edges)) return false;
    for (const n of this.nodes.values()) {
      if (!this.nodeConverged(n, edges)) {
        this.lastLagging = n;
        return false;
      }
    }
    return true;
  }

  /** Runs until converged; returns the simulated time it took (ms), or Infinity after `limitMs`. */
  async until(edges: number, limitMs: number): Promise<number> {
    const t0 = this.clock.now();
    while (!this.converged(edges)) {
      if (this.clock.now() - t0 >= limitMs) return Infinity;
      await this.clock.runUntil(this.clock.now() + CHECK_MS);
    }
    return this.clock.now() - t0;
  }

  totals(): { msa: number; ack: number; originated: number; maxOriginated: number } {
    let msa = 0;
    let ack = 0;
    let originated = 0;
    let maxOriginated = 0;
    for (const n of this.nodes.values()) {
      msa += n.stats.sent.msa;
      ack += n.stats.sent.ack;
      originated += n.stats.msasOriginated;
      maxOriginated = Math.max(maxOriginated, n.stats.msasOriginated);
    }
    return { msa, ack, originated, maxOriginated };
  }

  perNode(): Map<string, number> {
    return new Map([...this.nodes].map(([k, n]) => [k, n.stats.msasOriginated]));
  }

  setTrailing(on: boolean): void {
    for (const n of this.nodes.values()) n.setMsaPolicy(on ? "gossamer" : "minimega");
  }
}

/** minimega's route computation, for the baseline: nested scans, BFS per unrouted node, parent walks. */
function minimegaRoutes(self: string, network: Map<string, string[]>): Map<string, string> {
  const emesh = new Map<string, string[]>();
  for (const [k, v] of network) {
    for (const i of v) {
      if ((emesh.get(i) ?? []).includes(k)) continue;
      if ((network.get(i) ?? []).includes(k)) {
        emesh.set(k, [...(emesh.get(k) ?? []), i]);
        emesh.set(i, [...(emesh.get(i) ?? []), k]);
      }
    }
  }
  const routes = new Map<string, string>();
  for (const h of emesh.keys()) {
    if (routes.has(h)) continue;
    const prev = new Map<string, string>([[self, self]]);
    const q = [self];
    for (let qi = 0; qi < q.length; qi++) {
      const v = q[qi]!;
      for (const a of emesh.get(v) ?? []) {
        if (!prev.has(a)) {
          prev.set(a, v);
          q.push(a);
        }
      }
      if (v === h) break;
    }
    for (const k of prev.keys()) {
      let cur = prev.get(k)!;
      let hop = k;
      while (cur !== self) {
        hop = cur;
        cur = prev.get(cur)!;
      }
      routes.set(k, hop);
    }
  }
  return routes;
}

function medianMs(fn: () => void, rounds: number): number {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

export async function run(r: Reporter): Promise<void> {
  const N = Number(process.env.MESH_SIM_NODES ?? 1000);
  const wall0 = performance.now();
  const m = new SimMesh();
  const names = Array.from({ length: N }, (_, i) => `n${i}`);
  for (const name of names) await m.add(name);
  let edges = regularGraph(N, 3, 7).length;
  for (const [a, b] of regularGraph(N, 3, 7)) void m.nodes.get(names[a]!)!.dial(names[b]!);
  const cold = await m.until(edges, 5 * PERIOD);

  // steady state: one full period
  const s0 = m.totals();
  await m.clock.runUntil(m.clock.now() + PERIOD);
  const s1 = m.totals();
  const steadyMsa = (s1.msa - s0.msa) / N;
  const steadyAck = (s1.ack - s0.ack) / N;
  const steadyOrig = (s1.originated - s0.originated) / N;

  // join and death, minimega's rule then ours, on the same mesh
  const rnd = seededRandom(99);
  const pick = () => names[Math.floor(rnd.next() * names.length)]!;
  const results: Record<string, { join: number; death: number; maxOrig: number }> = {};
  let joined = 0;
  for (const mode of ["minimega", "ours"] as const) {
    m.setTrailing(mode === "ours");
    const before = m.perNode();
    const tw = m.clock.now();
    const x = await m.add(`join${joined++}`);
    x.setMsaPolicy(mode === "ours" ? "gossamer" : "minimega");
    const targets = new Set<string>();
    while (targets.size < 3) targets.add(pick());
    for (const t of targets) void x.dial(t);
    edges += 3;
    const join = await m.until(edges, 5 * PERIOD);
    // death: a node with three links dies; its links reset at once
    let victim = pick();
    while (!m.nodes.has(victim) || m.nodes.get(victim)!.clients().length !== 3) victim = pick();
    const lost = m.nodes.get(victim)!.clients().length;
    m.net.crash(victim);
    await m.nodes.get(victim)!.stop();
    m.nodes.delete(victim);
    names.splice(names.indexOf(victim), 1);
    edges -= lost;
    const death = await m.until(edges, 5 * PERIOD);
    const periods = Math.max(1, (m.clock.now() - tw) / PERIOD);
    let maxOrig = 0;
    for (const [k, n] of m.nodes) maxOrig = Math.max(maxOrig, (n.stats.msasOriginated - (before.get(k) ?? 0)) / Math.ceil(periods));
    results[mode] = { join, death, maxOrig };
  }

  // route recomputation at this size: our topology against minimega's algorithm
  const network = new Map<string, string[]>();
  const g = regularGraph(N, 3, 11);
  for (let i = 0; i < N; i++) network.set(`n${i}`, []);
  for (const [a, b] of g) {
    network.get(`n${a}`)!.push(`n${b}`);
    network.get(`n${b}`)!.push(`n${a}`);
  }
  const topo = new Topology("n0");
  for (const [k, v] of network) topo.report(k, [...v].sort());
  topo.recompute();
  const oursMs = medianMs(() => topo.recompute(), 15);
  const theirsMs = medianMs(() => minimegaRoutes("n0", network), 7);

  const P = (ms: number) => ms / PERIOD;
  const bound = 2 * ((2 * edges) / N) * N; // <= 2 originations/node/period, each crossing each link at most twice
  r.table("mesh sim convergence", `mesh simulation: ${N} nodes, degree 3, MSA period ${PERIOD / 1000} s (convergence in MSA periods; goal <= 2)`, [
    { name: "convergence after cold start", unit: "periods", value: P(cold) },
    { name: "convergence after a join", unit: "periods", value: P(results.ours!.join), baseline: "minimega rule (drop)", baselineValue: P(results.minimega!.join) },
    { name: "convergence after a death", unit: "periods", value: P(results.ours!.death), baseline: "minimega rule (drop)", baselineValue: P(results.minimega!.death) },
  ], false);
  r.table("mesh sim traffic", `mesh simulation: ${N} nodes, MSA traffic per node per period`, [
    { name: "MSAs sent per node (steady)", unit: "msgs", value: steadyMsa, baseline: "rate-limit bound", baselineValue: bound },
    { name: "ACKs sent per node (steady)", unit: "msgs", value: steadyAck },
    { name: "MSAs originated per node (steady)", unit: "msgs", value: steadyOrig, baseline: "limit (2 per period)", baselineValue: 2 },
    { name: "max originated per node (churn, ours)", unit: "msgs", value: results.ours!.maxOrig, baseline: "limit (2 per period)", baselineValue: 2 },
    { name: "max originated per node (churn, minimega)", unit: "msgs", value: results.minimega!.maxOrig, baseline: "limit (2 per period)", baselineValue: 2 },
  ], false);
  r.table("mesh sim routes", `mesh simulation: route recomputation at ${N} nodes`, [{ name: "recompute routes", unit: "ms", value: oursMs, baseline: "minimega algorithm", baselineValue: theirsMs }], false);
  console.log(`(simulated ${(m.clock.now() / 1000).toFixed(0)} s, ${m.net.writes} link messages, in ${((performance.now() - wall0) / 1000).toFixed(1)} s wall)`);
}
