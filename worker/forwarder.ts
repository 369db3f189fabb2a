// Cross-shard forwarder of a relay shard: the openZro CrossPodForwarder seam (`locate`, `forward`) on
// Durable Objects. A destination missing from this shard is located through the peer directory
// (cached with a TTL, invalidated when the far shard reports the peer missing or the RPC fails) and
// the packet goes to the shard that holds it.
//
// Batching: packets for one destination shard queue in a lane. When no deliver RPC to that shard is
// outstanding, whatever the current event forwarded leaves at the end of the event (one RPC). While
// RPCs are outstanding, packets wait and leave when one completes, or sooner in another RPC once
// busyBatch of them have gathered (up to maxInFlight RPCs, each at most maxBatch records). So a busy
// pair costs one DO request per round trip or per busyBatch packets, not one per packet, and the
// slower the far shard answers, the larger the batches. Order per (source shard, destination shard)
// is preserved: RPCs on one stub arrive in order and each batch is handled synchronously. The queue
// per destination is bounded (drops counted as queue_full). With batching off every packet is its
// own RPC (kept only to measure the difference).
//
// Packets are never retried (a relay is lossy like the network under it); drops are counted by reason.
import type { RelayForwarder } from "../src/relay/index.ts";
import type { Counter } from "../src/util/index.ts";
import { BatchWriter } from "./forward-batch.ts";

/** The far side of a forward: another shard's deliver RPC, returning the destinations it did not hold. */
export interface ShardTarget {
  deliverBatch(from: string, to: string, batch: Uint8Array): Promise<{ missing: string[] }>;
}

export interface ForwarderDeps {
  self: string;
  batching: boolean;
  locate(peerKey: string): Promise<string | null>;
  shard(name: string): ShardTarget;
  now(): number;
  forwards: Counter; // relay_cluster_forwards_total{result}
  batches: Counter; // relay_forward_batches_total
  ttlMs?: number;
  negativeTtlMs?: number;
  maxQueue?: number;
  maxBatch?: number;
  maxInFlight?: number;
  busyBatch?: number;
}

interface Lane {
  writer: BatchWriter;
  inFlight: number;
  scheduled: boolean;
  keys: string[];
}

export class ShardForwarder implements RelayForwarder {
  private readonly cache = new Map<string, { shard: string | null; until: number }>();
  private readonly pending = new Map<string, Promise<string | null>>();
  private readonly lanes = new Map<string, Lane>();
  private readonly ttl: number;
  private readonly negTtl: number;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly busyBatch: number;

  private readonly deps: ForwarderDeps;
  private self: string;

  constructor(deps: ForwarderDeps) {
    this.deps = deps;
    this.self = deps.self;
    this.ttl = deps.ttlMs ?? 5 * 60_000; // openZro's location cache TTL
    this.negTtl = deps.negativeTtlMs ?? 250; // a stream to an offline peer asks at most 4 times a second
    this.maxQueue = deps.maxQueue ?? 2048;
    this.maxBatch = deps.maxBatch ?? 256;
    this.maxInFlight = deps.maxInFlight ?? 8;
    this.busyBatch = deps.busyBatch ?? 8;
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
    const now = this.deps.now();
    if (!fresh && hit && hit.until > now) return Promise.resolve(hit.shard);
    let p = this.pending.get(peerKey);
    if (!p) {
      p = this.deps
        .locate(peerKey)
        .then((shard) => {
          const s = shard === this.self ? null : shard; // a row naming us while we miss it is stale
          this.cache.set(peerKey, { shard: s, until: this.deps.now() + (s === null ? this.negTtl : this.ttl) });
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
    this.cache.delete(peerKey);
  }

  /** Cached location only (no I/O): lets the caller forward synchronously on a warm cache. */
  cached(peerKey: string): string | null | undefined {
    const hit = this.cache.get(peerKey);
    return hit && hit.until > this.deps.now() ? hit.shard : undefined;
  }

  /**
   * RelayForwarder.forward: `message` is a transport message whose ID slot already holds the source ID;
   * the core hands over ownership. Never throws and never errors the sender: failures are counted.
   */
  forward(key: string, message: Uint8Array): void {
    const shard = this.cached(key);
    if (shard === null) {
      this.deps.forwards.inc({ result: "peer_not_found" });
      return;
    }
    if (shard !== undefined) {
      this.enqueue(shard, key, message);
      return;
    }
    // Cold cache: send once located (the core does not reuse `message`).
    void this.lookup(key).then((s) => {
      if (s === null) this.deps.forwards.inc({ result: "peer_not_found" });
      else this.enqueue(s, key, message);
    });
  }

  private enqueue(shard: string, key: string, message: Uint8Array): void {
    if (!this.deps.batching) {
      const w = new BatchWriter();
      w.push(key, message);
      void this.send(shard, w.take(), [key]);
      return;
    }
    let lane = this.lanes.get(shard);
    if (!lane) {
      lane = { writer: new BatchWriter(), inFlight: 0, scheduled: false, keys: [] };
      this.lanes.set(shard, lane);
    }
    if (lane.writer.count >= this.maxQueue) {
      this.deps.forwards.inc({ result: "queue_full" });
      return;
    }
    lane.writer.push(key, message);
    lane.keys.push(key);
    if (lane.inFlight < this.maxInFlight && !lane.scheduled && (lane.inFlight === 0 || lane.writer.count >= this.busyBatch)) {
      lane.scheduled = true;
      // End of the current event: everything this event forwards joins the batch. Not a timer: under
      // a flood of incoming socket events workerd runs a DO's timers late (observed under wrangler
      // dev: setTimeout(0) flushes stalled for seconds), while microtasks run before the next event.
      const l = lane;
      queueMicrotask(() => {
        l.scheduled = false;
        this.flush(shard, l);
      });
    }
  }

  /**
   * Sends queued packets: always when nothing is in flight (low latency when idle); while RPCs are in
   * flight only full-enough batches (>= busyBatch) take another slot, so load pipelines over up to
   * maxInFlight RPCs without degenerating into one RPC per packet.
   */
  private flush(shard: string, lane: Lane): void {
    while (lane.inFlight < this.maxInFlight && lane.writer.count > 0 && (lane.inFlight === 0 || lane.writer.count >= this.busyBatch)) {
      const n = Math.min(lane.writer.count, this.maxBatch);
      const keys = lane.keys.splice(0, n);
      const batch = lane.writer.take(n);
      lane.inFlight++;
      void this.send(shard, batch, keys).finally(() => {
        lane.inFlight--;
        if (lane.writer.count > 0) this.flush(shard, lane);
        else if (lane.inFlight === 0 && !lane.scheduled && this.lanes.get(shard) === lane) this.lanes.delete(shard);
      });
    }
  }

  private async send(shard: string, batch: Uint8Array, keys: string[]): Promise<void> {
    this.deps.batches.inc();
    try {
      const { missing } = await this.deps.shard(shard).deliverBatch(this.self, shard, batch);
      const miss = new Set(missing);
      for (const k of miss) this.invalidate(k);
      let lost = 0;
      if (miss.size) for (const k of keys) if (miss.has(k)) lost++;
      if (keys.length - lost) this.deps.forwards.inc({ result: "ok" }, keys.length - lost);
      if (lost) this.deps.forwards.inc({ result: "peer_not_found" }, lost);
    } catch {
      for (const k of new Set(keys)) this.invalidate(k);
      this.deps.forwards.inc({ result: "send_error" }, keys.length);
    }
  }
}
