// The receiver merge rules for Gravity gossip (docs/protocols/gravity.md §4), as a state-based CRDT so that every node
// converges whatever order messages arrive in, and applying a message twice changes nothing.
//
// Upstream's receivers ("hadron", "ion") are private; these are gossamer's rules for them:
//  1. V == ours ("current"): last-writer-wins on `timestamp`; on a tie the lexicographically larger
//     machine_id (SubnetRoute: machine_id, then ion_id) wins, so all nodes converge.
//  2. V == 0 ("legacy", pre-versioning sender): the message is of the older schema. Only the fields that
//     schema had are applied; a field a legacy sender cannot know (EndpointMapping.sni_hostname) KEEPS its
//     local value instead of being overwritten by "". Still last-writer-wins on `timestamp`.
//  3. V != 0 && V != ours ("mismatch", newer/other schema): known fields are decoded and applied, but a
//     locally known non-empty field is NEVER cleared by an empty or absent incoming one. Tombstones and
//     `action: "remove"` apply only if their timestamp is STRICTLY newer than the record (they lose every
//     tie). Mismatches are counted per {type, remote_v} (the store does the counting).
//  4. VIPHeartbeat: the V of each nested NewNATs/NewEndpoints element is checked on its own (each element
//     is merged as the message of its own type and version), and `owners` merge per owner by the largest
//     timestamp, never replacing the whole map.
//  5. Re-gossip never drops unknown JSON keys: the decoder keeps them (`extra`, and the raw payload), and
//     the record keeps the newest non-empty `extra` as one more field register.
//
// How rules 1-3 stay order-independent: every field is its own last-writer-wins register holding the
// value and the stamp of the message that set it. A message writes only the registers it is
// authoritative for (all fields if current; legacy fields if V = 0; non-empty fields if mismatched), so
// "keep the local value" is simply "this message does not write that register". A record also keeps the
// largest live stamp (mapping / add) and the largest tombstone stamp (tombstone / remove); it is visible
// iff live > tombstone, and a register counts only if its stamp is newer than the tombstone (a record
// re-created after a delete does not resurrect fields from before the delete). Rule 3's "strictly newer"
// is a weak stamp rank that loses all ties on equal timestamps. Stamps order by (timestamp, rank,
// tie-break id); equal stamps with different values order by the value's JSON text, so the result is a
// join (max) in every register: commutative, associative, idempotent.
//
// Layout in memory (speed: a batch of 10k envelopes is merged with a handful of allocations per record):
// the registers of a record kind are numbered slots (LAYOUTS: the struct's fields that are registers, in
// Go declaration order, then "extra"); a record holds one array of register stamps and one of values,
// indexed by slot. Stamps are immutable tuples, shared by every register one message wrote.
import { compareGoStrings, SCHEMAS, type SchemaStatus, type StructName } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";

/** [timestamp, rank (1 normal, 0 weak: loses ties), tie-break id]. Never mutated once made. */
export type Stamp = readonly [ts: number, rank: number, tb: string];

/**
 * The V a deletion is re-gossiped with (docs/protocols/gravity.md §4.6): ours for a normal stamp; for a
 * weak one (rule 3: a tombstone or remove of another schema) a V that is neither ours nor 0 (255, or 254
 * when ours is 255), so every receiver gives it the same weak rank again. Stamping our own V on it would
 * make it win ties it lost where it was first applied, and replicas would diverge.
 */
export function deletionV(stamp: Stamp, ours: number): number {
  return stamp[1] === 1 ? ours : ours === 255 ? 254 : 255;
}

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] === b[2] ? 0 : compareGoStrings(a[2], b[2]);
}

export function sameStamp(a: Stamp | null | undefined, b: Stamp | null | undefined): boolean {
  return a === b || (a != null && b != null && a[0] === b[0] && a[1] === b[1] && a[2] === b[2]);
}

/** Pseudo-field for unknown JSON members (rule 5). */
export const EXTRA = "extra";

/** The registers of a record kind: slot i holds field `slots[i]`; the last slot is EXTRA. */
export interface KindLayout {
  readonly kind: RecordKind;
  readonly struct: StructName;
  readonly slots: readonly string[];
  /** Per slot: a legacy (V = 0) sender knew the field (rule 2). EXTRA: true. */
  readonly legacy: readonly boolean[];
  /** Per slot: the zero value the visible record shows when the register is unset. */
  readonly zero: readonly unknown[];
  readonly extra: number;
}

/** Fields that are not registers: the record key, the stamp's timestamp, and what merges otherwise. */
const NOT_REGISTERS: { readonly [K in RecordKind]: readonly string[] } = {
  endpoint: ["container_id", "timestamp"],
  nat: ["key", "timestamp"],
  vip: ["vip", "owners", "timestamp", "new_nats", "new_endpoints"],
  route: ["subnet", "timestamp", "action"],
};
const STRUCT: { readonly [K in RecordKind]: StructName } = { endpoint: "EndpointMapping", nat: "NATEntry", vip: "VIPHeartbeat", route: "SubnetRoute" };

function layout(kind: RecordKind): KindLayout {
  const specs = SCHEMAS[STRUCT[kind]].filter((fs) => !NOT_REGISTERS[kind].includes(fs.key));
  const zeroOf = (k: string): unknown => (k === "string" ? "" : k === "int64" || k === "uint16" ? 0 : null);
  return {
    kind,
    struct: STRUCT[kind],
    slots: [...specs.map((fs) => fs.key), EXTRA],
    legacy: [...specs.map((fs) => fs.legacy), true],
    zero: [...specs.map((fs) => zeroOf(fs.kind)), ""],
    extra: specs.length,
  };
}

export const LAYOUTS: { readonly [K in RecordKind]: KindLayout } = {
  endpoint: layout("endpoint"),
  nat: layout("nat"),
  vip: layout("vip"),
  route: layout("route"),
};

/** Slot numbers by name, for the code that builds visible values (checked against LAYOUTS below). */
export const SLOT = {
  endpoint: { gravity_vip: 0, hadron_vip: 1, machine_id: 2, project_id: 3, dns_names: 4, sni_hostname: 5, extra: 6 },
  nat: { original_dst: 0, original_src: 1, src_port: 2, dst_port: 3, extra: 4 },
  vip: { extra: 0 },
  route: { machine_id: 0, ion_id: 1, extra: 2 },
} as const;
for (const k of Object.keys(SLOT) as RecordKind[]) {
  if (JSON.stringify(Object.keys(SLOT[k])) !== JSON.stringify(LAYOUTS[k].slots)) throw new Error(`state slot table for ${k} is out of date`);
}

/** The merge state of one record (persisted by rowcodec.ts). */
export interface CrdtRecord {
  /** Largest live stamp (mapping, NAT entry, heartbeat, route add). */
  l: Stamp | null;
  /** Largest tombstone stamp (EndpointTombstone, route remove). */
  t: Stamp | null;
  /** Register stamps by slot (undefined: unset). Registers not newer than `t` are dropped. */
  s: (Stamp | undefined)[];
  /** Register values by slot (undefined where unset). */
  v: unknown[];
  /** VIPHeartbeat owners: owner -> largest timestamp seen (rule 4), a null-prototype object; null otherwise. */
  o: Record<string, number> | null;
}

export function emptyRecord(kind: RecordKind): CrdtRecord {
  // Array literals, one unset register per slot (checked against LAYOUTS below), rather than copies: V8
  // allocates literals that live long straight into the old generation once it has seen them survive.
  switch (kind) {
    case "endpoint":
      return { l: null, t: null, s: [undefined, undefined, undefined, undefined, undefined, undefined, undefined], v: [undefined, undefined, undefined, undefined, undefined, undefined, undefined], o: null };
    case "nat":
      return { l: null, t: null, s: [undefined, undefined, undefined, undefined, undefined], v: [undefined, undefined, undefined, undefined, undefined], o: null };
    case "vip":
      return { l: null, t: null, s: [undefined], v: [undefined], o: Object.create(null) as Record<string, number> };
    case "route":
      return { l: null, t: null, s: [undefined, undefined, undefined], v: [undefined, undefined, undefined], o: null };
  }
}
for (const k of Object.keys(LAYOUTS) as RecordKind[]) {
  const r = emptyRecord(k);
  if (r.s.length !== LAYOUTS[k].slots.length || r.v.length !== LAYOUTS[k].slots.length) throw new Error(`emptyRecord(${k}) is out of date`);
}

/** A copy the merge functions may change without touching `r` (stamps are shared: they never change). */
export function cloneRecord(r: CrdtRecord): CrdtRecord {
  return { l: r.l, t: r.t, s: r.s.slice(), v: r.v.slice(), o: r.o === null ? null : Object.assign(Object.create(null) as Record<string, number>, r.o) };
}

export function isVisible(r: CrdtRecord): boolean {
  return r.l !== null && (r.t === null || compareStamps(r.l, r.t) > 0);
}

function isEmptyValue(v: unknown): boolean {
  return v === "" || v === 0 || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/** JSON text equality of two register values, without serialising in the common cases. */
function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || typeof a[i] !== "string") return JSON.stringify(a) === JSON.stringify(b);
    return true;
  }
  return false;
}

/** Orders a write (stamp, value) against register slot `i` of `r` (> 0: the write wins). */
function compareRegister(r: CrdtRecord, i: number, stamp: Stamp, value: unknown): number {
  const c = compareStamps(stamp, r.s[i]!);
  if (c !== 0) return c;
  const cur = r.v[i];
  if (sameJsonValue(value, cur)) return 0;
  return compareGoStrings(JSON.stringify(value) ?? "", JSON.stringify(cur) ?? "");
}

/**
 * A record being merged: `rec` is shared with the installed record until the first change, when it is
 * replaced by a copy (copy on write), so merging what a record already holds allocates nothing and the
 * installed record is never touched before the storage commit.
 */
export interface RecordRef {
  rec: CrdtRecord;
  /** `rec` is this merge's own copy (or a new record). */
  owned: boolean;
}

function mut(w: RecordRef): CrdtRecord {
  if (!w.owned) {
    w.rec = cloneRecord(w.rec);
    w.owned = true;
  }
  return w.rec;
}

function write(w: RecordRef, i: number, stamp: Stamp, value: unknown): boolean {
  if (w.rec.s[i] !== undefined && compareRegister(w.rec, i, stamp, value) <= 0) return false;
  const r = mut(w);
  r.s[i] = stamp;
  r.v[i] = value;
  return true;
}

/**
 * Joins a live (mapping/add) stamp and the registers the message is authoritative for (rules 1-3, 5)
 * into the record; returns whether it changed. `payload` is the message payload (wire keys).
 */
export function mergeLive(w: RecordRef, lay: KindLayout, stamp: Stamp, status: SchemaStatus, payload: Record<string, unknown>): boolean {
  let changed = false;
  const l = w.rec.l;
  if (l === null || compareStamps(stamp, l) > 0) {
    mut(w).l = stamp;
    changed = true;
  }
  const t = w.rec.t;
  if (t !== null && compareStamps(stamp, t) <= 0) return changed; // hidden by the tombstone
  const slots = lay.slots;
  for (let i = 0; i < lay.extra; i++) {
    if (status === "legacy" && !lay.legacy[i]) continue; // rule 2: a legacy sender cannot know this field
    const v = payload[slots[i]!];
    if (status === "mismatch" && isEmptyValue(v)) continue; // rule 3: never clear a known field
    if (write(w, i, stamp, v)) changed = true;
  }
  const extra = payload[EXTRA];
  if (typeof extra === "string" && extra !== "" && write(w, lay.extra, stamp, extra)) changed = true; // rule 5
  return changed;
}

/** Joins a tombstone stamp into the record, dropping registers it hides; returns whether it changed. */
export function mergeTomb(w: RecordRef, stamp: Stamp): boolean {
  const t = w.rec.t;
  if (t !== null && compareStamps(stamp, t) <= 0) return false;
  const r = mut(w);
  r.t = stamp;
  for (let i = 0; i < r.s.length; i++) {
    const s = r.s[i];
    if (s !== undefined && compareStamps(s, stamp) <= 0) {
      r.s[i] = undefined;
      r.v[i] = undefined;
    }
  }
  return true;
}

/** Rule 4: owners merge per owner by the largest timestamp. */
export function mergeOwners(w: RecordRef, owners: Record<string, number> | null): boolean {
  if (owners === null) return false;
  let changed = false;
  for (const k of Object.keys(owners)) {
    const t = owners[k]!;
    const cur = w.rec.o?.[k];
    if (cur === undefined || t > cur) {
      const r = mut(w);
      (r.o ??= Object.create(null) as Record<string, number>)[k] = t;
      changed = true;
    }
  }
  return changed;
}

/** The visible value of register slot `i`, or `zero` when unset. */
export function field<T>(r: CrdtRecord, i: number, zero: T): T {
  return r.s[i] === undefined ? zero : (r.v[i] as T);
}
