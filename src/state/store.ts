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
import { nullLogger, type Logger } from "../util/index.ts";
import type { ApplyResult, Change, DeltaResult, SchemaMismatchCount, StateSnapshot, StateStoreOptions, StoreInput } from "./types.ts";
import { StateStorageError } from "./errors.ts";
import { emptyRecord, mergeLive, mergeOwners, mergeTomb, type CrdtRecord } from "./merge.ts";
import { planMessage, type Op } from "./plan.ts";
import { RouteIndex, type RouteMatch } from "./routes.ts";
import { MemoryStorage, type RecordKind, type RowKey, type StateStorage, type StoredMeta, type StoredRow } from "../platform/index.ts";
import { endpointTombstone, visibleValue, type Expiry, type VisibleValue } from "./visible.ts";
import { recordEnvelope } from "./envelopes.ts";

export type { StateStoreOptions, Change, ApplyResult, StateSnapshot, DeltaResult, SchemaMismatchCount, StoreInput } from "./types.ts";

interface Entry {
  kind: RecordKind;
  key: string;
  rec: CrdtRecord;
  cursor: number;
  at: number;
  value: VisibleValue | null;
  valueJson: string | null;
  /** Cached Go-encoded envelope of this entry (envelopes.ts); undefined = not computed yet. */
  env?: string | null;
}

const id = (kind: RecordKind, key: string): string => `${kind}\u0000${key}`;

function sameStamp(a: readonly [number, number, string] | null, b: readonly [number, number, string] | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1] && a[2] === b[2]);
}

function cloneRecord(r: CrdtRecord): CrdtRecord {
  const c: CrdtRecord = { l: r.l, t: r.t, f: { ...r.f } };
  if (r.o !== undefined) c.o = Object.assign(Object.create(null) as Record<string, number>, r.o);
  return c;
}

function parseRecord(state: string): CrdtRecord {
  const r = JSON.parse(state) as CrdtRecord;
  if (typeof r !== "object" || r === null || typeof r.f !== "object") throw new Error("not a record");
  if (r.o !== undefined) r.o = Object.assign(Object.create(null) as Record<string, number>, r.o);
  return r;
}

function parseValue(json: string | null): VisibleValue | null {
  if (json === null) return null;
  const v = JSON.parse(json) as VisibleValue;
  if ("owners" in v && v.owners !== null) v.owners = Object.assign(Object.create(null) as Record<string, number>, v.owners);
  return v;
}

export class StateStore {
  private readonly storage: StateStorage;
  private readonly now: () => number;
  private readonly exp: Expiry;
  private readonly gcAfterMs: number;
  private readonly sweepIntervalMs: number;
  private readonly log: Logger;
  private readonly schema: GossipSchema;
  private readonly entries = new Map<string, Entry>();
  private readonly routes: RouteIndex;
  /** Change log: [cursor, entry id] in cursor order; stale items (superseded) are skipped and compacted. */
  private changeLog: [number, string][] = [];
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
        rec = parseRecord(row.state);
        value = parseValue(row.value);
      } catch (e) {
        throw new StateStorageError(`stored ${row.kind} record ${JSON.stringify(row.key)} is not readable`, { cause: e });
      }
      const e: Entry = { kind: row.kind, key: row.key, rec, cursor: row.cursor, at: row.at, value, valueJson: row.value };
      this.entries.set(id(row.kind, row.key), e);
      this.index(e);
    }
    this.rebuildLog();
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
    const ops: Op[] = [];
    try {
      msgs.forEach((m, i) => planMessage(m, ops, this.schema, batch ? i : undefined));
    } catch (e) {
      this.counters.rejected++;
      throw e;
    }
    const now = this.now();
    const work = new Map<string, Entry>();
    const dirty = new Set<string>();
    for (const op of ops) {
      const k = id(op.kind, op.key);
      let e = work.get(k);
      if (e === undefined) {
        const cur = this.entries.get(k);
        e = cur
          ? { ...cur, rec: cloneRecord(cur.rec), env: undefined }
          : { kind: op.kind, key: op.key, rec: emptyRecord(op.kind === "vip"), cursor: 0, at: now, value: null, valueJson: null };
        work.set(k, e);
      }
      let changed = false;
      if (op.live !== undefined) changed = mergeLive(e.rec, op.live, op.fields ?? []) || changed;
      if (op.tomb !== undefined) changed = mergeTomb(e.rec, op.tomb) || changed;
      if (op.owners !== undefined) changed = mergeOwners(e.rec, op.owners) || changed;
      if (changed) dirty.add(k);
    }
    // Only records whose merge state changed are recomputed and written (time-driven changes: sweep()).
    for (const k of work.keys()) if (!dirty.has(k)) work.delete(k);
    const changes = this.commit(work, [], now);
    this.counters.messages += msgs.length;
    for (const m of msgs) {
      for (const mm of m.mismatches ?? []) {
        const key = `${mm.type}/${mm.remoteV}`;
        const c = this.mismatches.get(key);
        if (c) c.count++;
        else this.mismatches.set(key, { type: mm.type, name: MESSAGE_NAMES[mm.type], remote_v: mm.remoteV, count: 1 });
      }
    }
    this.maybeSweep(now);
    return { applied: msgs.length, changes, cursor: this.meta.cursor };
  }

  /**
   * Persists the working entries (and deletions) atomically, then installs them, indexes routes, logs and
   * notifies. Callers pass only entries whose merge state or visible value changed.
   */
  private commit(work: Map<string, Entry>, del: RowKey[], now: number): Change[] {
    const nowSec = Math.floor(now / 1000);
    const put: StoredRow[] = [];
    const installs: [string, Entry, boolean][] = [];
    const changes: Change[] = [];
    const meta: StoredMeta = { ...this.meta };
    for (const [k, e] of work) {
      const prev = this.entries.get(k);
      const state = JSON.stringify(e.rec);
      const value = visibleValue(e.kind, e.key, e.rec, nowSec, this.exp, this.schema);
      const valueJson = value === null ? null : JSON.stringify(value);
      // A visible change, or a deletion that moved while invisible (a newer tombstone or remove for a
      // record that is already gone or was never seen): both change what the record gossips, so both get
      // a cursor and reach watchers, re-gossip and the edge link (as a change with value null).
      const visibleChanged = valueJson !== (prev?.valueJson ?? null) || (valueJson === null && !sameStamp(prev?.rec.t ?? null, e.rec.t));
      if (visibleChanged) {
        e.cursor = ++meta.cursor;
        e.at = now;
        e.value = value;
        e.valueJson = valueJson;
        changes.push({ cursor: e.cursor, kind: e.kind, key: e.key, value } as Change);
      }
      put.push({ kind: e.kind, key: e.key, cursor: e.cursor, at: e.at, state, value: valueJson });
      installs.push([k, e, visibleChanged]);
    }
    for (const d of del) {
      const prev = this.entries.get(id(d.kind, d.key));
      if (prev) meta.minCursor = Math.max(meta.minCursor, prev.cursor);
    }
    if (put.length === 0 && del.length === 0) return changes;
    this.storage.commit(put, del, meta); // throws -> nothing below happens, memory unchanged
    this.counters.commits++;
    this.meta = meta;
    for (const d of del) this.entries.delete(id(d.kind, d.key));
    this.counters.gcRows += del.length;
    for (const [k, e, visibleChanged] of installs) {
      this.entries.set(k, e);
      if (visibleChanged) {
        this.index(e);
        this.changeLog.push([e.cursor, k]);
      }
    }
    if (this.changeLog.length > 2 * this.entries.size + 1024) this.rebuildLog();
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
  private index(e: Entry): void {
    try {
      if (e.kind === "route") this.routes.setSubnet(e.key, e.value as SubnetRoute | null);
      else if (e.kind === "nat") this.routes.setNat(e.key, e.value as NATEntry | null);
    } catch (err) {
      this.counters.routeErrors++;
      this.log.error({ err: String(err), kind: e.kind, key: e.key }, "route table update failed");
    }
  }

  private rebuildLog(): void {
    this.changeLog = [...this.entries]
      .filter(([, e]) => e.cursor > 0)
      .map(([k, e]): [number, string] => [e.cursor, k])
      .sort((a, b) => a[0] - b[0]);
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
    const work = new Map<string, Entry>();
    const del: RowKey[] = [];
    const ttl = this.exp.ownerTtlSeconds;
    for (const [k, e] of this.entries) {
      if (e.value === null && this.gcAfterMs > 0 && e.at + this.gcAfterMs <= now) {
        del.push({ kind: e.kind, key: e.key });
        continue;
      }
      let rec = e.rec;
      if (e.kind === "vip" && ttl > 0 && rec.o !== undefined) {
        const expired = Object.keys(rec.o).filter((o) => rec.o![o]! + ttl < nowSec);
        if (expired.length > 0) {
          rec = cloneRecord(rec);
          for (const o of expired) delete rec.o![o];
        }
      }
      const value = visibleValue(e.kind, e.key, rec, nowSec, this.exp, this.schema);
      const valueJson = value === null ? null : JSON.stringify(value);
      if (rec !== e.rec || valueJson !== e.valueJson) work.set(k, { ...e, rec, env: undefined });
    }
    return this.commit(work, del, now);
  }

  /** All visible records, each list ordered by key (bytewise), with the cursor they reflect. */
  snapshot(): StateSnapshot {
    this.maybeSweep(this.now());
    const s: StateSnapshot = { cursor: this.meta.cursor, endpoints: [], tombstones: [], nats: [], vips: [], routes: [] };
    const sorted = [...this.entries.values()].sort((a, b) => compareGoStrings(a.key, b.key));
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
    const log = this.changeLog;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]![0] <= since) lo = mid + 1;
      else hi = mid;
    }
    const changes: Change[] = [];
    for (let i = lo; i < log.length; i++) {
      const [c, k] = log[i]!;
      const e = this.entries.get(k);
      if (e !== undefined && e.cursor === c) changes.push({ cursor: c, kind: e.kind, key: e.key, value: e.value } as Change);
    }
    return { cursor, reset: false, changes };
  }

  /**
   * The record's current state as one Gravity envelope (Go's Encode text, see envelopes.ts), or null when
   * it has none (unknown key, expired VIP). Cached until the record changes.
   */
  envelope(kind: RecordKind, key: string): string | null {
    const e = this.entries.get(id(kind, key));
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
    for (const e of this.entries.values()) {
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
