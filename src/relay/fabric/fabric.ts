// The cluster fabric's protocol core, transport-free: pod streams keyed by address, WHO_HAS / I_HAVE
// lookups with the locate cache, the FWD data path, and gossamer's PRESENCE extension. It IS the relay's
// RelayForwarder (locate / forward) and supplies the relay hooks that announce local peers. A runtime
// (src/node/relay-cluster.ts: TCP) opens streams, checks HELLO, and feeds frames in.
//
// Invariants and choices:
// - One stream per pod address. A duplicate is refused and the existing one kept, except for a pair of
//   opposite-direction streams (both pods dialled at once): both pods keep the stream dialled by the
//   pod with the smaller address, so they agree instead of each closing the other's.
// - Lookup (upstream: WHO_HAS on every live stream, full 200 ms window, highest seqno wins): here the
//   lookup completes at the FIRST I_HAVE (or when every asked stream answered, or after 200 ms). Owners
//   are normally unique, so the first answer is the answer and the first packet costs one round trip
//   instead of 200 ms; later answers in the window still go through the cache's seqno rule. No streams:
//   "no owner" at once. One lookup per peer at a time; packets arriving meanwhile wait in a small queue.
// - FWD: dst ID ‖ the transport message (ID slot = source). Never retried; a gone stream or a failed
//   send invalidates the cache entry and is a counted drop, never an error to the sending client.
// - PRESENCE (extension, skipped by upstream pods): local online/offline batches go to every stream, and
//   a new stream first gets a snapshot of the local peers. Received announcements update the cache and
//   fire cross-pod subscriptions (online AND offline — upstream has no cross-pod offline). When a stream
//   goes away, the peers its pod announced are reported offline unless another pod announced them.
//   A live "online" for a peer connected HERE evicts the local connection (the peer reconnected
//   through another pod behind the load balancer; the old connection is stale). One stream's announced
//   set is bounded (maxAnnouncedPerStream): announcements past it are ignored and counted.
import type { Clock, TimerHandle } from "../../util/index.ts";
import type { Logger } from "../../util/index.ts";
import type { RelayForwarder, RelayHooks } from "../conn.ts";
import { RelayForwardError } from "../errors.ts";
import { peerIdFromString } from "../peer-id.ts";
import type { PeerIdString } from "../peer-id.ts";
import { decodeFrame, encodeFrame, encodeFwd, encodeIHave, encodePresence, encodeWhoHas } from "./codec.ts";
import type { RawFrame } from "./codec.ts";
import { FabricDecodeError } from "./errors.ts";
import { LocateCache, Seqno } from "./locate-cache.ts";
import { FRAME_PONG, LOCATE_CACHE_TTL_MS, LOOKUP_WINDOW_MS } from "./protocol.ts";

/** Default bound on the peers one pod stream may have announced online (PRESENCE), ~10 MB of IDs. */
export const DEFAULT_MAX_ANNOUNCED = 100_000;
import { FabricStats } from "./stats.ts";

/** One established (HELLO-checked) stream to another pod. */
export interface FabricStream {
  /** The pod's address: announced in its HELLO (accepted) or the address we dialled. */
  readonly addr: string;
  /** True when we dialled it. */
  readonly dialed: boolean;
  /** Queues one frame; false when the stream is gone or its send buffer is full (frame dropped). */
  send(frame: Uint8Array): boolean;
  close(why: string): void;
}

/** What the fabric needs of the relay core (RelayCore satisfies it). */
export interface FabricRelay {
  has(id: PeerIdString): boolean;
  peerIds(): PeerIdString[];
  deliverForwarded(dst: PeerIdString, message: Uint8Array): boolean;
  notifyRemoteOnline(ids: Iterable<PeerIdString>): void;
  notifyRemoteOffline(ids: Iterable<PeerIdString>): void;
  /** Closes the local connection of a peer that connected elsewhere (as "replaced", no offline event). */
  evict(id: PeerIdString): boolean;
}

export interface ClusterFabricOptions {
  /** Our announced address ("podIP:port"). */
  self: string;
  clock: Clock;
  logger: Logger;
  lookupWindowMs?: number;
  cacheTtlMs?: number;
  /** Packets held per destination while its lookup runs (default 64). */
  maxQueuedPerPeer?: number;
  /** Peers one stream may have announced online at once (default 100 000); the rest are ignored. */
  maxAnnouncedPerStream?: number;
  stats?: FabricStats;
}

interface StreamRec {
  s: FabricStream;
  /** Peers this pod announced online (PRESENCE). */
  announced: Set<PeerIdString>;
}

interface Lookup {
  started: number;
  timer: TimerHandle;
  asked: Set<FabricStream>;
  answered: number;
  best: { addr: string; seqno: number } | null;
  waiters: Array<(addr: string | null) => void>;
  queued: Uint8Array[];
  drops: Array<(e: unknown) => void>;
  sent: Array<() => void>;
}

export class ClusterFabric implements RelayForwarder {
  /** Our announced address (set once the runtime knows its bound port). */
  self: string;
  readonly stats: FabricStats;
  readonly cache: LocateCache;
  /** Relay hooks to install on the RelayCore (announce local peers). */
  readonly hooks: RelayHooks;
  private relay: FabricRelay | null = null;
  private readonly streams = new Map<string, StreamRec>();
  private readonly recs = new Map<FabricStream, StreamRec>();
  private readonly lookups = new Map<PeerIdString, Lookup>();
  private readonly seqno = new Seqno();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly maxQueued: number;
  private readonly maxAnnounced: number;
  private readonly pendOn = new Set<PeerIdString>();
  private readonly pendOff = new Set<PeerIdString>();
  private flushQueued = false;
  private readonly ids = new Map<PeerIdString, Uint8Array>();

  constructor(o: ClusterFabricOptions) {
    this.self = o.self;
    this.clock = o.clock;
    this.log = o.logger;
    this.stats = o.stats ?? new FabricStats();
    this.windowMs = o.lookupWindowMs ?? LOOKUP_WINDOW_MS;
    this.maxQueued = o.maxQueuedPerPeer ?? 64;
    this.maxAnnounced = o.maxAnnouncedPerStream ?? DEFAULT_MAX_ANNOUNCED;
    this.cache = new LocateCache(o.clock, o.cacheTtlMs ?? LOCATE_CACHE_TTL_MS);
    this.hooks = {
      onPeerOnline: (id) => this.announce(id, true),
      onPeerOffline: (id) => this.announce(id, false),
    };
  }

  attach(relay: FabricRelay): void {
    this.relay = relay;
  }

  // ---- streams ----------------------------------------------------------------------------------

  get streamCount(): number {
    return this.streams.size;
  }
  streamAddrs(): string[] {
    return [...this.streams.keys()];
  }
  hasStream(addr: string): boolean {
    return this.streams.has(addr);
  }

  /** Registers an established stream. Returns false if it is a duplicate to drop (the caller closes it). */
  addStream(s: FabricStream): boolean {
    const cur = this.streams.get(s.addr);
    let announced = new Set<PeerIdString>();
    if (cur) {
      const keepNew = cur.s.dialed !== s.dialed && s.dialed === (this.self < s.addr);
      if (!keepNew) return false;
      this.recs.delete(cur.s);
      announced = cur.announced;
      cur.s.close("duplicate stream");
    }
    const rec: StreamRec = { s, announced };
    this.streams.set(s.addr, rec);
    this.recs.set(s, rec);
    this.log.info({ pod: s.addr, dialed: s.dialed, streams: this.streams.size }, "cluster stream up");
    const local = this.relay?.peerIds() ?? [];
    if (local.length) for (const f of encodePresence("present", local.map(peerIdFromString))) s.send(f);
    return true;
  }

  /** The stream closed. Forgets it (if it is the registered one) and everything learned through it. */
  removeStream(s: FabricStream): void {
    const rec = this.recs.get(s);
    if (!rec) return;
    this.recs.delete(s);
    if (this.streams.get(s.addr) !== rec) return;
    this.streams.delete(s.addr);
    const dropped = this.cache.invalidatePod(s.addr);
    const gone = new Set([...rec.announced, ...dropped]);
    const off: PeerIdString[] = [];
    for (const id of gone) if (!this.announcedElsewhere(id, s.addr)) off.push(id);
    this.log.info({ pod: s.addr, streams: this.streams.size, peersOffline: off.length }, "cluster stream down");
    if (off.length) this.relay?.notifyRemoteOffline(off);
  }

  /** One frame from an established stream. Malformed frames are dropped and counted; never throws. */
  onFrame(s: FabricStream, raw: RawFrame): void {
    const rec = this.recs.get(s);
    if (!rec) return;
    let f;
    try {
      f = decodeFrame(raw);
    } catch (e) {
      if (!(e instanceof FabricDecodeError)) throw e;
      this.stats.frameErrors++;
      this.log.warn({ pod: s.addr, type: raw.type, err: e.message, offset: e.offset }, "cluster frame dropped");
      return;
    }
    const relay = this.relay;
    switch (f.type) {
      case "whoHas":
        if (relay?.has(f.peerId)) s.send(encodeIHave(peerIdFromString(f.peerId), this.seqno.next()));
        return;
      case "iHave":
        this.cache.offer(f.peerId, s.addr, f.seqno);
        this.answered(f.peerId, s, f.seqno);
        return;
      case "fwd":
        this.stats.forwardedIn++;
        if (!relay?.deliverForwarded(f.dst, f.message)) this.stats.forwardedInDropped++;
        return;
      case "presence":
        return f.state === "offline" ? this.remoteOffline(rec, f.peerIds) : this.remoteOnline(rec, f.peerIds, f.state === "online");
      case "ping":
        s.send(encodeFrame(FRAME_PONG, f.payload));
        return;
      case "unknown":
        this.stats.unknownFrames++;
        return;
      default:
        return; // HELLO again, OPEN/OPEN_ACK/DATA/CLOSE (codec only upstream), PONG: ignored
    }
  }

  // ---- RelayForwarder ----------------------------------------------------------------------------

  async locate(id: PeerIdString): Promise<string | null> {
    if (this.relay?.has(id)) return this.self;
    const hit = this.cached(id);
    if (hit) return hit.s.addr;
    if (this.streams.size === 0) return null; // no streams: "no owner" at once
    return new Promise((resolve) => this.lookup(id).waiters.push(resolve));
  }

  forward(dst: PeerIdString, message: Uint8Array): void | Promise<void> {
    const hit = this.cached(dst);
    if (hit) return this.send(hit, dst, message);
    if (this.cache.get(dst) !== null) {
      // the cache names a pod we have no stream to
      this.cache.invalidate(dst);
      this.stats.forward("stream_gone");
      throw new RelayForwardError("peer_not_found", "the owning pod's stream is gone");
    }
    if (this.streams.size === 0) {
      this.stats.forward("peer_not_found");
      throw new RelayForwardError("peer_not_found", "no cluster streams");
    }
    const l = this.lookup(dst);
    if (l.queued.length >= this.maxQueued) {
      this.stats.lookupQueueDrops++;
      throw new RelayForwardError("backpressure", "too many packets waiting for a lookup");
    }
    l.queued.push(message);
    return new Promise<void>((resolve, reject) => {
      l.sent.push(resolve);
      l.drops.push(reject);
    });
  }

  /** Stops lookups (waiters get null) and forgets streams; the runtime closes the sockets. */
  close(): void {
    for (const [id, l] of [...this.lookups]) {
      this.clock.clearTimeout(l.timer);
      this.finish(id, l, true);
    }
    for (const rec of [...this.streams.values()]) this.removeStream(rec.s);
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** The live stream the cache names for `id`, if any. */
  private cached(id: PeerIdString): StreamRec | null {
    const addr = this.cache.get(id);
    return addr === null ? null : (this.streams.get(addr) ?? null);
  }

  /** Raw 36-byte IDs of recent destinations (the core hands us printable keys; parsing costs per packet). */
  private idBytes(id: PeerIdString): Uint8Array {
    let b = this.ids.get(id);
    if (!b) {
      if (this.ids.size >= 4096) this.ids.clear();
      this.ids.set(id, (b = peerIdFromString(id)));
    }
    return b;
  }

  private send(rec: StreamRec, dst: PeerIdString, message: Uint8Array): void {
    if (!rec.s.send(encodeFwd(this.idBytes(dst), message))) {
      this.cache.invalidate(dst, rec.s.addr);
      this.stats.forward("send_error");
      throw new RelayForwardError("send_failed", `send to pod ${rec.s.addr} failed`);
    }
    this.stats.forward("ok");
  }

  private lookup(id: PeerIdString): Lookup {
    let l = this.lookups.get(id);
    if (l) return l;
    const asked = new Set<FabricStream>();
    const frame = encodeWhoHas(peerIdFromString(id));
    for (const rec of this.streams.values()) if (rec.s.send(frame)) asked.add(rec.s);
    l = {
      started: this.clock.now(),
      timer: this.clock.setTimeout(() => this.finish(id, l!), asked.size ? this.windowMs : 0),
      asked,
      answered: 0,
      best: null,
      waiters: [],
      queued: [],
      drops: [],
      sent: [],
    };
    this.lookups.set(id, l);
    return l;
  }

  private answered(id: PeerIdString, s: FabricStream, seqno: number): void {
    const l = this.lookups.get(id);
    if (!l || !l.asked.has(s)) return;
    l.answered++;
    if (!l.best || seqno > l.best.seqno) l.best = { addr: s.addr, seqno };
    // Early completion (see the header): the first owner's answer settles the lookup.
    this.clock.clearTimeout(l.timer);
    this.finish(id, l);
  }

  private finish(id: PeerIdString, l: Lookup, closing = false): void {
    if (this.lookups.get(id) !== l) return;
    this.lookups.delete(id);
    const rec = closing ? null : l.best ? (this.streams.get(l.best.addr) ?? null) : this.cached(id);
    this.stats.lookup((this.clock.now() - l.started) / 1000, rec !== null);
    for (const w of l.waiters) w(rec ? rec.s.addr : null);
    l.queued.forEach((m, i) => {
      if (!rec) {
        this.stats.forward("peer_not_found");
        return l.drops[i]!(new RelayForwardError("peer_not_found", "no pod owns the peer"));
      }
      try {
        this.send(rec, id, m);
        l.sent[i]!();
      } catch (e) {
        l.drops[i]!(e);
      }
    });
  }

  private announce(id: PeerIdString, online: boolean): void {
    if (online) (this.pendOff.delete(id), this.pendOn.add(id));
    else (this.pendOn.delete(id), this.pendOff.add(id));
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flushPresence());
  }

  private flushPresence(): void {
    this.flushQueued = false;
    const off = [...this.pendOff].map(peerIdFromString);
    const on = [...this.pendOn].map(peerIdFromString);
    this.pendOff.clear();
    this.pendOn.clear();
    if (this.streams.size === 0) return;
    const frames = [...(off.length ? encodePresence("offline", off) : []), ...(on.length ? encodePresence("online", on) : [])];
    for (const rec of this.streams.values()) for (const f of frames) rec.s.send(f);
  }

  private remoteOnline(rec: StreamRec, ids: PeerIdString[], live: boolean): void {
    const relay = this.relay;
    let accepted = ids;
    if (rec.announced.size + ids.length > this.maxAnnounced) {
      accepted = [];
      for (const id of ids) {
        if (rec.announced.has(id) || rec.announced.size < this.maxAnnounced) {
          rec.announced.add(id);
          accepted.push(id);
        } else this.stats.announceCapped++;
      }
      if (accepted.length < ids.length) this.log.warn({ pod: rec.s.addr, cap: this.maxAnnounced }, "cluster stream announced more peers than allowed; the rest ignored");
    }
    for (const id of accepted) {
      rec.announced.add(id);
      this.cache.set(id, rec.s.addr);
      // A live "just connected there" for a peer connected here: the peer reconnected through another
      // pod, so this connection is stale (a new connection replaces the old one, cluster-wide).
      if (live && relay?.has(id) && relay.evict(id)) this.stats.evictions++;
    }
    if (accepted.length) relay?.notifyRemoteOnline(accepted);
  }

  private remoteOffline(rec: StreamRec, ids: PeerIdString[]): void {
    const off: PeerIdString[] = [];
    for (const id of ids) {
      rec.announced.delete(id);
      this.cache.invalidate(id, rec.s.addr);
      // Moved: another pod announced it (or the cache names another live pod) since. Not offline.
      const elsewhere = this.cache.get(id);
      if (elsewhere !== null && elsewhere !== rec.s.addr && this.streams.has(elsewhere)) continue;
      if (this.announcedElsewhere(id, rec.s.addr)) continue;
      off.push(id);
    }
    if (off.length) this.relay?.notifyRemoteOffline(off);
  }

  private announcedElsewhere(id: PeerIdString, addr: string): boolean {
    for (const r of this.streams.values()) if (r.s.addr !== addr && r.announced.has(id)) return true;
    return false;
  }
}
