// Peer-state subscriptions with upstream's semantics (NetBird relay store.Listener / PeerNotifier):
// subscribe(ids) registers BOTH online and offline interest; online interest is one-shot (removed after
// it fires), offline interest persists until unsubscribe. Events are queued per listener and flushed
// once per microtask as at most one "online" and one "offline" batch (the caller chunks at 244 IDs);
// a peer that flips within one batch is reported only in its latest state.
//
// Cost and bounds: every operation is O(IDs in it) (index maps per peer ID, sets per listener); nothing
// copies a listener's whole set except remove() at close. subscribe() takes caps per listener and in
// total (subscriptions = entries of offline interest) and reports the IDs it refused.
import type { PeerIdString } from "./peer-id.ts";

export interface NotifierListener {
  readonly subOn: Set<PeerIdString>;
  readonly subOff: Set<PeerIdString>;
  readonly pendingOn: Set<PeerIdString>;
  readonly pendingOff: Set<PeerIdString>;
  flushQueued: boolean;
}

export function newListener(): NotifierListener {
  return { subOn: new Set(), subOff: new Set(), pendingOn: new Set(), pendingOff: new Set(), flushQueued: false };
}

export type EmitFn<L> = (listener: L, online: PeerIdString[], offline: PeerIdString[]) => void;
export type InterestFn = (added: PeerIdString[], removed: PeerIdString[]) => void;

export interface SubscribeResult {
  /** IDs now subscribed (new, or re-armed online interest), in request order. */
  accepted: PeerIdString[];
  /** IDs refused by a cap (not subscribed). */
  refused: number;
}

export class PeerNotifier<L extends NotifierListener> {
  private readonly onlineIdx: Idx<L> = new Map();
  private readonly offlineIdx: Idx<L> = new Map();
  /** Subscriptions held by every listener together (offline-interest entries). */
  private total = 0;
  private readonly emit: EmitFn<L>;
  private readonly onInterest: InterestFn | undefined;

  constructor(emit: EmitFn<L>, onInterest?: InterestFn) {
    this.emit = emit;
    this.onInterest = onInterest;
  }

  /** Subscriptions held by every listener together. */
  get size(): number {
    return this.total;
  }

  /**
   * Registers online + offline interest, within `maxPerListener` subscriptions for `l` and `maxTotal`
   * for all listeners (a re-subscribe of an ID already held always passes). The caller answers with who
   * is online now.
   */
  subscribe(l: L, ids: Iterable<PeerIdString>, maxPerListener = Infinity, maxTotal = Infinity): SubscribeResult {
    const added: PeerIdString[] = [];
    const accepted: PeerIdString[] = [];
    let refused = 0;
    for (const id of ids) {
      if (!l.subOff.has(id)) {
        if (l.subOff.size >= maxPerListener || this.total >= maxTotal) {
          refused++;
          continue;
        }
        l.subOff.add(id);
        this.total++;
        if (addIdx(this.offlineIdx, id, l)) added.push(id);
      }
      l.subOn.add(id);
      addIdx(this.onlineIdx, id, l);
      accepted.push(id);
    }
    if (added.length) this.onInterest?.(added, []);
    return { accepted, refused };
  }

  /** Restores interest exactly as recorded (after hibernation): `on` must be a subset of `off`. */
  restore(l: L, off: Iterable<PeerIdString>, on: Iterable<PeerIdString>): void {
    const added: PeerIdString[] = [];
    for (const id of off) {
      if (l.subOff.has(id)) continue;
      l.subOff.add(id);
      this.total++;
      if (addIdx(this.offlineIdx, id, l)) added.push(id);
    }
    for (const id of on) {
      if (!l.subOff.has(id)) continue;
      l.subOn.add(id);
      addIdx(this.onlineIdx, id, l);
    }
    if (added.length) this.onInterest?.(added, []);
  }

  unsubscribe(l: L, ids: Iterable<PeerIdString>): void {
    const removed: PeerIdString[] = [];
    for (const id of ids) {
      if (l.subOn.delete(id)) delIdx(this.onlineIdx, id, l);
      if (l.subOff.delete(id)) {
        this.total--;
        if (delIdx(this.offlineIdx, id, l)) removed.push(id);
      }
      l.pendingOn.delete(id);
      l.pendingOff.delete(id);
    }
    if (removed.length) this.onInterest?.([], removed);
  }

  /** Forgets a listener (its connection closed). */
  remove(l: L): void {
    this.unsubscribe(l, [...l.subOff]);
    l.pendingOn.clear();
    l.pendingOff.clear();
  }

  /** A peer came online (here or, via notifyRemoteOnline, elsewhere). Fires and clears online interest. */
  cameOnline(id: PeerIdString): void {
    const ls = this.onlineIdx.get(id);
    if (!ls) return;
    this.onlineIdx.delete(id);
    for (const l of members(ls)) {
      l.subOn.delete(id);
      l.pendingOff.delete(id);
      l.pendingOn.add(id);
      this.schedule(l);
    }
  }

  wentOffline(id: PeerIdString): void {
    const ls = this.offlineIdx.get(id);
    if (!ls) return;
    for (const l of members(ls)) {
      l.pendingOn.delete(id);
      l.pendingOff.add(id);
      this.schedule(l);
    }
  }

  /** Queues an "online" answer for one listener (subscribe replies, located remote peers). */
  answerOnline(l: L, ids: Iterable<PeerIdString>): void {
    let any = false;
    for (const id of ids) {
      l.pendingOff.delete(id);
      l.pendingOn.add(id);
      any = true;
    }
    if (any) this.schedule(l);
  }

  /** True when some local listener holds (offline, i.e. any) interest in the peer. */
  interested(id: PeerIdString): boolean {
    return this.offlineIdx.has(id);
  }

  /** Every peer ID with at least one local subscriber. */
  interestedIds(): PeerIdString[] {
    return [...this.offlineIdx.keys()];
  }

  private schedule(l: L): void {
    if (l.flushQueued) return;
    l.flushQueued = true;
    queueMicrotask(() => this.flush(l));
  }

  /** Sends what is queued for `l` now (also called by the microtask). */
  flush(l: L): void {
    l.flushQueued = false;
    if (l.pendingOn.size === 0 && l.pendingOff.size === 0) return;
    const on = [...l.pendingOn];
    const off = [...l.pendingOff];
    l.pendingOn.clear();
    l.pendingOff.clear();
    this.emit(l, on, off);
  }
}

/**
 * Peer ID -> its local listeners. Most IDs have exactly one subscriber, so the value is the listener
 * itself until a second one arrives (a Set per ID costs ~100 bytes a subscription).
 */
type Idx<L> = Map<PeerIdString, L | Set<L>>;

function members<L>(v: L | Set<L>): Iterable<L> {
  return v instanceof Set ? [...v] : [v];
}

function addIdx<L>(idx: Idx<L>, id: PeerIdString, l: L): boolean {
  const v = idx.get(id);
  if (v === undefined) {
    idx.set(id, l);
    return true;
  }
  if (v instanceof Set) v.add(l);
  else if (v !== l) idx.set(id, new Set([v, l]));
  return false;
}

function delIdx<L>(idx: Idx<L>, id: PeerIdString, l: L): boolean {
  const v = idx.get(id);
  if (v === undefined) return false;
  if (v instanceof Set) {
    v.delete(l);
    if (v.size === 1) idx.set(id, v.values().next().value!);
    return false;
  }
  if (v !== l) return false;
  idx.delete(id);
  return true;
}
