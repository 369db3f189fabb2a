// Cross-shard forwarder of a relay shard: the openZro CrossPodForwarder seam (`locate`, `forward`) on
// Durable Objects. A destination missing from this shard is located through the peer directory
// (cached with a TTL, invalidated when the far shard reports the peer missing or the link fails) and
// the packet goes to the shard that holds it.
//
// Transport: one WebSocket LINK per destination shard (opened on demand with an upgrade request to that
// shard; the far end accepts it as a hibernatable socket), carrying FORWARD batches one way and MISSING
// notices back (wire format in forward-batch.ts). A message on a link costs the runtime a fraction of a
// Durable Object RPC (measured in workerd: ~11 us of CPU per link message against ~40-70 us per RPC,
// bench/worker.bench.ts shows the end-to-end effect), and it carries no per-call promise or result.
//
// The data path stays byte-oriented: the core hands over the raw 36-byte destination (forwardRaw), the
// location cache is looked up by those bytes (a PeerTable, no printable ID per packet), and the record
// is copied once into the lane's batch buffer. Everything one event forwards to a shard leaves in one
// link message at the end of that event (a microtask, not a timer: under a flood of socket events
// workerd runs a Durable Object's timers late). Order per (source shard, destination shard) is the
// link's order. A lane's queue is bounded while its link opens (drops counted as queue_full); link
// messages are at most MAX_LINK_MESSAGE bytes. With batching off every packet is its own link message
// (kept only to measure the difference). Links idle for a health interval are closed by the shard's
// alarm, so an idle shard can hibernate again (its end of a link is an ordinary WebSocket).
//
// Packets are never retried (a relay is lossy like the network under it); drops are counted by reason.
// relay_cluster_forwards_total{result="ok"} counts packets handed to the far shard's link; the far shard
// reports back the ones whose peer it no longer holds (counted again as peer_not_found).
import { PeerTable, peerIdFromString, peerIdKeyAt, type RelayForwarder } from "../src/relay/index.ts";
import type { Counter } from "../src/util/index.ts";
import { BatchWriter, FWD_RECORD_HEAD, LINK_MISSING, readMissing } from "./forward-batch.ts";

/** Largest link message (Workers accept WebSocket messages up to 1 MiB). */
export const MAX_LINK_MESSAGE = 256 * 1024;

/** This shard's end of a link, as the forwarder needs it (a WebSocket in the worker, a fake in tests). */
export interface LinkSocket {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** What the link reports back: MISSING notices (or other messages) and its end. */
export interface LinkEvents {
  message(bytes: Uint8Array): void;
  closed(): void;
}

export interface ForwarderDeps {
  self: string;
  batching: boolean;
  locate(peerKey: string): Promise<string | null>;
  /** Opens a link to the named shard; `events` receive what comes back on it. */
  openLink(shard: string, events: LinkEvents): Promise<LinkSocket>;
  now(): number;
  forwards: Counter; // relay_cluster_forwards_total{result}
  batches: Counter; // relay_forward_batches_total (link messages sent)
  ttlMs?: number;
  negativeTtlMs?: number;
  /** Packets a lane may queue while its link opens. */
  maxQueue?: number;
  /** A busy lane sends at most one link message per coalesceMs (default 1), unless coalesceMax packets wait (default 64). */
  coalesceMs?: number;
  coalesceMax?: number;
  /** Timer seam (default setTimeout); returns a cancel function. */
  setTimer?(fn: () => void, ms: number): () => void;
}

/** A cached location, reachable by printable key and by raw ID bytes. */
interface Location {
  readonly key: string;
  readonly id: Uint8Array;
  idWords: Int32Array | undefined;
  nextInBucket: Location | undefined;
  shard: string | null;
  until: number;
}

interface Lane {
  readonly shard: string;
  writer: BatchWriter;
  /** Full link messages waiting for the link (each at most MAX_LINK_MESSAGE bytes), and their packet counts. */
  ready: Uint8Array[];
  readyCounts: number[];
  queued: number;
  link: LinkSocket | null;
  opening: boolean;
  scheduled: boolean;
  /** Cancels the pending coalescing timer, if any. */
  timer: (() => void) | undefined;
  /** now() of the last link message sent. */
  usedAt: number;
}

export class ShardForwarder implements RelayForwarder {
  private readonly cache = new Map<string, Location>();
  private readonly raw = new PeerTable<Location>();
  private readonly pending = new Map<string, Promise<string | null>>();
  private readonly lanes = new Map<string, Lane>();
  private readonly ttl: number;
  private readonly negTtl: number;
  private readonly maxQueue: number;
  private readonly coalesceMs: number;
  private readonly coalesceMax: number;
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  private readonly deps: ForwarderDeps;
  private self: string;

  constructor(deps: ForwarderDeps) {
    this.deps = deps;
    this.self = deps.self;
    this.ttl = deps.ttlMs ?? 5 * 60_000; // openZro's location cache TTL
    this.negTtl = deps.negativeTtlMs ?? 250; // a stream to an offline peer asks at most 4 times a second
    this.maxQueue = deps.maxQueue ?? 2048;
    this.coalesceMs = deps.coalesceMs ?? 1;
    this.coalesceMax = deps.coalesceMax ?? 64;
    this.setTimer =
      deps.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      });
  }

  /**
   * RelayForwarder.locate, which the core uses to answer subscriptions: always asks the directory (a
   * cached "nowhere" could hide a peer that came online before this shard's interest was registered;
   * the interest RPC precedes this one on the same stub, so the directory sees them in that order).
   */
  locate(peerKey: string): Promise<string | null> {
    return this.lookup(peerKey, true);
  }

  /** Where is the peer? Cached; concurrent lookups of one peer share one directory request. */
  lookup(peerKey: string, fresh = false): Promise<string | null> {
    const hit = this.cache.get(peerKey);
    if (!fresh && hit && hit.until > this.deps.now()) return Promise.resolve(hit.shard);
    let p = this.pending.get(peerKey);
    if (!p) {
      p = this.deps
        .locate(peerKey)
        .then((shard) => {
          const s = shard === this.self ? null : shard; // a row naming us while we miss it is stale
          this.remember(peerKey, s);
          return s;
        })
        .catch(() => null)
        .finally(() => this.pending.delete(peerKey));
      this.pending.set(peerKey, p);
    }
    return p;
  }

  /** The shard's own name, once it is known (a shard learns it from its first request). */
  setSelf(name: string): void {
    this.self = name;
  }

  invalidate(peerKey: string): void {
    const e = this.cache.get(peerKey);
    if (!e) return;
    this.cache.delete(peerKey);
    this.raw.delete(e);
  }

  /** Cached location only (no I/O): lets the caller forward synchronously on a warm cache. */
  cached(peerKey: string): string | null | undefined {
    const hit = this.cache.get(peerKey);
    return hit && hit.until > this.deps.now() ? hit.shard : undefined;
  }

  /** RelayForwarder.forward by printable ID (the core uses forwardRaw). */
  forward(key: string, message: Uint8Array): void {
    this.forwardRaw(peerIdFromString(key), 0, message);
  }

  /**
   * RelayForwarder.forwardRaw: `message` is a transport message whose ID slot already holds the source;
   * the destination is dst[dstOff..dstOff+36). The core hands over `message`. Never throws and never
   * errors the sender: failures are counted.
   */
  forwardRaw(dst: Uint8Array, dstOff: number, message: Uint8Array): void {
    const hit = this.raw.get(dst, dstOff);
    if (hit !== undefined && hit.until > this.deps.now()) {
      if (hit.shard === null) this.deps.forwards.inc({ result: "peer_not_found" });
      else this.enqueue(hit.shard, dst, dstOff, message);
      return;
    }
    // Cold or stale cache: send once located (the core does not reuse `message`; `dst` is scratch).
    const key = hit?.key ?? peerIdKeyAt(dst, dstOff);
    const id = dst.slice(dstOff, dstOff + 36);
    void this.lookup(key).then((s) => {
      if (s === null) this.deps.forwards.inc({ result: "peer_not_found" });
      else this.enqueue(s, id, 0, message);
    });
  }

  /** Closes links that sent nothing for `idleMs` (the shard's alarm calls this), so the shard can hibernate. */
  closeIdle(idleMs: number): number {
    const now = this.deps.now();
    let n = 0;
    for (const [shard, lane] of this.lanes) {
      if (lane.link && lane.queued === 0 && !lane.scheduled && now - lane.usedAt >= idleMs) {
        const l = lane.link;
        lane.link = null;
        this.lanes.delete(shard);
        l.close();
        n++;
      }
    }
    return n;
  }

  /** Open links (for tests and metrics). */
  get links(): number {
    let n = 0;
    for (const l of this.lanes.values()) if (l.link) n++;
    return n;
  }

  private remember(key: string, shard: string | null): void {
    const until = this.deps.now() + (shard === null ? this.negTtl : this.ttl);
    const e = this.cache.get(key);
    if (e) {
      e.shard = shard;
      e.until = until;
      return;
    }
    let id: Uint8Array;
    try {
      id = peerIdFromString(key);
    } catch {
      return; // not a printable peer ID: nothing the data path could look up
    }
    const loc: Location = { key, id, idWords: undefined, nextInBucket: undefined, shard, until };
    this.cache.set(key, loc);
    this.raw.add(loc);
  }

  private lane(shard: string): Lane {
    let lane = this.lanes.get(shard);
    if (!lane) {
      lane = { shard, writer: new BatchWriter(), ready: [], readyCounts: [], queued: 0, link: null, opening: false, scheduled: false, timer: undefined, usedAt: -Infinity };
      this.lanes.set(shard, lane);
    }
    return lane;
  }

  private enqueue(shard: string, dst: Uint8Array, dstOff: number, message: Uint8Array): void {
    const lane = this.lane(shard);
    if (lane.queued >= this.maxQueue) {
      this.deps.forwards.inc({ result: "queue_full" });
      return;
    }
    if (lane.writer.bytes + FWD_RECORD_HEAD + message.length > MAX_LINK_MESSAGE && lane.writer.count > 0) {
      lane.readyCounts.push(lane.writer.count);
      lane.ready.push(lane.writer.take());
    }
    lane.writer.push(dst, dstOff, message);
    lane.queued++;
    if (!this.deps.batching) {
      lane.readyCounts.push(1); // its own link message, even if it waits for the link to open
      lane.ready.push(lane.writer.take());
      this.flush(lane);
      return;
    }
    if (lane.scheduled) {
      if (lane.queued >= this.coalesceMax && lane.timer !== undefined) {
        lane.timer(); // enough for a batch: do not wait for the timer
        lane.timer = undefined;
        lane.scheduled = false;
      } else return;
    }
    lane.scheduled = true;
    const now = this.deps.now();
    if (lane.queued >= this.coalesceMax || now - lane.usedAt >= this.coalesceMs) {
      // Idle link (or a full batch): leave at the end of the current event, with whatever this event
      // forwards to `shard` (a microtask, not a timer: low latency when traffic is light).
      queueMicrotask(() => {
        lane.scheduled = false;
        this.flush(lane);
      });
    } else {
      // The link sent within coalesceMs: let packets gather for the rest of that interval (or until
      // coalesceMax of them wait), so a busy lane sends one link message per interval, not per packet.
      lane.timer = this.setTimer(() => {
        lane.timer = undefined;
        lane.scheduled = false;
        this.flush(lane);
      }, Math.max(0, this.coalesceMs - (now - lane.usedAt)));
    }
  }

  /** Sends what the lane holds, opening its link first if needed. */
  private flush(lane: Lane): void {
    if (lane.queued === 0) return;
    const link = lane.link;
    if (!link) {
      this.open(lane);
      return;
    }
    if (lane.writer.count > 0) {
      lane.readyCounts.push(lane.writer.count);
      lane.ready.push(lane.writer.take());
    }
    const msgs = lane.ready;
    const counts = lane.readyCounts;
    lane.ready = [];
    lane.readyCounts = [];
    lane.queued = 0;
    lane.usedAt = this.deps.now();
    for (let i = 0; i < msgs.length; i++) {
      try {
        link.send(msgs[i]!);
        this.deps.batches.inc();
        this.deps.forwards.inc({ result: "ok" }, counts[i]!);
      } catch {
        this.deps.forwards.inc({ result: "send_error" }, counts[i]!);
        this.dropLink(lane, link);
      }
    }
  }

  private open(lane: Lane): void {
    if (lane.opening) return;
    lane.opening = true;
    let sock: LinkSocket | null = null;
    this.deps
      .openLink(lane.shard, {
        message: (b) => this.onLinkMessage(b),
        closed: () => {
          if (sock) this.dropLink(lane, sock);
        },
      })
      .then(
        (s) => {
          sock = s;
          lane.opening = false;
          lane.link = s;
          this.flush(lane);
        },
        () => {
          lane.opening = false;
          // The far shard is unreachable: what waited for it is lost, and so are its cached peers.
          const n = lane.queued;
          lane.writer.take();
          lane.ready = [];
          lane.readyCounts = [];
          lane.queued = 0;
          if (n) this.deps.forwards.inc({ result: "send_error" }, n);
          for (const [key, e] of this.cache) if (e.shard === lane.shard) this.invalidate(key);
          if (this.lanes.get(lane.shard) === lane) this.lanes.delete(lane.shard);
        },
      );
  }

  private dropLink(lane: Lane, sock: LinkSocket): void {
    if (lane.link !== sock) return;
    lane.link = null;
    try {
      sock.close();
    } catch {
      /* already closed */
    }
  }

  /** MISSING from a far shard: forget where those peers were (the next packet asks the directory). */
  private onLinkMessage(b: Uint8Array): void {
    if (b[0] !== LINK_MISSING) return;
    try {
      readMissing(b, (buf, off) => {
        const e = this.raw.get(buf, off);
        if (e) this.invalidate(e.key);
        this.deps.forwards.inc({ result: "peer_not_found" });
      });
    } catch {
      /* malformed notice from our own code: ignore */
    }
  }
}
