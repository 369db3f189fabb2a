// A ckit Node (docs/protocols/ckit.md §4.1): one memberlist member configured as ckit configures it,
// running the node layer (node-state.ts), on any Transport — the Node HTTP/2 transport
// (src/node/ckit-transport.ts) for ckit interop, or an in-memory network in simulations.
//
// memberlist settings, as ckit's NewNode: the LAN profile with probe interval 5 s, probe timeout 2 s,
// no TCP-ping fallback (the transport is already a stream), a 10 MiB packet size (HTTP/2 carries large
// packets), TCP timeout 2 s, and Label = the cluster label (members with another label are refused).
// start() may be called again to re-join (healing a split brain); stop() leaves (5 s) and shuts down,
// and a stopped node cannot start again.
import type { Platform } from "../platform/index.ts";
import type { Transport } from "../transport/index.ts";
import { createMemberlist, defaultConfig, type Memberlist, type MemberlistConfig } from "../memberlist/index.ts";
import type { Labels } from "../util/index.ts";
import { CkitError, CkitErrorCode } from "./errors.ts";
import { nodeMetrics } from "./metrics.ts";
import { CkitNodeState } from "./node-state.ts";
import type { Observer } from "./observers.ts";
import type { KnownPeerState, Peer } from "./peer.ts";
import type { Sharder } from "./shard/sharder.ts";

export interface CkitNodeOptions {
  /** Unique across the cluster. */
  name: string;
  transport: Transport;
  /** Cluster label: memberlist label and the cluster_name metric label. */
  label?: string;
  sharder?: Sharder;
  /** memberlist settings over ckit's (tests shorten timers). */
  overrides?: Partial<MemberlistConfig>;
  /** Extra labels on this node's cluster_node_* series (several nodes in one registry). */
  metricsLabels?: Labels;
  /** Leave timeout of stop() (ckit: 5 s). */
  leaveTimeoutMs?: number;
}

/** memberlist settings ckit's NewNode applies over the LAN profile. */
export function ckitMemberlistConfig(name: string, label: string, overrides: Partial<MemberlistConfig> = {}): MemberlistConfig {
  return defaultConfig("lan", {
    name,
    label,
    probeInterval: 5_000,
    probeTimeout: 2_000,
    disableTcpPings: true,
    udpBufferSize: 10 * 1024 * 1024,
    tcpTimeout: 2_000,
    ...overrides,
  });
}

export class CkitNode {
  readonly memberlist: Memberlist;
  readonly state: CkitNodeState;
  readonly #leaveTimeout: number;
  #stopped = false;

  private constructor(ml: Memberlist, state: CkitNodeState, leaveTimeoutMs: number) {
    this.memberlist = ml;
    this.state = state;
    this.#leaveTimeout = leaveTimeoutMs;
  }

  static async create(platform: Platform, o: CkitNodeOptions): Promise<CkitNode> {
    if (!o.name) throw new CkitError(CkitErrorCode.badArgument, "node name is required");
    const label = o.label ?? "";
    const logger = platform.logger.child({ component: "ckit", node: o.name });
    const cfg = ckitMemberlistConfig(o.name, label, o.overrides);
    const state = new CkitNodeState({ name: o.name, logger, retransmitMult: cfg.retransmitMult, now: () => platform.clock.now(), ...(o.sharder ? { sharder: o.sharder } : {}) });
    const ml = await createMemberlist(
      { ...platform, logger: logger.child({ subsystem: "memberlist" }) },
      { ...cfg, delegate: state.delegate, events: state.events, conflict: state.conflict },
      o.transport,
    );
    state.attach(ml, nodeMetrics(platform.metrics, label, state.metricsSource(), o.metricsLabels));
    return new CkitNode(ml, state, o.leaveTimeoutMs ?? 5_000);
  }

  get name(): string {
    return this.state.name;
  }

  /** Joins through the given addresses (may be empty; may be called again to re-join). */
  async start(peers: string[]): Promise<number> {
    if (this.#stopped) throw new CkitError(CkitErrorCode.stopped, "node stopped");
    return this.memberlist.join(peers);
  }

  changeState(to: KnownPeerState, signal?: AbortSignal): Promise<void> {
    if (this.#stopped) return Promise.reject(new CkitError(CkitErrorCode.stopped, "node stopped"));
    return this.state.changeState(to, signal);
  }

  currentState(): KnownPeerState {
    return this.state.currentState();
  }

  peers(): readonly Peer[] {
    return this.state.peers();
  }

  observe(o: Observer): void {
    this.state.observe(o);
  }

  /** Leaves the cluster and shuts down (idempotent). Move to terminating first to drain gracefully. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.state.stop();
    try {
      await this.memberlist.leave(this.#leaveTimeout);
    } finally {
      await this.memberlist.shutdown();
    }
  }
}
