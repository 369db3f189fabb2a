// Gravity state gossip on memberlist (docs/protocols/state-gossip.md): the delegate that carries the
// agent's StateStore between members, interoperable with Go ions.
//
// - Broadcast: every visible change of a record (whatever its source: a gossip message, push/pull, the
//   local API, the edge link) queues that record's CURRENT envelope (store.envelope(), Go's Encode text
//   with our V) as one memberlist user message on the transmit-limited queue, named after the record, so
//   only the newest version of a record waits to be sent. An envelope larger than one gossip packet can
//   carry is not queued (it travels in push/pull only).
// - Receive: a user message is one envelope. It is applied with the merge rules; it changes our state
//   or it does not, and only a change is re-broadcast (via the subscription above), so epidemics end.
//   Messages that are not JSON objects (Serf's own msgpack user events in --serf mode) are not Gravity:
//   they are counted and left alone.
// - Push/pull: our user state is a JSON array of the envelopes of every live record and tombstone. A
//   received array is merged (bad elements are skipped and counted, the rest applies). Changes a merge
//   brings are re-broadcast only when they are few (<= rebroadcastLimit): a late joiner learning a whole
//   state must not flood the cluster with what everyone else already holds.
// - Budget: a state larger than maxStateBytes is sent in pages, one page per push/pull, rotating through
//   the records, so every record still reaches every peer (after ceil(size / budget) exchanges). One
//   warning is logged when paging starts; gossamer_state_pushpull_pages shows the page count.
import { GossipDecodeError } from "../gossip/index.ts";
import { StateRejectError, type Change, type StateStore } from "../state/index.ts";
import type { Logger } from "../util/index.ts";
import type { MetricsRegistry } from "../util/index.ts";
import type { Broadcast } from "../memberlist/index.ts";
import { applyLenient } from "./apply.ts";

/** What state gossip needs of memberlist's user broadcast queue. */
export interface BroadcastQueue {
  queueBroadcast(b: Broadcast): void;
  numQueued(): number;
  prune(maxRetain: number): void;
}

const MiB = 1024 * 1024;
/** Default push/pull user-state budget: 32 MiB of envelope JSON (about 150k typical records). */
export const DEFAULT_STATE_BYTES = 32 * MiB;
/** Default largest envelope queued for gossip: what fits a 1400-byte UDP packet with headroom. */
export const DEFAULT_GOSSIP_MESSAGE_BYTES = 1200;

export interface StateGossipOptions {
  store: StateStore;
  queue: BroadcastQueue;
  logger: Logger;
  metrics: MetricsRegistry;
  maxStateBytes?: number;
  maxMessageBytes?: number;
  /** Most user broadcasts kept queued (the most transmitted are dropped first). Default 4096. */
  maxQueued?: number;
  /** Re-broadcast the changes a push/pull merge brought only when at most this many. Default 1024. */
  rebroadcastLimit?: number;
  /** Largest push/pull state accepted for decoding (bytes). Default 4 × maxStateBytes. */
  maxRemoteStateBytes?: number;
}

const enc = new TextEncoder();

export class StateGossip {
  private readonly store: StateStore;
  private readonly queue: BroadcastQueue;
  private readonly log: Logger;
  private readonly maxStateBytes: number;
  private readonly maxMessageBytes: number;
  private readonly maxQueued: number;
  private readonly rebroadcastLimit: number;
  private readonly maxRemoteStateBytes: number;
  private readonly unsubscribe: () => void;
  /** While merging a push/pull: changes collected instead of broadcast at once. */
  private collecting: Change[] | null = null;
  /** Paging through a state larger than the budget: where the next page starts. */
  private pageFrom = 0;
  private pagingWarned = false;
  private readonly m: {
    messages: ReturnType<MetricsRegistry["counter"]>;
    broadcasts: ReturnType<MetricsRegistry["counter"]>;
    pushPull: ReturnType<MetricsRegistry["counter"]>;
    stateBytes: ReturnType<MetricsRegistry["gauge"]>;
    pages: ReturnType<MetricsRegistry["gauge"]>;
  };

  constructor(o: StateGossipOptions) {
    this.store = o.store;
    this.queue = o.queue;
    this.log = o.logger;
    this.maxStateBytes = o.maxStateBytes ?? DEFAULT_STATE_BYTES;
    this.maxMessageBytes = o.maxMessageBytes ?? DEFAULT_GOSSIP_MESSAGE_BYTES;
    this.maxQueued = o.maxQueued ?? 4096;
    this.rebroadcastLimit = o.rebroadcastLimit ?? 1024;
    this.maxRemoteStateBytes = o.maxRemoteStateBytes ?? 4 * this.maxStateBytes;
    const reg = o.metrics;
    this.m = {
      messages: reg.counter("gossamer_state_gossip_messages_total", "Gravity user messages received, by result (applied, unchanged, rejected, not_gravity)."),
      broadcasts: reg.counter("gossamer_state_gossip_broadcasts_total", "Record envelopes offered to gossip, by result (queued, too_large, suppressed)."),
      pushPull: reg.counter("gossamer_state_pushpull_total", "Gravity push/pull states, by direction (sent, received) and result."),
      stateBytes: reg.gauge("gossamer_state_pushpull_bytes", "Bytes of the last push/pull user state sent."),
      pages: reg.gauge("gossamer_state_pushpull_pages", "Pages the state needs at the push/pull budget (1 = whole state in one exchange)."),
    };
    this.unsubscribe = this.store.subscribe((changes) => {
      if (this.collecting) this.collecting.push(...changes);
      else for (const c of changes) this.offer(c);
    });
  }

  /** Stops broadcasting store changes. */
  close(): void {
    this.unsubscribe();
  }

  /** Queue the record's current envelope, replacing a queued older one of the same record. */
  private offer(c: Change): void {
    const env = this.store.envelope(c.kind, c.key);
    if (env === null) return; // expired, nothing to say
    const msg = enc.encode(env);
    if (msg.length > this.maxMessageBytes) {
      this.m.broadcasts.inc({ result: "too_large" });
      return;
    }
    this.queue.queueBroadcast({ name: `gravity:${c.kind}\u0000${c.key}`, message: () => msg });
    this.m.broadcasts.inc({ result: "queued" });
    if (this.queue.numQueued() > this.maxQueued) this.queue.prune(this.maxQueued);
  }

  /** memberlist Delegate.notifyMsg: one envelope per user message. Never throws. */
  notifyMsg(buf: Uint8Array): void {
    let i = 0;
    while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
    if (buf[i] !== 0x7b) {
      this.m.messages.inc({ result: "not_gravity" });
      return;
    }
    try {
      const r = this.store.apply(buf);
      this.m.messages.inc({ result: r.changes.length > 0 ? "applied" : "unchanged" });
    } catch (e) {
      this.m.messages.inc({ result: "rejected" });
      if (e instanceof GossipDecodeError || e instanceof StateRejectError) this.log.debug({ code: e.code, len: buf.length }, "gravity message rejected");
      else this.log.error({ err: String(e) }, "gravity message failed");
    }
  }

  /** memberlist Delegate.localState: the state as a JSON array of envelopes (a page of it when large). */
  localState(_join: boolean): Uint8Array {
    const all = this.store.envelopes(0, Infinity);
    let list = all.envelopes;
    if (all.bytes > this.maxStateBytes) {
      const page = this.store.envelopes(this.pageFrom, this.maxStateBytes);
      list = page.envelopes;
      this.pageFrom = page.next;
      this.m.pages.set({}, Math.ceil(all.bytes / this.maxStateBytes));
      if (!this.pagingWarned) {
        this.pagingWarned = true;
        this.log.warn(
          { stateBytes: all.bytes, budget: this.maxStateBytes, records: all.envelopes.length },
          "state exceeds the push/pull budget: sending it in pages, one per push/pull",
        );
      }
    } else {
      this.pageFrom = 0;
      this.m.pages.set({}, 1);
    }
    const out = enc.encode(`[${list.join(",")}]`);
    this.m.stateBytes.set({}, out.length);
    this.m.pushPull.inc({ direction: "sent", result: "ok" });
    return out;
  }

  /** memberlist Delegate.mergeRemoteState. Never throws; bad elements are skipped and counted. */
  mergeRemoteState(buf: Uint8Array, _join: boolean): void {
    let i = 0;
    while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
    if (buf[i] !== 0x5b) {
      this.m.pushPull.inc({ direction: "received", result: "not_gravity" });
      return;
    }
    this.collecting = [];
    try {
      this.mergeArray(buf);
      this.m.pushPull.inc({ direction: "received", result: "ok" });
    } catch (e) {
      this.m.pushPull.inc({ direction: "received", result: "rejected" });
      this.log.warn({ err: String(e), len: buf.length }, "push/pull state rejected");
    } finally {
      const changes = this.collecting;
      this.collecting = null;
      if (changes.length <= this.rebroadcastLimit) for (const c of changes) this.offer(c);
      else this.m.broadcasts.inc({ result: "suppressed" }, changes.length);
    }
  }

  private mergeArray(buf: Uint8Array): void {
    const r = applyLenient(this.store, buf, this.maxRemoteStateBytes);
    if (r.skipped > 0) this.log.debug({ skipped: r.skipped }, "push/pull state had rejected records");
  }
}
