// A record as Gravity gossip: the one envelope that carries its current state to another replica, in
// Go's Encode form (our V stamped, keys in Go order, unknown members kept). Used for re-gossip (one user
// message per changed record), for push/pull anti-entropy (every live record and tombstone) and for the
// edge link (the same envelopes posted to, or read from, the edge's store).
//
//   visible endpoint          -> EndpointMapping (type 1)      the merged value at its live stamp
//   deleted endpoint          -> EndpointTombstone (type 2)    the tombstone stamp (machine_id tie-break)
//   NAT entry (any)           -> NATEntry (type 3)             receivers expire it by the same TTL rule
//   visible VIP               -> VIPHeartbeat (type 4)         live owners merge per owner
//   visible subnet route      -> SubnetRoute action "add" (5)
//   removed subnet route      -> SubnetRoute action "remove"   tie-break machine_id \0 ion_id split back
//   anything else             -> nothing (expired VIP, a record never made visible and not a tombstone)
//
// Applying a record's envelope to a replica that already holds the record changes nothing (the merge is
// idempotent and the envelope's stamp is the record's own), so re-gossip epidemics end.
import { encodeToString, type GossipMessage, type GossipSchema, type NATEntry } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { isVisible, type CrdtRecord } from "./merge.ts";
import type { VisibleValue } from "./visible.ts";
import { endpointTombstone, natEntry } from "./visible.ts";

/** The record as a message of `schema` (ours: its V is stamped on what we write). */
export function recordMessage(kind: RecordKind, key: string, rec: CrdtRecord, value: VisibleValue | null, schema: GossipSchema): GossipMessage | null {
  switch (kind) {
    case "endpoint": {
      if (value) return { type: 1, payload: value as Extract<GossipMessage, { type: 1 }>["payload"] };
      const t = endpointTombstone(key, rec, schema);
      return t ? { type: 2, payload: t } : null;
    }
    case "nat":
      if (value) return { type: 3, payload: value as NATEntry };
      // Expired by the local TTL: still the entry, so a replica that keeps NATs longer gets it.
      return isVisible(rec) ? { type: 3, payload: natEntry(key, rec, schema) } : null;
    case "vip":
      return value ? { type: 4, payload: value as Extract<GossipMessage, { type: 4 }>["payload"] } : null;
    case "route": {
      if (value) return { type: 5, payload: value as Extract<GossipMessage, { type: 5 }>["payload"] };
      if (rec.t === null || isVisible(rec)) return null;
      const tb = rec.t[2];
      const cut = tb.indexOf("\u0000");
      return {
        type: 5,
        payload: {
          v: schema.v.SubnetRoute,
          subnet: key,
          machine_id: cut < 0 ? tb : tb.slice(0, cut),
          ion_id: cut < 0 ? "" : tb.slice(cut + 1),
          timestamp: rec.t[0],
          action: "remove",
        },
      };
    }
  }
}

/** The record's envelope as Go's Encode writes it, or null (see the table above). */
export function recordEnvelope(kind: RecordKind, key: string, rec: CrdtRecord, value: VisibleValue | null, schema: GossipSchema): string | null {
  const m = recordMessage(kind, key, rec, value, schema);
  return m === null ? null : encodeToString(m, schema);
}
