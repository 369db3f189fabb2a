// ckit's node layer on top of a memberlist member (docs/protocols/ckit.md): peer states, the
// Lamport clock, State gossip (named broadcasts, one per node), push/pull local state, refutation of
// stale states about ourselves, the sorted peer list, the sharder, and observers. It plugs into the
// memberlist config as delegate + events + conflict, so any member (the ckit node, the agent) can run it.
//
// Rules (ckit node.go, bbed30d):
//  - A State is taken only if strictly newer than the one cached for that node. One about ourselves that
//    is newer, or as new with a different state, is refuted: replaced by a fresh tick carrying our
//    current state, and that is gossiped instead.
//  - Every received State and push/pull CurrentTime is observed by the clock.
//  - Push/pull sends one entry per known peer (self included; a peer with no state is viewer @0) and
//    merges only entries for known peers; what it learned is re-broadcast.
//  - Leaving drops a peer's cached state. The sharder is updated before observers are queued.
//  - changeState() resolves when its broadcast has been transmitted (memberlist's Finished), at once when
//    we have no other peer, or rejects on abort.
import type { Delegate, EventDelegate, ConflictDelegate, MemberInfo } from "../memberlist/index.ts";
import { TransmitLimitedQueue, type Memberlist } from "../memberlist/index.ts";
import type { Logger } from "../util/index.ts";
import { CkitError, CkitErrorCode, StateTransitionError } from "./errors.ts";
import { LamportClock } from "./lamport.ts";
import { decodeLocalState, decodeMessage, encodeLocalState, encodeStateMessage, type StateMessage } from "./messages.ts";
import { ALL_STATES, compareNames, PeerState, stateName, type KnownPeerState, type Peer } from "./peer.ts";
import type { Sharder } from "./shard/sharder.ts";
import type { NodeMetrics, GossipEvent } from "./metrics.ts";
import { ObserverQueue, type Observer } from "./observers.ts";

export interface NodeStateOptions {
  /** Our node name (memberlist's). */
  name: string;
  logger: Logger;
  /** memberlist RetransmitMult (the State broadcasts' retransmit factor). */
  retransmitMult: number;
  sharder?: Sharder;
  /** Monotonic ms (observer round durations). */
  now(): number;
}

const VALID = new Set(["0>1", "1>2"]);

/** Formats a memberlist member's address as ckit's Node.Address() (host:port, IPv6 bracketed). */
export function memberAddress(m: MemberInfo): string {
  return m.addr.includes(":") ? `[${m.addr}]:${m.port}` : `${m.addr}:${m.port}`;
}

export class CkitNodeState {
  readonly name: string;
  readonly clock = new LamportClock();
  readonly broadcasts: TransmitLimitedQueue;
  readonly #log: Logger;
  readonly #sharder: Sharder | undefined;
  readonly #observers: ObserverQueue;
  #metrics: NodeMetrics | undefined;
  #ml: Memberlist | undefined;
  #local: KnownPeerState = PeerState.viewer;
  /** Latest State per node name; may hold names that are not (or no longer) peers. */
  readonly #states = new Map<string, StateMessage>();
  readonly #peers = new Map<string, Peer>();
  #peerList: readonly Peer[] = [];

  constructor(o: NodeStateOptions) {
    this.name = o.name;
    this.#log = o.logger;
    this.#sharder = o.sharder;
    this.broadcasts = new TransmitLimitedQueue(() => this.#peers.size, o.retransmitMult);
    this.#observers = new ObserverQueue({
      now: o.now,
      updating: (on, s) => this.#metrics?.updating(on, s),
      onError: (err) => this.#log.error({ err: String(err) }, "peer observer failed"),
    });
  }

  /** Connects the member whose delegates these are (after Memberlist.create). */
  attach(ml: Memberlist, metrics?: NodeMetrics): void {
    this.#ml = ml;
    this.#metrics = metrics;
  }

  currentState(): KnownPeerState {
    return this.#local;
  }

  /** Our latest State message as gossiped (ckit's wire form), or null before the first change. */
  localMessage(): Uint8Array | null {
    const m = this.#states.get(this.name);
    return m ? encodeStateMessage(m) : null;
  }

  /** Every known peer (self included), sorted by name. Do not modify. */
  peers(): readonly Peer[] {
    return this.#peerList;
  }

  peersByState(): Record<string, number> {
    const by: Record<string, number> = {};
    for (const s of ALL_STATES) by[stateName(s)] = 0;
    for (const p of this.#peerList) by[stateName(p.state)] = (by[stateName(p.state)] ?? 0) + 1;
    return by;
  }

  observe(o: Observer): void {
    this.#observers.add(o);
  }

  get observerCount(): number {
    return this.#observers.count;
  }

  /** Resolves once queued observer notifications are delivered. */
  observersIdle(): Promise<void> {
    return this.#observers.idle();
  }

  stop(): void {
    this.#observers.stop();
    this.#metrics?.close();
  }

  /**
   * Moves to `to` (viewer -> participant -> terminating only) and gossips it. Resolves once the
   * broadcast has gone out its full retransmit count, or at once without other peers. Aborting the
   * signal stops the wait, not the broadcast.
   */
  changeState(to: KnownPeerState, signal?: AbortSignal): Promise<void> {
    if (!VALID.has(`${this.#local}>${to}`)) return Promise.reject(new StateTransitionError(stateName(this.#local), stateName(to)));
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#log.debug({ from: stateName(this.#local), to: stateName(to) }, "changing node state");
    this.#local = to;
    const msg: StateMessage = { nodeName: this.name, newState: to, time: this.clock.tick() };
    let done!: () => void;
    const sent = new Promise<void>((r) => (done = r));
    this.#store(msg);
    this.#queue(msg, done);
    if (this.#peers.size <= 1) return Promise.resolve();
    if (!signal) return sent;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      void sent.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  #queue(msg: StateMessage, finished?: () => void): void {
    const bytes = encodeStateMessage(msg);
    this.broadcasts.queueBroadcast({ message: () => bytes, name: msg.nodeName, ...(finished ? { finished } : {}) });
  }

  #event(e: GossipEvent): void {
    this.#metrics?.event(e);
  }

  /** Stores a state; when it is about a peer, updates the peer and announces the change. */
  #store(msg: StateMessage): void {
    this.#states.set(msg.nodeName, msg);
    const p = this.#peers.get(msg.nodeName);
    if (p) {
      this.#peers.set(p.name, { ...p, state: msg.newState });
      this.#changed();
    }
  }

  /** Whether a received state (newer than nothing cached) should be taken, refuted or ignored. */
  #accept(msg: StateMessage): StateMessage | null {
    const cur = this.#states.get(msg.nodeName);
    const refute = msg.nodeName === this.name && cur !== undefined && msg.time === cur.time && msg.newState !== cur.newState;
    if (cur && msg.time <= cur.time && !refute) return null;
    if (msg.nodeName === this.name) {
      this.#log.debug({ time: String(msg.time), state: stateName(msg.newState) }, "got stale message about self");
      return { nodeName: this.name, newState: this.#local, time: this.clock.tick() };
    }
    return msg;
  }

  #changed(): void {
    const list = [...this.#peers.values()].sort((a, b) => compareNames(a.name, b.name));
    this.#peerList = list;
    this.#sharder?.setPeers(list);
    this.#observers.enqueue(list);
  }

  #updatePeer(m: MemberInfo): void {
    this.#peers.set(m.name, { name: m.name, addr: memberAddress(m), self: m.name === this.name, state: this.#states.get(m.name)?.newState ?? PeerState.viewer });
    this.#changed();
  }

  // ---- memberlist hooks

  readonly delegate: Delegate = {
    nodeMeta: () => new Uint8Array(0),
    notifyMsg: (raw) => {
      let msg: StateMessage;
      try {
        msg = decodeMessage(raw).state;
      } catch (err) {
        const code = (err as CkitError).code;
        if (code === CkitErrorCode.badType || code === CkitErrorCode.badMagic || code === CkitErrorCode.tooSmall) {
          this.#event("unknown_message");
          this.#log.warn({ err: (err as Error).message }, "unexpected gossip message");
        } else {
          this.#event("state_change_message");
          this.#log.error({ err: (err as Error).message }, "failed to decode state message");
        }
        return;
      }
      this.#event("state_change_message");
      this.clock.observe(msg.time);
      const final = this.#accept(msg);
      if (!final) return;
      this.#store(final);
      this.#queue(final);
      this.#metrics?.broadcast("state_change_message");
    },
    getBroadcasts: (overhead, limit) => this.broadcasts.getBroadcasts(overhead, limit),
    localState: () => {
      this.#event("get_local_state");
      const nodeStates: StateMessage[] = [];
      for (const name of this.#peers.keys()) nodeStates.push(this.#states.get(name) ?? { nodeName: name, newState: PeerState.viewer, time: 0n });
      return encodeLocalState({ currentTime: this.clock.now(), nodeStates });
    },
    mergeRemoteState: (buf, join) => {
      let rs;
      try {
        rs = decodeLocalState(buf);
      } catch (err) {
        this.#log.error({ join, err: (err as Error).message }, "failed to decode remote state");
        return;
      }
      this.clock.observe(rs.currentTime);
      this.#event("merge_remote_state");
      const learned: StateMessage[] = [];
      let changed = false;
      for (const msg of rs.nodeStates) {
        if (!this.#peers.has(msg.nodeName)) continue;
        const final = this.#accept(msg);
        if (!final) continue;
        this.#states.set(final.nodeName, final);
        const p = this.#peers.get(final.nodeName)!;
        this.#peers.set(p.name, { ...p, state: final.newState });
        changed = true;
        learned.push(final);
      }
      if (changed) this.#changed();
      for (const m of learned) this.#queue(m);
    },
  };

  readonly events: EventDelegate = {
    notifyJoin: (m) => {
      this.#event("node_join");
      this.#updatePeer(m);
    },
    notifyUpdate: (m) => {
      this.#event("node_update");
      this.#updatePeer(m);
    },
    notifyLeave: (m) => {
      this.#event("node_leave");
      this.#peers.delete(m.name);
      this.#states.delete(m.name);
      this.#changed();
    },
  };

  readonly conflict: ConflictDelegate = {
    notifyConflict: () => this.#event("node_conflict"),
  };

  /** Gauges read at scrape time. */
  metricsSource() {
    return {
      peersByState: () => this.peersByState(),
      stateName: () => stateName(this.#local),
      lamportTime: () => Number(this.clock.now()),
      protocolVersion: () => this.#ml?.config.protocolVersion ?? 0,
      healthScore: () => this.#ml?.healthScore() ?? 0,
      alivePeers: () => this.#ml?.numMembers() ?? 0,
      observers: () => this.#observers.count,
    };
  }
}
