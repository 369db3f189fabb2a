// How a record is written into its storage row (storage.ts: the `state` and `value` text columns) and
// read back. Rows of both formats are read: v1 rows (written before the compact format) load as they are
// and are rewritten as v2 the next time their record changes.
//
// state, v2 (a JSON array; the first character "[" tells it from v1):
//   [l, t, present, own, value..., stamp..., owners]
//   l, t      the live / tombstone stamp [ts, rank, tie-break], or null
//   present   bitmask of the register slots that are set (slot numbers: merge.ts LAYOUTS; bit i = slot i)
//   own       bitmask of the set slots whose stamp is NOT l (a message older than the newest wrote them);
//             the other set slots carry l's stamp
//   value...  the value of every set slot, in slot order
//   stamp...  the stamp of every `own` slot, in slot order
//   owners    VIP records only (always last): owner -> largest timestamp
//   e.g. an endpoint one current message wrote:
//     [[1700000000,1,"m1"],null,63,0,"10.0.0.1","fd00::1","m1","p",["a.example"],"sni"]
// state, v1 (a JSON object): {"l":stamp|null,"t":stamp|null,"f":{field:[stamp,value],...},"o":{owner:ts}}
//
// value: the visible value as last published (what watchers, deltas and the route table were told):
//   NULL        nothing published (deleted, removed, expired, or never visible)
//   '' (empty)  the record's visible value derived from its state (endpoint, NAT entry and subnet route
//               records: once published, their value depends on the state alone; a NAT entry's expiry
//               only ever turns it into NULL, which is written as such)
//   JSON text   the value itself: VIP records (their live owners depend on the clock at publication) and
//               every v1 row
import { StateStorageError } from "./errors.ts";
import { isVisible, LAYOUTS, sameStamp, type CrdtRecord, type Stamp } from "./merge.ts";
import type { GossipSchema } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { NO_EXPIRY, visibleValue, type VisibleValue } from "./visible.ts";

/** Reused for every encodeState (synchronous, never re-entered). */
const scratch: unknown[] = [];

/** The v2 state text of `r` (one JSON.stringify of one flat array). */
export function encodeState(kind: RecordKind, r: CrdtRecord): string {
  const out = scratch;
  out.push(r.l, r.t, 0, 0);
  const s = r.s;
  let present = 0;
  let own = 0;
  for (let i = 0; i < s.length; i++) {
    const st = s[i];
    if (st === undefined) continue;
    present |= 1 << i;
    out.push(r.v[i]);
    if (st !== r.l && !sameStamp(st, r.l)) own |= 1 << i;
  }
  if (own !== 0) for (let i = 0; i < s.length; i++) if (own & (1 << i)) out.push(s[i]);
  out[2] = present;
  out[3] = own;
  if (kind === "vip") out.push(r.o);
  const text = JSON.stringify(out);
  out.length = 0;
  return text;
}

/** The value column for a record whose published value is `value` (see the table above). */
export function encodeValue(kind: RecordKind, value: VisibleValue | null): string | null {
  return value === null ? null : kind === "vip" ? JSON.stringify(value) : "";
}

function bad(what: string): never {
  throw new StateStorageError(what);
}

function stampOf(x: unknown): Stamp | null {
  if (x === null) return null;
  if (!Array.isArray(x) || x.length !== 3 || typeof x[0] !== "number" || typeof x[1] !== "number" || typeof x[2] !== "string") bad("a stamp is not [ts, rank, id]");
  return x as unknown as Stamp;
}

function ownersOf(x: unknown): Record<string, number> {
  if (x === undefined || x === null) return Object.create(null) as Record<string, number>;
  if (typeof x !== "object" || Array.isArray(x)) bad("owners are not an object");
  return Object.assign(Object.create(null) as Record<string, number>, x);
}

/** Reads a state column (v2 or v1) into a record of `kind`. Throws StateStorageError when unreadable. */
export function decodeState(kind: RecordKind, text: string): CrdtRecord {
  const lay = LAYOUTS[kind];
  const n = lay.slots.length;
  const parsed: unknown = JSON.parse(text);
  const r: CrdtRecord = { l: null, t: null, s: new Array<Stamp | undefined>(n).fill(undefined), v: new Array<unknown>(n).fill(undefined), o: null };
  if (Array.isArray(parsed)) {
    const a = parsed as unknown[];
    if (a.length < 4) bad("state array too short");
    r.l = stampOf(a[0]);
    r.t = stampOf(a[1]);
    const present = a[2];
    const own = a[3];
    if (typeof present !== "number" || typeof own !== "number" || present >>> n !== 0 || (own & ~present) !== 0) bad("bad register masks");
    let p = 4;
    for (let i = 0; i < n; i++) {
      if (!(present & (1 << i))) continue;
      if (r.l === null && !(own & (1 << i))) bad("a register without a live stamp");
      r.s[i] = r.l!;
      r.v[i] = a[p++];
    }
    for (let i = 0; i < n; i++) if (own & (1 << i)) r.s[i] = stampOf(a[p++]) ?? bad("a register without a stamp");
    if (kind === "vip") r.o = ownersOf(a[p++]);
    if (p !== a.length) bad("state array has extra elements");
    return r;
  }
  if (typeof parsed !== "object" || parsed === null) bad("state is neither v1 nor v2");
  const v1 = parsed as { l?: unknown; t?: unknown; f?: unknown; o?: unknown };
  if (typeof v1.f !== "object" || v1.f === null) bad("v1 state without registers");
  r.l = stampOf(v1.l ?? null);
  r.t = stampOf(v1.t ?? null);
  for (const [k, reg] of Object.entries(v1.f as Record<string, unknown>)) {
    const i = lay.slots.indexOf(k);
    if (i < 0 || !Array.isArray(reg) || reg.length !== 2) bad(`v1 register ${JSON.stringify(k)} is not one of a ${kind} record`);
    r.s[i] = stampOf(reg[0]) ?? bad("a v1 register without a stamp");
    r.v[i] = reg[1];
  }
  if (kind === "vip") r.o = ownersOf(v1.o);
  return r;
}

/** Reads a value column (see the table above) for the record `rec` it was stored with. */
export function decodeValue(kind: RecordKind, key: string, rec: CrdtRecord, text: string | null, schema: GossipSchema): VisibleValue | null {
  if (text === null) return null;
  if (text === "") {
    if (!isVisible(rec)) bad("a derived value for an invisible record");
    return visibleValue(kind, key, rec, 0, NO_EXPIRY, schema);
  }
  const v = JSON.parse(text) as VisibleValue;
  if (typeof v !== "object" || v === null) bad("value is not an object");
  if ("owners" in v && v.owners !== null) v.owners = Object.assign(Object.create(null) as Record<string, number>, v.owners);
  return v;
}
