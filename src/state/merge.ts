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
import { compareGoStrings } from "../gossip/index.ts";
import { SCHEMAS, type FieldSpec, type SchemaStatus } from "../gossip/index.ts";
import type { StructName } from "../gossip/index.ts";

/** [timestamp, rank (1 normal, 0 weak: loses ties), tie-break id]. */
export type Stamp = [ts: number, rank: number, tb: string];

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return compareGoStrings(a[2], b[2]);
}

/** A register: the stamp of the message that wrote it, the value, and the value's JSON text. */
export type Register = [stamp: Stamp, value: unknown];

/** The merge state of one record (persisted as JSON, see storage.ts). */
export interface CrdtRecord {
  /** Largest live stamp (mapping, NAT entry, heartbeat, route add). */
  l: Stamp | null;
  /** Largest tombstone stamp (EndpointTombstone, route remove). */
  t: Stamp | null;
  /** Field registers by JSON key (plus "extra"). Registers not newer than `t` are dropped. */
  f: Record<string, Register>;
  /** VIPHeartbeat owners: owner -> largest timestamp seen (rule 4). */
  o?: Record<string, number>;
}

export function emptyRecord(withOwners: boolean): CrdtRecord {
  const r: CrdtRecord = { l: null, t: null, f: {} };
  if (withOwners) r.o = Object.create(null) as Record<string, number>;
  return r;
}

export function isVisible(r: CrdtRecord): boolean {
  return r.l !== null && (r.t === null || compareStamps(r.l, r.t) > 0);
}

/** Pseudo-field for unknown JSON members (rule 5). */
export const EXTRA = "extra";

function isEmptyValue(v: unknown): boolean {
  return v === "" || v === 0 || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/**
 * The registers a message of struct `name` and schema status `status` is authoritative for (rules 1-3),
 * as [key, value] pairs. `skip` lists keys that are not registers (the record key, timestamp, ...).
 */
export function carriedFields(
  name: StructName,
  status: SchemaStatus,
  payload: Record<string, unknown>,
  skip: readonly string[],
): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const fs of SCHEMAS[name] as readonly FieldSpec[]) {
    if (skip.includes(fs.key)) continue;
    const v = payload[fs.key];
    if (status === "legacy" && !fs.legacy) continue; // rule 2: a legacy sender cannot know this field
    if (status === "mismatch" && isEmptyValue(v)) continue; // rule 3: never clear a known field
    out.push([fs.key, v]);
  }
  const extra = payload[EXTRA];
  if (typeof extra === "string" && extra !== "") out.push([EXTRA, extra]); // rule 5
  return out;
}

/** Joins a live (mapping/add) stamp and its registers into `r`; returns whether `r` changed. */
export function mergeLive(r: CrdtRecord, stamp: Stamp, fields: readonly [string, unknown][]): boolean {
  let changed = false;
  if (r.l === null || compareStamps(stamp, r.l) > 0) {
    r.l = stamp;
    changed = true;
  }
  if (r.t !== null && compareStamps(stamp, r.t) <= 0) return changed; // hidden by the tombstone
  for (const [k, v] of fields) {
    const cur = r.f[k];
    if (cur === undefined || compareRegister(stamp, v, cur) > 0) {
      r.f[k] = [stamp, v];
      changed = true;
    }
  }
  return changed;
}

/** Joins a tombstone stamp into `r`, dropping registers it hides; returns whether `r` changed. */
export function mergeTomb(r: CrdtRecord, stamp: Stamp): boolean {
  if (r.t !== null && compareStamps(stamp, r.t) <= 0) return false;
  r.t = stamp;
  for (const k of Object.keys(r.f)) if (compareStamps(r.f[k]![0], stamp) <= 0) delete r.f[k];
  return true;
}

/** Rule 4: owners merge per owner by the largest timestamp. */
export function mergeOwners(r: CrdtRecord, owners: Record<string, number> | null): boolean {
  if (owners === null) return false;
  const o = (r.o ??= Object.create(null) as Record<string, number>);
  let changed = false;
  for (const k of Object.keys(owners)) {
    const t = owners[k]!;
    const cur = o[k];
    if (cur === undefined || t > cur) {
      o[k] = t;
      changed = true;
    }
  }
  return changed;
}

function compareRegister(stamp: Stamp, value: unknown, cur: Register): number {
  const c = compareStamps(stamp, cur[0]);
  if (c !== 0) return c;
  return compareGoStrings(JSON.stringify(value) ?? "", JSON.stringify(cur[1]) ?? "");
}

/** The visible value of register `k`, or `zero` when unset. */
export function field<T>(r: CrdtRecord, k: string, zero: T): T {
  const reg = r.f[k];
  return reg === undefined ? zero : (reg[1] as T);
}
