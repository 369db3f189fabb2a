// The state store's installed records: one Entry per (kind, key), held in one map per kind keyed by the
// record key itself (no composite key string to build and hash per lookup), with a creation sequence
// number that gives all records one stable order across kinds (the order envelopes() pages through and
// sweep() hands out cursors in).
//
// While one apply runs (synchronously, start to end), a record it creates is held here already as a
// PENDING entry, and every record it touches points at its working copy (`work`), so the apply finds a
// record touched before with the one lookup it does anyway. Pending entries are never seen from outside:
// the apply installs them after its storage commit, or removes them when it fails (plan.ts Workspace).
import type { CrdtRecord, RecordRef } from "./merge.ts";
import type { MaskedPrefix } from "./routes.ts";
import type { RecordKind } from "../platform/index.ts";
import type { VisibleValue } from "./visible.ts";

/** An installed record. Mutated in place, and only after its storage commit returned. */
export interface Entry {
  readonly kind: RecordKind;
  readonly key: string;
  /** Creation order: the stable order of all records. */
  readonly seq: number;
  rec: CrdtRecord;
  cursor: number;
  at: number;
  /** The visible value as last published. */
  value: VisibleValue | null;
  /** Cached Go-encoded envelope of this entry (envelopes.ts); undefined = not computed yet. */
  env: string | null | undefined;
  /** Garbage-collected (a change-log item naming it is stale). */
  gone: boolean;
  /** Created by the apply running now and not installed yet. */
  pending: boolean;
  /** The running apply's working copy of this record, or null. */
  work: Work | null;
}

/** One record touched by a merge: its entry (installed, or pending when new) and its working copy. */
export interface Work extends RecordRef {
  kind: RecordKind;
  key: string;
  /** The record's entry: installed already, or pending (created by this merge, see above). */
  entry: Entry;
  /** The installed entry, or undefined for a record this merge creates. */
  prev: Entry | undefined;
  /** Some message changed the record's merge state. */
  dirty: boolean;
  /** Subnet records: where the route table files the record (planned with its key, used after commit). */
  prefix: MaskedPrefix | null;
  /** Filled in by the store's commit: what the record shows, its cursor and time, whether that moved. */
  value: VisibleValue | null;
  cursor: number;
  at: number;
  moved: boolean;
}

/** A map from (kind, key), one Map per kind. */
export class KindMap<V> {
  readonly endpoint = new Map<string, V>();
  readonly nat = new Map<string, V>();
  readonly vip = new Map<string, V>();
  readonly route = new Map<string, V>();

  of(kind: RecordKind): Map<string, V> {
    switch (kind) {
      case "endpoint":
        return this.endpoint;
      case "nat":
        return this.nat;
      case "vip":
        return this.vip;
      case "route":
        return this.route;
    }
  }

  get(kind: RecordKind, key: string): V | undefined {
    return this.of(kind).get(key);
  }

  get size(): number {
    return this.endpoint.size + this.nat.size + this.vip.size + this.route.size;
  }
}

/** The installed records. */
export class Records extends KindMap<Entry> {
  private nextSeq = 0;

  /** Makes and installs a new record. */
  add(kind: RecordKind, key: string, rec: CrdtRecord, cursor: number, at: number, value: VisibleValue | null): Entry {
    // An object literal (not a class instance): V8 allocates literals that live long straight into the
    // old generation once it has seen them survive, which spares the young-generation collector copying
    // every record of a large batch.
    const e: Entry = { kind, key, seq: this.nextSeq++, rec, cursor, at, value, env: undefined, gone: false, pending: false, work: null };
    this.of(kind).set(key, e);
    return e;
  }

  /** Holds a record the running apply creates (see above). */
  addPending(kind: RecordKind, key: string, rec: CrdtRecord): Entry {
    const e = this.add(kind, key, rec, 0, 0, null);
    e.pending = true;
    return e;
  }

  remove(e: Entry): void {
    this.of(e.kind).delete(e.key);
    e.gone = true;
  }

  /** Every record in creation order (each kind's map is in creation order: merge them by seq). */
  *ordered(): Generator<Entry> {
    const its = [this.endpoint.values(), this.nat.values(), this.vip.values(), this.route.values()];
    const heads = its.map((it) => it.next());
    for (;;) {
      let best = -1;
      for (let i = 0; i < 4; i++) {
        const h = heads[i]!;
        if (!h.done && (best < 0 || h.value.seq < (heads[best]!.value as Entry).seq)) best = i;
      }
      if (best < 0) return;
      yield heads[best]!.value as Entry;
      heads[best] = its[best]!.next();
    }
  }

  /** Every record, in no particular order. */
  *all(): Generator<Entry> {
    yield* this.endpoint.values();
    yield* this.nat.values();
    yield* this.vip.values();
    yield* this.route.values();
  }
}
