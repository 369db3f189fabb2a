// Node state transitions (memberlist state.go: aliveNode, suspectNode, deadNode, refute, mergeState,
// verifyProtocol, reaping). Rules from docs/protocols/memberlist.md §10.1, §10.4, §11:
//  - state is keyed by name; an alive with a higher incarnation wins, the same incarnation only for us
//    (refute when Meta/Vsn differ); a known name at a new address is a conflict unless the old entry left
//    (or is dead past DeadNodeReclaimTime);
//  - suspect starts a Lifeguard suspicion timer (or confirms a running one); about ourselves we refute;
//  - dead with From == Node means "left"; about ourselves we refute unless we are leaving;
//  - every accepted change is re-gossiped, keyed by node name so newer news replaces older.
// Hardening beyond upstream (docs/security.md): with cidrsAllowed, no member is added or moved to an
// address outside (Go's IPAllowed checks in aliveNode); news about a known member whose incarnation is
// more than maxIncarnationJump ahead is ignored (an unrefutable forged state otherwise); one push/pull
// opened by a peer adds at most maxPushPullNewMembers unknown members.
import type { Core } from "./core.ts";
import type { Alive, Dead, PushNodeState, Suspect } from "./messages.ts";
import { NodeStateType } from "./messages.ts";
import { META_MAX_SIZE } from "./config.ts";
import { EMPTY, bytesEqual } from "../util/index.ts";
import { NodeState, makeIdentity } from "./core.ts";
import { encodeMessage } from "./wire.ts";
import { Suspicion, suspicionTimeout } from "./suspicion.ts";

/** Queue a memberlist message about `node` for gossip, replacing older news about the same node. */
export function broadcastAbout(core: Core, node: string, msg: Uint8Array, finished?: () => void): void {
  core.broadcasts.queue(msg, node, finished);
}

/** Our own meta: updateMeta() override, else the delegate's nodeMeta(512). */
export function localMeta(core: Core): Uint8Array {
  if (core.metaOverride) return core.metaOverride;
  const m = core.config.delegate?.nodeMeta?.(META_MAX_SIZE) ?? EMPTY;
  if (m.length > META_MAX_SIZE) throw new RangeError(`node meta is ${m.length} bytes, limit ${META_MAX_SIZE}`);
  return m;
}

export function aliveNode(core: Core, a: Alive, bootstrap: boolean, finished?: () => void): void {
  const isLocal = a.Node === core.name;
  if (core.leaving && isLocal) return;
  if (a.Addr.length !== 4 && a.Addr.length !== 16) {
    core.logger.warn({ member: a.Node, len: a.Addr.length }, "ignoring alive message: invalid address length");
    return;
  }
  const vsn = a.Vsn;
  if (vsn.length >= 3 && (vsn[0] === 0 || vsn[1] === 0 || vsn[0]! > vsn[1]!)) {
    core.logger.warn({ member: a.Node }, "ignoring alive message: invalid protocol versions");
    return;
  }
  if (core.config.alive) {
    if (vsn.length < 6) return;
    const err = core.config.alive.notifyAlive(core.memberInfo(transient(a)));
    if (err !== null) {
      core.logger.warn({ member: a.Node, err }, "ignoring alive message");
      return;
    }
  }
  let state = core.nodeMap.get(a.Node);
  let updatesNode = false;
  if (state && tooFarAhead(core, a.Incarnation, state.incarnation)) return;
  const cidrs = core.config.cidrsAllowed;
  if (cidrs && (!state || !bytesEqual(state.addr, a.Addr)) && !cidrs.contains(a.Addr)) {
    core.stats.cidrRejected++;
    core.logger.warn({ member: a.Node, addr: transient(a).host }, "rejected member: address outside the allowed CIDRs");
    return;
  }
  if (!state) {
    state = transient(a);
    state.state = NodeStateType.dead;
    state.incarnation = 0;
    core.nodeMap.set(a.Node, state);
    // Insert at a random offset so probe order stays unbiased (memberlist swaps with a random slot).
    const n = core.nodes.length;
    const off = core.randInt(n + 1);
    core.nodes.push(state);
    if (off < n) {
      core.nodes[n] = core.nodes[off]!;
      core.nodes[off] = state;
    }
  } else if (!bytesEqual(state.addr, a.Addr) || state.port !== a.Port) {
    const canReclaim =
      core.config.deadNodeReclaimTime > 0 && core.clock.now() - state.stateChange > core.config.deadNodeReclaimTime;
    if (state.state === NodeStateType.left || (state.state === NodeStateType.dead && canReclaim)) {
      updatesNode = true;
    } else {
      core.logger.error(
        { member: a.Node, mine: state.address, theirs: transient(a).address, oldState: state.state },
        "conflicting address",
      );
      core.config.conflict?.notifyConflict(core.memberInfo(state), core.memberInfo(transient(a)));
      return;
    }
  }
  if (a.Incarnation <= state.incarnation && !isLocal && !updatesNode) return;
  if (a.Incarnation < state.incarnation && isLocal) return;

  const timer = core.nodeTimers.get(a.Node);
  if (timer) {
    timer.cancel();
    core.nodeTimers.delete(a.Node);
  }
  const oldState = state.state;
  const oldMeta = state.meta;
  if (!bootstrap && isLocal) {
    if (a.Incarnation === state.incarnation && bytesEqual(a.Meta, state.meta) && bytesEqual(a.Vsn, core.vsn)) return;
    refute(core, state, a.Incarnation);
    core.logger.warn({ member: a.Node }, "refuting an alive message about ourselves");
  } else {
    broadcastAbout(core, a.Node, encodeMessage({ type: "alive", body: a }), finished);
    const meta = a.Meta ?? EMPTY;
    const newVsn = vsn.length > 0 ? sixBytes(vsn) : state.vsn;
    const id = state.id;
    if (!bytesEqual(id.addr, a.Addr) || id.port !== a.Port || !bytesEqual(id.meta, meta) || !bytesEqual(id.vsn, newVsn)) {
      state.id = makeIdentity(a.Node, a.Addr, a.Port, meta, newVsn);
    }
    state.incarnation = a.Incarnation;
    if (state.state !== NodeStateType.alive) {
      state.state = NodeStateType.alive;
      state.stateChange = core.clock.now();
    }
  }
  const ev = core.config.events;
  if (ev) {
    if (oldState === NodeStateType.dead || oldState === NodeStateType.left) ev.notifyJoin?.(core.memberInfo(state));
    else if (!bytesEqual(oldMeta, state.meta)) ev.notifyUpdate?.(core.memberInfo(state));
  }
}

/** True (counted) when `inc` claims a step past maxIncarnationJump over the `known` incarnation. */
function tooFarAhead(core: Core, inc: number, known: number): boolean {
  if (inc - known <= core.config.maxIncarnationJump) return false;
  core.stats.incarnationJumps++;
  return true;
}

export function suspectNode(core: Core, s: Suspect): void {
  const state = core.nodeMap.get(s.Node);
  if (!state) return;
  if (s.Incarnation < state.incarnation) return;
  if (tooFarAhead(core, s.Incarnation, state.incarnation)) return;
  const timer = core.nodeTimers.get(s.Node);
  if (timer) {
    if (timer.confirm(s.From)) broadcastAbout(core, s.Node, encodeMessage({ type: "suspect", body: s }));
    return;
  }
  if (state.state !== NodeStateType.alive) return;
  if (state.name === core.name) {
    refute(core, state, s.Incarnation);
    core.logger.warn({ from: s.From }, "refuting a suspect message");
    return;
  }
  broadcastAbout(core, s.Node, encodeMessage({ type: "suspect", body: s }));
  core.stats.suspicionsStarted++;
  state.incarnation = s.Incarnation;
  state.state = NodeStateType.suspect;
  const changeTime = core.clock.now();
  state.stateChange = changeTime;

  const cfg = core.config;
  const n = core.nodes.length;
  let k = cfg.lifeguard ? cfg.suspicionMult - 2 : 0;
  if (n - 2 < k) k = 0;
  const min = suspicionTimeout(cfg.suspicionMult, n, cfg.probeInterval);
  const max = cfg.suspicionMaxTimeoutMult * min;
  const name = s.Node;
  core.nodeTimers.set(
    name,
    new Suspicion(core.clock, s.From, k, min, max, () => {
      if (core.closed) return;
      const st = core.nodeMap.get(name);
      if (st && st.state === NodeStateType.suspect && st.stateChange === changeTime) {
        core.logger.info({ member: name }, "marking node as failed, suspect timeout reached");
        core.stats.deathsDeclared++;
        deadNode(core, { Incarnation: st.incarnation, Node: name, From: core.name });
      }
    }),
  );
}

export function deadNode(core: Core, d: Dead): void {
  const state = core.nodeMap.get(d.Node);
  if (!state) return;
  if (d.Incarnation < state.incarnation) return;
  if (tooFarAhead(core, d.Incarnation, state.incarnation)) return;
  const timer = core.nodeTimers.get(d.Node);
  if (timer) {
    timer.cancel();
    core.nodeTimers.delete(d.Node);
  }
  if (state.state === NodeStateType.dead || state.state === NodeStateType.left) return;
  const msg = encodeMessage({ type: "dead", body: d });
  if (state.name === core.name) {
    if (!core.leaving) {
      refute(core, state, d.Incarnation);
      core.logger.warn({ from: d.From }, "refuting a dead message");
      return;
    }
    broadcastAbout(core, d.Node, msg, () => {
      core.leaveDone?.();
      core.leaveDone = null;
    });
  } else {
    broadcastAbout(core, d.Node, msg);
  }
  state.incarnation = d.Incarnation;
  state.state = d.Node === d.From ? NodeStateType.left : NodeStateType.dead;
  state.stateChange = core.clock.now();
  core.config.events?.notifyLeave?.(core.memberInfo(state));
}

/** Beat an accusation: incarnation past the accused one, +1 health score, gossip our alive. */
export function refute(core: Core, me: NodeState, accusedInc: number): void {
  let inc = (core.incarnation + 1) >>> 0;
  if (accusedInc >= inc) inc = (accusedInc + 1) >>> 0;
  core.incarnation = inc;
  me.incarnation = inc;
  core.stats.refutations++;
  core.awareness.applyDelta(1);
  const a: Alive = { Incarnation: inc, Node: me.name, Addr: me.addr, Port: me.port, Meta: me.meta, Vsn: core.vsn };
  broadcastAbout(core, me.name, encodeMessage({ type: "alive", body: a }));
}

/**
 * Apply a push/pull peer's view: alive as alive, left as dead-by-self, dead or suspect only as suspicion;
 * entries with an unknown State are skipped (and counted), the rest still merge. At most `maxNew` alive
 * entries for members we do not know are applied (the rest are counted in pushPullNewCapped).
 */
export function mergeState(core: Core, remote: PushNodeState[], maxNew = Infinity): void {
  let fresh = 0;
  for (const r of remote) {
    switch (r.State) {
      case NodeStateType.alive:
        if (!core.nodeMap.has(r.Name) && ++fresh > maxNew) {
          core.stats.pushPullNewCapped++;
          break;
        }
        aliveNode(core, { Incarnation: r.Incarnation, Node: r.Name, Addr: r.Addr, Port: r.Port, Meta: r.Meta, Vsn: r.Vsn }, false);
        break;
      case NodeStateType.left:
        deadNode(core, { Incarnation: r.Incarnation, Node: r.Name, From: r.Name });
        break;
      case NodeStateType.dead:
      case NodeStateType.suspect:
        suspectNode(core, { Incarnation: r.Incarnation, Node: r.Name, From: core.name });
        break;
      default:
        // A State outside 0..3 (the codec keeps whatever int a peer sent, as Go does): skipped, like Go's
        // mergeState switch, and counted so an operator can see a peer speaking a newer dialect.
        core.stats.unknownNodeStates++;
        break;
    }
  }
}

/**
 * memberlist verifyProtocol: over alive nodes (ours and the remote's) find the overlapping protocol and
 * delegate ranges; every node's current versions must fall inside both. Returns an error text or null.
 * It runs over both whole member lists on every push/pull, so one pass collects the ranges and the
 * lowest/highest current versions together; names are only looked for when the check fails.
 */
export function verifyProtocol(core: Core, remote: PushNodeState[]): string | null {
  const span = new VersionSpan();
  for (const r of remote) span.add(r.Vsn, r.State === NodeStateType.alive);
  for (const n of core.nodes) span.add(n.vsn, n.state === NodeStateType.alive);
  if (span.allInRange()) return null;
  for (const r of remote) if (!span.inRange(r.Vsn)) return span.incompatible(r.Name, r.Vsn);
  for (const n of core.nodes) if (!span.inRange(n.vsn)) return span.incompatible(n.name, n.vsn);
  return null;
}

/** Vsn = [PMin, PMax, PCur, DMin, DMax, DCur]: the agreed ranges and the extremes of the current versions. */
class VersionSpan {
  maxPMin = 0;
  minPMax = 255;
  maxDMin = 0;
  minDMax = 255;
  loP = 255;
  hiP = 0;
  loD = 255;
  hiD = 0;

  /** Every node's current versions count (0 when unknown); only alive nodes narrow the ranges. */
  add(v: Uint8Array, alive: boolean): void {
    const six = v.length >= 6;
    const p = six ? v[2]! : 0;
    const d = six ? v[5]! : 0;
    if (p < this.loP) this.loP = p;
    if (p > this.hiP) this.hiP = p;
    if (d < this.loD) this.loD = d;
    if (d > this.hiD) this.hiD = d;
    if (!alive || v.length < 5) return;
    if (v[0]! > this.maxPMin) this.maxPMin = v[0]!;
    if (v[1]! < this.minPMax) this.minPMax = v[1]!;
    if (v[3]! > this.maxDMin) this.maxDMin = v[3]!;
    if (v[4]! < this.minDMax) this.minDMax = v[4]!;
  }

  allInRange(): boolean {
    return this.loP >= this.maxPMin && this.hiP <= this.minPMax && this.loD >= this.maxDMin && this.hiD <= this.minDMax;
  }

  inRange(v: Uint8Array): boolean {
    const p = v.length >= 6 ? v[2]! : 0;
    const d = v.length >= 6 ? v[5]! : 0;
    return p >= this.maxPMin && p <= this.minPMax && d >= this.maxDMin && d <= this.minDMax;
  }

  incompatible(name: string, v: Uint8Array): string {
    const p = v.length >= 6 ? v[2]! : 0;
    const d = v.length >= 6 ? v[5]! : 0;
    if (p < this.maxPMin || p > this.minPMax) return `node '${name}' protocol version (${p}) is incompatible: [${this.maxPMin}, ${this.minPMax}]`;
    return `node '${name}' delegate protocol version (${d}) is incompatible: [${this.maxDMin}, ${this.minDMax}]`;
  }
}

/**
 * Reap nodes dead (and, when configured, left) for longer than GossipToTheDeadTime, then shuffle the
 * probe order (memberlist resetNodes, run when the probe round-robin wraps).
 */
export function resetNodes(core: Core): void {
  const now = core.clock.now();
  const keep: NodeState[] = [];
  for (const n of core.nodes) {
    const reapable =
      n.state === NodeStateType.dead || (core.config.reapLeftNodes && n.state === NodeStateType.left);
    if (reapable && n.name !== core.name && now - n.stateChange > core.config.gossipToTheDeadTime) {
      core.nodeMap.delete(n.name);
    } else keep.push(n);
  }
  for (let i = keep.length - 1; i > 0; i--) {
    const j = core.randInt(i + 1);
    const t = keep[i]!;
    keep[i] = keep[j]!;
    keep[j] = t;
  }
  core.nodes = keep;
}

function sixBytes(v: Uint8Array): Uint8Array {
  if (v.length === 6) return v;
  const out = new Uint8Array(6);
  out.set(v.subarray(0, 6));
  return out;
}

/** A NodeState view of an alive message (not inserted anywhere). */
function transient(a: Alive): NodeState {
  return new NodeState(makeIdentity(a.Node, a.Addr, a.Port, a.Meta ?? EMPTY, sixBytes(a.Vsn)), a.Incarnation, NodeStateType.alive, 0);
}
