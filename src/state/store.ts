// The replicated gossip state store: applies Gravity gossip messages with the merge rules of merge.ts,
// persists every change through a synchronous StateStorage before acknowledging it, keeps a change log
// with a monotonically increasing cursor (snapshot, deltas since a cursor, subscriptions for a watch
// stream), and answers longest-prefix route lookups over subnet routes and NAT entries.
// Portable (Web APIs only): the worker runs it inside a SQLite-backed Durable Object, tests in memory.
//
// Cursor: every visible change of a record gets the next cursor; a record's row holds the cursor of its
// last change. deltas(since) returns each record changed after `since` once, with its current value
// (null = deleted/expired). Garbage collection of long-invisible records raises `minCursor`; a client
// whose cursor is older (or newer than ours: another incarnation) gets `reset: true` and must re-snapshot.
import { GossipDecodeError, MESSAGE_NAMES, compareGoStrings, decode, decodeBatch, referenceSchema, type DecodeOptions } from "../gossip/index.ts";
import type { DecodedMessage, EndpointMapping, GossipSchema, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import { parseIp } from "../net/index.ts";
import { MemoryStorage, type RecordKind, type RowKey, type StateStorage, type StoredMeta, type StoredRow } from "../platform/index.ts";
import { nullLogger, type Logger } from "../util/index.ts";
import type { ApplyResult, Change, DeltaResult, SchemaMismatchCount, StateSnapshot, StateStoreOptions, StoreInput } from "./types.ts";
import { ChangeLog } from "./changelog.ts";
import { StateStorageError } from "./errors.ts";
import { cloneRecord, sameStamp, type CrdtRecord } from "./merge.ts";
import { newWork, planMessage, Workspace } from "./plan.ts";
import { Records, type Entry, type Work } from "./records.ts";
import { RouteIndex, type MaskedPrefix, type RouteMatch } from "./routes.ts";
import { decodeState, decodeValue, encodeState, encodeValue } from "./rowcodec.ts";
import { endpointTombstone, sameValue, visibleValue, type Expiry, type VisibleValue } from "./visible.ts";
import { recordEnvelope } from "./envelopes.ts";

export type { StateStoreOptions, Change, ApplyResult, StateSnapshot, DeltaResult, SchemaMismatchCount, StoreInput } from "./types.ts";

export class StateStore {
  private readonly storage: StateStorage;
  private readonly now: () => number;
  private readonly exp: Expiry;
  private readonly gcAfterMs: number;
  private readonly sweepIntervalMs: number;
  private readonly log: Logger;
  private readonly schema: GossipSchema;
  private readonly entries = new Records();
  /**
   * Records whose published value may change with the clock alone, or that may be garbage-collected:
   * what sweep() looks at (VIPs when owners expire, NAT entries when they expire, invisible records when
   * they are collected, and rows loaded in the v1 format until a sweep re-checked them). An endpoint or
   * route that is visible shows a value its merge state alone determines, so sweeping it changes nothing.
   */
  private readonly timed = new Set<Entry>();
  private readonly routes: RouteIndex;
  private readonly changeLog = new ChangeLog<Entry>();
  private meta: StoredMeta;
  private lastSweep: number;
  private readonly subscribers = new Set<(changes: readonly Change[], cursor: number) => void>();
  private readonly mismatches = new Map<string, SchemaMismatchCount>();
  /** Counters for metrics. */
  readonly counters = { messages: 0, rejected: 0, changes: 0, commits: 0, gcRows: 0, routeErrors: 0 };

  constructor(opts: StateStoreOptions) {
    this.storage = opts.storage ?? new MemoryStorage();
    // Whole milliseconds: row timestamps are SQL INTEGERs (a simulated wall clock may be fractional).
    const now = opts.now ?? Date.now;
    this.now = () => Math.floor(now());
    this.exp = { ownerTtlSeconds: opts.ownerTtlSeconds ?? 60, natTtlSeconds: opts.natTtlSeconds ?? 0 };
    this.gcAfterMs = (opts.gcAfterSeconds ?? 86400) * 1000;
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 5000;
    this.log = opts.logger ?? nullLogger;
    this.schema = opts.schema ?? referenceSchema();
    this.routes = new RouteIndex(opts.lpm);
    const { rows, meta } = this.storage.load();
    this.meta = meta ? { ...meta } : { cursor: 0, minCursor: 0 };
    for (const row of rows) {
      let rec: CrdtRecord;
      let value: VisibleValue | null;
      try {
        rec = decodeState(row.kind, row.state);
        value = decodeValue(row.kind, row.key, rec, row.value, this.schema);
      } catch (e) {
        throw new StateStorageError(`stored ${row.kind} record ${JSON.stringify(row.key)} is not readable`, { cause: e });
      }
      const e = this.entries.add(row.kind, row.key, rec, row.cursor, row.at, value);
      this.index(e, null);
      if (row.state.charCodeAt(0) !== 0x5b || this.isTimed(e)) this.timed.add(e); // v1 rows: re-checked once
    }
    this.changeLog.rebuild(this.entries.all());
    this.lastSweep = this.now();
  }

  /** Cursor of the last change. */
  get cursor(): number {
    return this.meta.cursor;
  }

  /** Oldest cursor deltas() can answer from. */
  get minCursor(): number {
    return this.meta.minCursor;
  }

  /** Number of records held (visible or not). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Decodes (if needed) and applies one message: wire text/bytes, or the output of gossip decode() (a
   * hand-built message must carry its sender's `v`; 0 means legacy). Throws GossipDecodeError /
   * StateRejectError (and whatever the storage throws), changing nothing.
   */
  apply(input: StoreInput): ApplyResult {
    const msg = typeof input === "string" || input instanceof Uint8Array ? this.decodeOne(() => decode(input, { schema: this.schema })) : input;
    return this.applyDecoded([msg], false);
  }

  /**
   * Applies a batch atomically: a JSON array of envelopes (or one envelope) as text/bytes, or a list of
   * inputs. One bad message rejects the whole batch (error carries its index) and changes nothing.
   */
  applyBatch(input: Uint8Array | string | readonly StoreInput[], opts?: DecodeOptions): ApplyResult {
    let msgs: DecodedMessage[];
    if (typeof input === "string" || input instanceof Uint8Array) msgs = this.decodeOne(() => decodeBatch(input, { ...opts, schema: this.schema }));
    else {
      msgs = input.map((x, i) => {
        if (typeof x !== "string" && !(x instanceof Uint8Array)) return x;
        return this.decodeOne(() => {
          try {
            return decode(x, { schema: this.schema });
          } catch (e) {
            if (!(e instanceof GossipDecodeError)) throw e;
            throw new GossipDecodeError(e.reason, `[${i}] ${e.message}`, {
              field: e.field === undefined ? `[${i}]` : `[${i}].${e.field}`,
              cause: e,
              ...(e.offset === undefined ? {} : { offset: e.offset }),
            });
          }
        });
      });
    }
    return this.applyDecoded(msgs, true);
  }

  private decodeOne<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.counters.rejected++;
      throw e;
    }
  }

  private applyDecoded(msgs: readonly DecodedMessage[], batch: boolean): ApplyResult {
    const ws = new Workspace(this.entries);
    let changes: Change[];
    const now = this.now();
    try {
      try {
        for (let i = 0; i < msgs.length; i++) planMessage(msgs[i]!, ws, this.schema, batch ? i : undefined);
      } catch (e) {
        this.counters.rejected++;
        throw e;
      }
      // Only records whose merge state changed are recomputed and written (time-driven changes: sweep()).
      const work: Work[] = [];
      for (const w of ws.list) if (w.dirty) work.push(w);
      changes = this.commit(work, [], now, ws);
    } finally {
      ws.release(false); // a failed apply: no pending record stays (no-op after commit released it)
    }
    this.counters.messages += msgs.length;
    for (const m of msgs) {
      const mms = m.mismatches;
      if (mms === undefined || mms.length === 0) continue;
      for (const mm of mms) {
        const key = `${mm.type}/${mm.remoteV}`;
        const c = this.mismatches.get(key);
        if (c) c.count++;
        else this.mismatches.set(key, { type: mm.type, name: MESSAGE_NAMES[mm.type], remote_v: mm.remoteV, count: 1 });
      }
    }
    this.maybeSweep(now);
    return { applied: msgs.length, changes, cursor: this.meta.cursor };
  }

  /** Whether a record belongs in the sweep set (see `timed`). */
  private isTimed(e: Entry): boolean {
    if (e.value === null) return this.gcAfterMs > 0 || (e.kind === "nat" && this.exp.natTtlSeconds > 0);
    return (e.kind === "vip" && this.exp.ownerTtlSeconds > 0) || (e.kind === "nat" && this.exp.natTtlSeconds > 0);
  }

  /**
   * Persists the working records (and deletions) atomically, then installs them, indexes routes, logs and
   * notifies. Callers pass only records whose merge state or visible value may have changed.
   */
  private commit(work: readonly Work[], del: readonly Entry[], now: number, ws?: Workspace): Change[] {
    const nowSec = Math.floor(now / 1000);
    const put: StoredRow[] = new Array<StoredRow>(work.length);
    const changes: Change[] = [];
    const meta: StoredMeta = { cursor: this.meta.cursor, minCursor: this.meta.minCursor };
    for (let i = 0; i < work.length; i++) {
      const w = work[i]!;
      const prev = w.prev;
      const value = visibleValue(w.kind, w.key, w.rec, nowSec, this.exp, this.schema);
      // A visible change, or a deletion that moved while invisible (a newer tombstone or remove for a
      // record that is already gone or was never seen): both change what the record gossips, so both get
      // a cursor and reach watchers, re-gossip and the edge link (as a change with value null).
      const prevValue = prev === undefined ? null : prev.value;
      const moved = !sameValue(value, prevValue) || (value === null && !sameStamp(prev === undefined ? null : prev.rec.t, w.rec.t));
      w.moved = moved;
      if (moved) {
        w.cursor = ++meta.cursor;
        w.at = now;
        w.value = value;
        changes.push({ cursor: w.cursor, kind: w.kind, key: w.key, value } as Change);
      } else {
        w.cursor = prev === undefined ? 0 : prev.cursor;
        w.at = prev === undefined ? now : prev.at;
        w.value = prevValue;
      }
      // The value column can always be derived from `value`: when it did not move, it equals what was
      // published (sameValue), so the row stays exact.
      put[i] = { kind: w.kind, key: w.key, cursor: w.cursor, at: w.at, state: encodeState(w.kind, w.rec), value: encodeValue(w.kind, value) };
    }
    const delKeys: RowKey[] = [];
    for (const e of del) {
      meta.minCursor = Math.max(meta.minCursor, e.cursor);
      delKeys.push({ kind: e.kind, key: e.key });
    }
    if (put.length === 0 && del.length === 0) return changes;
    this.storage.commit(put, delKeys, meta); // throws -> nothing below happens, memory unchanged
    this.counters.commits++;
    this.meta = meta;
    for (const e of del) {
      this.entries.remove(e);
      this.timed.delete(e);
    }
    this.counters.gcRows += del.length;
    for (const w of work) {
      const e = w.entry;
      e.pending = false;
      e.rec = w.rec;
      e.cursor = w.cursor;
      e.at = w.at;
      e.value = w.value;
      e.env = undefined;
      if (this.isTimed(e)) this.timed.add(e);
      else this.timed.delete(e);
      if (w.moved) {
        this.index(e, w.prefix);
        this.changeLog.push(e.cursor, e);
      }
    }
    ws?.release(true); // before subscribers run: one may apply again
    if (this.changeLog.length > 2 * this.entries.size + 1024) this.changeLog.rebuild(this.entries.all());
    this.counters.changes += changes.length;
    if (changes.length > 0) {
      for (const fn of this.subscribers) {
        try {
          fn(changes, meta.cursor);
        } catch (err) {
          this.log.warn({ err: String(err) }, "state subscriber threw");
        }
      }
    }
    return changes;
  }

  /** Updates the route table after a commit. It must not throw past this point: state is committed. */
  private index(e: Entry, prefix: MaskedPrefix | null): void {
    try {
      if (e.kind === "route") this.routes.setSubnet(e.key, e.value as SubnetRoute | null, prefix);
      else if (e.kind === "nat") this.routes.setNat(e.key, e.value as NATEntry | null);
    } catch (err) {
      this.counters.routeErrors++;
      this.log.error({ err: String(err), kind: e.kind, key: e.key }, "route table update failed");
    }
  }

  /** Opportunistic sweep; its failure must not fail the (already committed) call that triggered it. */
  private maybeSweep(now: number): void {
    if (this.sweepIntervalMs <= 0 || now - this.lastSweep < this.sweepIntervalMs) return;
    try {
      this.sweep();
    } catch (err) {
      this.lastSweep = now;
      this.log.error({ err: String(err) }, "state sweep failed");
    }
  }

  /**
   * Expires VIP owners and NAT entries, publishes the resulting changes, and drops records invisible for
   * longer than gcAfterSeconds. Call it periodically (a Durable Object alarm) or rely on sweepIntervalMs.
   */
  sweep(): Change[] {
    const now = this.now();
    this.lastSweep = now;
    const nowSec = Math.floor(now / 1000);
    const work: Work[] = [];
    const del: Entry[] = [];
    const ttl = this.exp.ownerTtlSeconds;
    // In record order (as if every record were looked at), so cursors are handed out the same way.
    const due = [...this.timed].sort((a, b) => a.seq - b.seq);
    for (const e of due) {
      if (e.value === null && this.gcAfterMs > 0 && e.at + this.gcAfterMs <= now) {
        del.push(e);
        continue;
      }
      let rec = e.rec;
      const o = rec.o;
      if (e.kind === "vip" && ttl > 0 && o !== null) {
        const expired = Object.keys(o).filter((k) => o[k]! + ttl < nowSec);
        if (expired.length > 0) {
          rec = cloneRecord(rec);
          for (const k of expired) delete rec.o![k];
        }
      }
      const value = visibleValue(e.kind, e.key, rec, nowSec, this.exp, this.schema);
      if (rec !== e.rec || !sameValue(value, e.value)) work.push(newWork(e.kind, e.key, e, e, rec, true));
      else if (!this.isTimed(e)) this.timed.delete(e); // a v1 row re-checked
    }
    return this.commit(work, del, now);
  }

  /** All visible records, each list ordered by key (bytewise), with the cursor they reflect. */
  snapshot(): StateSnapshot {
    this.maybeSweep(this.now());
    const s: StateSnapshot = { cursor: this.meta.cursor, endpoints: [], tombstones: [], nats: [], vips: [], routes: [] };
    const sorted = [...this.entries.all()].sort((a, b) => compareGoStrings(a.key, b.key));
    for (const e of sorted) {
      if (e.kind === "endpoint") {
        if (e.value) s.endpoints.push(e.value as EndpointMapping);
        else {
          const t = endpointTombstone(e.key, e.rec, this.schema);
          if (t) s.tombstones.push(t);
        }
      } else if (e.value) {
        if (e.kind === "nat") s.nats.push(e.value as NATEntry);
        else if (e.kind === "vip") s.vips.push(e.value as VIPHeartbeat);
        else s.routes.push(e.value as SubnetRoute);
      }
    }
    return s;
  }

  /** Records changed after cursor `since` (each once, current value), or reset when `since` is unknown. */
  deltas(since: number): DeltaResult {
    this.maybeSweep(this.now());
    const cursor = this.meta.cursor;
    if (!Number.isSafeInteger(since) || since < this.meta.minCursor || since > cursor) return { cursor, reset: true, changes: [] };
    const changes: Change[] = [];
    for (const e of this.changeLog.since(since)) changes.push({ cursor: e.cursor, kind: e.kind, key: e.key, value: e.value } as Change);
    return { cursor, reset: false, changes };
  }

  /**
   * The record's current state as one Gravity envelope (Go's Encode text, see envelopes.ts), or null when
   * it has none (unknown key, expired VIP). Cached until the record changes.
   */
  envelope(kind: RecordKind, key: string): string | null {
    const e = this.entries.get(kind, key);
    return e === undefined ? null : this.entryEnvelope(e);
  }

  private entryEnvelope(e: Entry): string | null {
    if (e.env === undefined) e.env = recordEnvelope(e.kind, e.key, e.rec, e.value, this.schema);
    return e.env;
  }

  /**
   * Every live record and tombstone as envelopes (push/pull anti-entropy, edge snapshots), in no
   * particular order. `from`/`limit` page through a stable order (entry insertion order) for states too
   * large for one message; `next` is the index to continue from, or 0 after the last page.
   */
  envelopes(from = 0, maxBytes = Infinity): { envelopes: string[]; bytes: number; next: number } {
    const out: string[] = [];
    let bytes = 2;
    let i = 0;
    for (const e of this.entries.ordered()) {
      if (i++ < from) continue;
      const env = this.entryEnvelope(e);
      if (env === null) continue;
      if (bytes + env.length + 1 > maxBytes && out.length > 0) return { envelopes: out, bytes, next: i - 1 };
      out.push(env);
      bytes += env.length + 1;
    }
    return { envelopes: out, bytes, next: 0 };
  }

  /** Calls `fn` after every commit that changed visible state. Returns the unsubscribe function. */
  subscribe(fn: (changes: readonly Change[], cursor: number) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Longest-prefix match for an IP address text (IpParseError if it is not one). See routes.ts. */
  route(ip: string): RouteMatch | null {
    return this.routes.lookup(parseIp(ip));
  }

  /** Same, for a 4- or 16-byte address. */
  routeAddr(addr: Uint8Array): RouteMatch | null {
    return this.routes.lookup(addr);
  }

  /** Number of distinct routed prefixes, and NAT entries not routable. */
  routeStats(): { prefixes: number; unroutableNats: number } {
    return { prefixes: this.routes.prefixes, unroutableNats: this.routes.unroutable };
  }

  /** gossip_schema_mismatch_total{type,remote_v} (legacy V = 0 included). */
  schemaMismatches(): SchemaMismatchCount[] {
    return [...this.mismatches.values()].map((m) => ({ ...m }));
  }
}
