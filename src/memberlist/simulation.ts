// Deterministic cluster simulation: N members on one MemoryNetwork driven by the simulation platform
// (simPlatform: a SimClock, in-memory everything), each member with its own seeded random source (the
// platform's, with the member's own seed). Used by the tests and by bench/swim.bench.ts. Members get
// addresses 10.a.b.c:7946 so the alive messages they gossip carry real 4-byte IPv4 addresses.
import { simPlatform, type Platform, type WasmSource } from "../platform/index.ts";
import { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions } from "../transport/index.ts";
import { SimClock, seededRandom, type Logger } from "../util/index.ts";
import type { MemberlistConfig, ProfileName } from "./config.ts";
import { defaultConfig } from "./config.ts";
import { NodeState } from "./core.ts";
import type { Memberlist } from "./memberlist.ts";
import { createMemberlist } from "./factory.ts";

export interface ClusterOptions {
  profile?: ProfileName;
  /** Per-node overrides (name is filled in). */
  config?: (i: number) => Partial<MemberlistConfig>;
  network?: MemoryNetworkOptions;
  seed?: number;
  logger?: Logger;
  /** The hot path's Wasm module for the platform (default none: the TS twins). */
  wasm?: WasmSource;
}

export function simAddress(i: number): string {
  const n = i + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:7946`;
}

export class SimCluster {
  readonly clock = new SimClock();
  /** The simulation platform every member runs on (each member gets its own random source). */
  readonly platform: Platform;
  readonly net: MemoryNetwork;
  readonly members: Memberlist[] = [];
  private readonly opts: ClusterOptions;

  constructor(opts: ClusterOptions = {}) {
    this.opts = opts;
    this.platform = simPlatform({ clock: this.clock, seed: opts.seed ?? 1, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.wasm ? { wasm: opts.wasm } : {}) });
    this.net = createMemoryNetwork(this.platform, { random: seededRandom((opts.seed ?? 1) * 7919), ...opts.network });
  }

  /** Create member i (not joined). */
  async add(i: number): Promise<Memberlist> {
    const o = this.opts;
    const config = defaultConfig(o.profile ?? "lan", { name: `node-${i}`, ...(o.config?.(i) ?? {}) });
    const member: Platform = { ...this.platform, random: seededRandom(((o.seed ?? 1) * 1_000_003 + i * 7_777) >>> 0) };
    const m = await createMemberlist(member, config, this.net.transport(simAddress(i)));
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
