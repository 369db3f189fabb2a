// Public API of the memberlist-compatible member: create, join, leave, shutdown, membership views, user
// messages and broadcasts. It wires the injected transport/clock/random/logger into the SWIM core and runs
// the three tickers (probe, gossip, push/pull), each started after a random stagger as memberlist does.
//
// Stability: other parts of gossamer (agent CLI, interop tests) code against this surface; only add to it.
import type { Clock } from "../util/index.ts";
import type { Random } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import type { Transport } from "../transport/index.ts";
import type { MemberInfo, MemberlistConfig } from "./config.ts";
import type { Stats } from "./core.ts";
import type { TransmitLimitedQueue } from "./broadcast.ts";
import { systemClock, systemRandom } from "../util/index.ts";
import { nullLogger } from "../util/index.ts";
import { validateConfig } from "./config.ts";
import { Core, countSent } from "./core.ts";
import { NodeStateType } from "./messages.ts";
import { MembershipError } from "./membership-errors.ts";
import { formatHostPort, parseHostPort, type HostPort } from "../net/index.ts";
import { aliveNode, deadNode, localMeta } from "./state.ts";
import { probe } from "./probe.ts";
import { gossip, rawSend } from "./gossip.ts";
import { ingestPacket } from "./packet.ts";
import { handleStream, pushPullNode, sendUserStream } from "./stream.ts";

export interface MemberlistDeps {
  transport: Transport;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** CRC-32 of the hasCrc packet layer: the platform's "memberlist-crc" routine (default the TS twin). */
  crc32?: (data: Uint8Array) => number;
}

/** Push/pull interval scaled for clusters above 32 nodes: × (ceil(log2 n − 5) + 1). */
export function pushPullScale(intervalMs: number, n: number): number {
  if (n <= 32) return intervalMs;
  return intervalMs * (Math.ceil(Math.log2(n) - Math.log2(32)) + 1);
}

export class Memberlist {
  /** @internal the SWIM core (exposed for simulation and tests). */
  readonly core: Core;
  /** User broadcasts: queue payloads here (named to replace older ones); they are gossiped as user messages. */
  readonly broadcasts: TransmitLimitedQueue;

  private constructor(core: Core) {
    this.core = core;
    this.broadcasts = core.userBroadcasts;
  }

  static async create(config: MemberlistConfig, deps: MemberlistDeps): Promise<Memberlist> {
    const bad = validateConfig(config);
    if (bad) throw new MembershipError("config", bad);
    const core = new Core(config, deps.clock ?? systemClock, deps.random ?? systemRandom, deps.logger ?? nullLogger, deps.transport, deps.crc32);
    const m = new Memberlist(core);
    let meta: Uint8Array;
    try {
      meta = localMeta(core);
    } catch (err) {
      throw new MembershipError("config", err instanceof Error ? err.message : String(err), { cause: err });
    }
    if (core.advAddr.length !== 4 && core.advAddr.length !== 16) {
      throw new MembershipError("config", `advertise host ${core.advHost} is not an IP address`);
    }
    deps.transport.onPacket((p) => ingestPacket(core, p));
    deps.transport.onStream((s) => {
      void handleStream(core, s);
    });
    // Our own alive, applied as a bootstrap message (queued for gossip like memberlist's setAlive).
    core.incarnation = 1;
    aliveNode(core, { Incarnation: 1, Node: core.name, Addr: core.advAddr, Port: core.advPort, Meta: meta, Vsn: core.vsn }, true);
    m.schedule();
    return m;
  }

  private schedule(): void {
    const c = this.core;
    const cfg = c.config;
    if (cfg.probeInterval > 0) {
      const tick = (): void => {
        const start = c.clock.now();
        probe(c, () => {
          const next = Math.max(start + cfg.probeInterval, c.clock.now());
          c.after(next - c.clock.now(), tick);
        });
      };
      c.after(c.randInt(cfg.probeInterval), tick);
    }
    if (cfg.gossipInterval > 0 && cfg.gossipNodes > 0) {
      const tick = (): void => {
        gossip(c);
        c.after(cfg.gossipInterval, tick);
      };
      c.after(c.randInt(cfg.gossipInterval), tick);
    }
    if (cfg.pushPullInterval > 0) this.schedulePushPull(cfg.pushPullInterval);
  }

  private pushPullTimer: ReturnType<Core["after"]> | null = null;

  /** (Re)start the push/pull ticker after a random stagger in [0, staggerMs). */
  private schedulePushPull(staggerMs: number): void {
    const c = this.core;
    if (this.pushPullTimer) c.cancel(this.pushPullTimer);
    const tick = (): void => {
      this.periodicPushPull();
      this.pushPullTimer = c.after(pushPullScale(c.config.pushPullInterval, c.nodes.length), tick);
    };
    this.pushPullTimer = c.after(c.randInt(staggerMs), tick);
  }

  /**
   * @internal Simulation: after seeding a converged member table, spread push/pull phases over the
   * scaled interval, as in a cluster that has been running for a while.
   */
  _steadyStatePushPull(): void {
    if (this.core.config.pushPullInterval > 0) {
      this.schedulePushPull(pushPullScale(this.core.config.pushPullInterval, this.core.nodes.length));
    }
  }

  private periodicPushPull(): void {
    const c = this.core;
    const [peer] = c.kRandomNodes(1, (n) => n.name === c.name || n.state !== NodeStateType.alive);
    if (!peer) return;
    pushPullNode(c, peer.address, false).catch((err: unknown) => {
      c.logger.error({ err: String(err), peer: peer.address }, "push/pull failed");
    });
  }

  /**
   * Joins through push/pull with each address ("host[:port]", default port = ours). Resolves with the
   * number of peers contacted; rejects with MembershipError("join_failed") when none succeeded.
   */
  async join(addrs: string[]): Promise<number> {
    const c = this.core;
    if (c.closed) throw new MembershipError("shut_down", "memberlist is shut down");
    let ok = 0;
    const errors: unknown[] = [];
    for (const a of addrs) {
      let hp: HostPort | null = null;
      try {
        hp = parseHostPort(a.includes("/") ? a.slice(a.indexOf("/") + 1) : a, c.advPort);
      } catch {
        hp = null;
      }
      if (!hp) {
        errors.push(new MembershipError("bad_address", `bad address ${a}`));
        continue;
      }
      try {
        await pushPullNode(c, formatHostPort(hp.host, hp.port), true);
        ok++;
      } catch (err) {
        c.logger.warn({ addr: a, err: String(err) }, "failed to join");
        errors.push(err);
      }
    }
    if (ok === 0 && addrs.length > 0) {
      throw new MembershipError("join_failed", `failed to join any of ${addrs.length} addresses`, { cause: errors });
    }
    return ok;
  }

  /**
   * Graceful leave: gossip dead{Node = From = self} and wait (up to timeoutMs) until that broadcast has
   * been fully transmitted. Afterwards alive messages about ourselves are ignored. Call shutdown() next.
   */
  async leave(timeoutMs: number): Promise<void> {
    const c = this.core;
    if (c.leaving || c.closed) return;
    c.leaving = true;
    const me = c.nodeMap.get(c.name);
    if (!me) return;
    const anyAlive = c.nodes.some((n) => n.name !== c.name && n.state <= NodeStateType.suspect);
    const done = new Promise<boolean>((resolve) => {
      c.leaveDone = () => resolve(true);
      if (anyAlive) c.after(timeoutMs, () => resolve(false));
    });
    deadNode(c, { Incarnation: me.incarnation, Node: c.name, From: c.name });
    if (!anyAlive) return;
    const ok = await done;
    if (!ok) c.logger.warn({}, "timeout waiting for leave broadcast");
  }

  /** Stops timers and closes the transport. Does not leave gracefully. */
  async shutdown(): Promise<void> {
    const c = this.core;
    if (c.closed) return;
    c.closed = true;
    for (const h of c.timers) c.clock.clearTimeout(h);
    c.timers.clear();
    for (const s of c.nodeTimers.values()) s.cancel();
    c.nodeTimers.clear();
    c.ackHandlers.clear();
    await c.transport.close();
  }

  /** Every known member, including suspect, dead and left ones not yet reaped. */
  members(): MemberInfo[] {
    return this.core.nodes.map((n) => this.core.memberInfo(n));
  }

  /** Members that are alive or suspect (memberlist Members()). */
  liveMembers(): MemberInfo[] {
    return this.core.nodes.filter((n) => n.state <= NodeStateType.suspect).map((n) => this.core.memberInfo(n));
  }

  localMember(): MemberInfo {
    return this.core.memberInfo(this.core.nodeMap.get(this.core.name)!);
  }

  /** Number of alive or suspect members, including ourselves (memberlist NumMembers). */
  numMembers(): number {
    let n = 0;
    for (const s of this.core.nodes) if (s.state <= NodeStateType.suspect) n++;
    return n;
  }

  /** Lifeguard awareness score: 0 is healthy, up to AwarenessMaxMultiplier − 1. */
  healthScore(): number {
    return this.core.awareness.getHealthScore();
  }

  /** Unreliable user message (one UDP packet, type 8). */
  sendBestEffort(name: string, payload: Uint8Array): void {
    const c = this.core;
    const node = c.nodeMap.get(name);
    if (!node) throw new MembershipError("unknown_node", `unknown node ${name}`);
    const buf = new Uint8Array(payload.length + 1);
    buf[0] = 8;
    buf.set(payload, 1);
    countSent(c.stats, buf);
    rawSend(c, node.address, buf, node);
  }

  /** Reliable user message over a stream. */
  async sendReliable(name: string, payload: Uint8Array): Promise<void> {
    const c = this.core;
    const node = c.nodeMap.get(name);
    if (!node) throw new MembershipError("unknown_node", `unknown node ${name}`);
    await sendUserStream(c, node.address, payload);
  }

  /**
   * Re-advertise our meta: `meta` replaces the delegate's nodeMeta() from now on (omit it to re-read the
   * delegate). Gossips alive with a new incarnation.
   */
  async updateMeta(meta?: Uint8Array): Promise<void> {
    const c = this.core;
    if (meta !== undefined) {
      if (meta.length > 512) throw new MembershipError("config", `node meta is ${meta.length} bytes, limit 512`);
      c.metaOverride = meta;
    }
    c.incarnation = (c.incarnation + 1) >>> 0;
    aliveNode(c, { Incarnation: c.incarnation, Node: c.name, Addr: c.advAddr, Port: c.advPort, Meta: localMeta(c), Vsn: c.vsn }, true);
  }

  /** Traffic counters since creation. */
  stats(): Readonly<Stats> {
    return this.core.stats;
  }

  get name(): string {
    return this.core.name;
  }

  get config(): MemberlistConfig {
    return this.core.config;
  }
}
