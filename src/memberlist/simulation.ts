// Deterministic cluster simulation: N members on one MemoryNetwork driven by a SimClock, each with its
// own seeded random source. Used by the tests and by bench/swim.bench.ts. Members get addresses
// 10.a.b.c:7946 so the alive messages they gossip carry real 4-byte IPv4 addresses.
import type { Logger } from "../util/logger.ts";
import type { MemberlistConfig, ProfileName } from "./config.ts";
import type { MemoryNetworkOptions } from "../transport/memory.ts";
import { SimClock } from "../util/sim-clock.ts";
import { seededRandom } from "../util/clock.ts";
import { nullLogger } from "../util/logger.ts";
import { MemoryNetwork } from "../transport/memory.ts";
import { defaultConfig } from "./config.ts";
import { Memberlist } from "./memberlist.ts";
import { NodeState } from "./core.ts";

export interface ClusterOptions {
  profile?: ProfileName;
  /** Per-node overrides (name is filled in). */
  config?: (i: number) => Partial<MemberlistConfig>;
  network?: MemoryNetworkOptions;
  seed?: number;
  logger?: Logger;
}

export function simAddress(i: number): string {
  const n = i + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:7946`;
}

export class SimCluster {
  readonly clock = new SimClock();
  readonly net: MemoryNetwork;
  readonly members: Memberlist[] = [];
  private readonly opts: ClusterOptions;

  constructor(opts: ClusterOptions = {}) {
    this.opts = opts;
    this.net = new MemoryNetwork(this.clock, { random: seededRandom((opts.seed ?? 1) * 7919), ...opts.network });
  }

  /** Create member i (not joined). */
  async add(i: number): Promise<Memberlist> {
    const o = this.opts;
    const config = defaultConfig(o.profile ?? "lan", { name: `node-${i}`, ...(o.config?.(i) ?? {}) });
    const m = await Memberlist.create(config, {
      transport: this.net.transport(simAddress(i)),
      clock: this.clock,
      random: seededRandom(((o.seed ?? 1) * 1_000_003 + i * 7_777) >>> 0),
      logger: o.logger ?? nullLogger,
    });
    this.members[i] = m;
    return m;
  }

  /** Create n members and join each to member 0 through push/pull, one after another. */
  async startJoined(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.add(i);
    for (let i = 1; i < n; i++) {
      const p = this.members[i]!.join([simAddress(0)]);
      await this.clock.advance(20);
      await p;
    }
  }

  /**
   * Create n members that already know each other (as after convergence): every member applies every
   * other's alive message directly. Cheap bootstrap for large simulated clusters.
   */
  async startConverged(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.add(i);
    const now = this.clock.now();
    const selves = this.members.map((m) => m.core.nodeMap.get(m.name)!);
    for (const m of this.members) {
      const core = m.core;
      for (const s of selves) {
        if (s.name === m.name) continue;
        // Shares the (immutable) identity; only the viewer's incarnation/state/time are per entry.
        const copy = new NodeState(s.id, s.incarnation, s.state, now);
        core.nodes.push(copy);
        core.nodeMap.set(s.name, copy);
      }
      // Random probe order, as after memberlist's shuffles.
      for (let i = core.nodes.length - 1; i > 0; i--) {
        const j = core.randInt(i + 1);
        const t = core.nodes[i]!;
        core.nodes[i] = core.nodes[j]!;
        core.nodes[j] = t;
      }
      m._steadyStatePushPull();
    }
    // A converged cluster has nothing left to gossip (each member queued its own alive at creation).
    for (const m of this.members) m.core.broadcasts.reset();
  }

  run(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  /** True when every running member sees every running member alive. */
  converged(): boolean {
    const live = this.members.filter((m) => !m.core.closed);
    for (const m of live) {
      for (const o of live) {
        const s = m.core.nodeMap.get(o.name);
        if (!s || s.state !== 0) return false;
      }
    }
    return true;
  }

  async shutdown(): Promise<void> {
    for (const m of this.members) if (m) await m.shutdown();
  }
}
