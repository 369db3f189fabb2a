// Merges decoded gossip messages into working copies of their records (a Workspace), validating each
// message as it goes. Nothing installed is touched: records are copied on their first change (merge.ts
// RecordRef), so a message that is rejected midway through a batch throws and the whole workspace is
// dropped: a rejected message or batch changes nothing. Which fields a message writes follows the
// receiver rules in merge.ts (docs/protocols/gravity.md §4).
import { ROUTE_ADD, ROUTE_REMOVE } from "../gossip/index.ts";
import type { DecodedMessage, EndpointMapping, EndpointTombstone, GossipSchema, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { StateRejectError } from "./errors.ts";
import { emptyRecord, LAYOUTS, mergeLive, mergeOwners, mergeTomb, type CrdtRecord, type Stamp } from "./merge.ts";
import type { Entry, Records, Work } from "./records.ts";
import { subnetPrefix, type MaskedPrefix } from "./routes.ts";

export function newWork(kind: RecordKind, key: string, entry: Entry, prev: Entry | undefined, rec: CrdtRecord, owned: boolean): Work {
  return { kind, key, entry, prev, rec, owned, dirty: false, prefix: null, value: null, cursor: 0, at: 0, moved: false };
}

/**
 * The records one apply touches, in first-touch order (the order the commit hands out cursors in). Each
 * touched entry points at its Work while the apply runs; release() undoes that, and drops the pending
 * entries that are not to be installed (all of them when the apply failed).
 */
export class Workspace {
  readonly list: Work[] = [];
  private readonly records: Records;
  private released = false;

  constructor(records: Records) {
    this.records = records;
  }

  get(kind: RecordKind, key: string): Work {
    let e = this.records.get(kind, key);
    if (e !== undefined && e.work !== null) return e.work;
    let w: Work;
    if (e === undefined) {
      const rec = emptyRecord(kind);
      e = this.records.addPending(kind, key, rec);
      w = newWork(kind, key, e, undefined, rec, true);
    } else w = newWork(kind, key, e, e, e.rec, false);
    e.work = w;
    this.list.push(w);
    return w;
  }

  /** Ends the apply (once): `installed` says the dirty records were installed (else nothing was). */
  release(installed: boolean): void {
    if (this.released) return;
    this.released = true;
    for (const w of this.list) {
      w.entry.work = null;
      if (w.entry.pending && !(installed && w.dirty)) this.records.remove(w.entry);
    }
  }
}

/** Tie-break id of a SubnetRoute: machine_id first, then ion_id (\0 sorts before every other char). */
export function routeTieBreak(machineId: string, ionId: string): string {
  return `${machineId}\u0000${ionId}`;
}

function needKey(key: string, what: string, index: number | undefined): void {
  if (key === "") throw new StateRejectError("empty_key", `${what} is empty`, index === undefined ? undefined : { index });
}

type Ws = Workspace;

function live(ws: Ws, schema: GossipSchema, kind: RecordKind, key: string, stamp: Stamp, v: number, payload: object): Work {
  const lay = LAYOUTS[kind];
  const w = ws.get(kind, key);
  if (mergeLive(w, lay, stamp, schema.status(lay.struct, v), payload as Record<string, unknown>)) w.dirty = true;
  return w;
}

function endpoint(p: EndpointMapping, ws: Ws, schema: GossipSchema, index: number | undefined): void {
  needKey(p.container_id, "EndpointMapping.container_id", index);
  live(ws, schema, "endpoint", p.container_id, [p.timestamp, 1, p.machine_id], p.v, p);
}

function nat(p: NATEntry, ws: Ws, schema: GossipSchema, index: number | undefined): void {
  needKey(p.key, "NATEntry.key", index);
  live(ws, schema, "nat", p.key, [p.timestamp, 1, ""], p.v, p);
}

/**
 * Merges one message into `ws`, or throws StateRejectError. `schema` is ours (the V each payload is
 * compared with); `index` labels errors in a batch.
 */
export function planMessage(msg: DecodedMessage, ws: Ws, schema: GossipSchema, index?: number): void {
  switch (msg.type) {
    case 1:
      endpoint(msg.payload, ws, schema, index);
      return;
    case 2: {
      const p: EndpointTombstone = msg.payload;
      needKey(p.container_id, "EndpointTombstone.container_id", index);
      // rule 3: a mismatched tombstone only deletes a strictly older record (weak rank loses ties)
      const rank = schema.status("EndpointTombstone", p.v) === "mismatch" ? 0 : 1;
      const w = ws.get("endpoint", p.container_id);
      if (mergeTomb(w, [p.timestamp, rank, p.machine_id])) w.dirty = true;
      return;
    }
    case 3:
      nat(msg.payload, ws, schema, index);
      return;
    case 4: {
      const p: VIPHeartbeat = msg.payload;
      needKey(p.vip, "VIPHeartbeat.vip", index);
      const w = live(ws, schema, "vip", p.vip, [p.timestamp, 1, ""], p.v, p);
      if (mergeOwners(w, p.owners)) w.dirty = true;
      // rule 4: nested elements merge as their own messages, each with its own V
      for (const n of p.new_nats ?? []) nat(n, ws, schema, index);
      for (const e of p.new_endpoints ?? []) endpoint(e, ws, schema, index);
      return;
    }
    case 5: {
      const p: SubnetRoute = msg.payload;
      needKey(p.subnet, "SubnetRoute.subnet", index);
      let sp: { key: string; prefix: MaskedPrefix };
      try {
        sp = subnetPrefix(p.subnet);
      } catch (e) {
        throw new StateRejectError("bad_subnet", `SubnetRoute.subnet ${JSON.stringify(p.subnet.slice(0, 64))} is not a prefix`, {
          cause: e,
          ...(index === undefined ? {} : { index }),
        });
      }
      const tb = routeTieBreak(p.machine_id, p.ion_id);
      if (p.action === ROUTE_ADD) {
        live(ws, schema, "route", sp.key, [p.timestamp, 1, tb], p.v, p).prefix = sp.prefix;
      } else if (p.action === ROUTE_REMOVE) {
        const w = ws.get("route", sp.key);
        w.prefix = sp.prefix;
        if (mergeTomb(w, [p.timestamp, schema.status("SubnetRoute", p.v) === "mismatch" ? 0 : 1, tb])) w.dirty = true;
      } else {
        throw new StateRejectError(
          "bad_action",
          `SubnetRoute.action ${JSON.stringify(p.action.slice(0, 32))} is neither "add" nor "remove"`,
          index === undefined ? undefined : { index },
        );
      }
      return;
    }
  }
}
