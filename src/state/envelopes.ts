// A record as Gravity gossip: the one envelope that carries its current state to another replica, in
// Go's Encode form (our V stamped, keys in Go order, unknown members kept). Used for re-gossip (one user
// message per changed record), for push/pull anti-entropy (every live record and tombstone) and for the
// edge link (the same envelopes posted to, or read from, the edge's store).
//
//   visible endpoint          -> EndpointMapping (type 1)      the merged value at its live stamp
//   deleted endpoint          -> EndpointTombstone (type 2)    the tombstone stamp (machine_id tie-break);
//                                                              a weak stamp keeps a foreign V (deletionV)
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
import { deletionV, isVisible, type CrdtRecord } from "./merge.ts";
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
          v: deletionV(rec.t, schema.v.SubnetRoute),
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
  return (value !== null && fastEnvelope(kind, value, schema)) || recordEnvelopeGeneral(kind, key, rec, value, schema);
}

/** recordEnvelope through the general encoder (the reference fastEnvelope is tested against). */
export function recordEnvelopeGeneral(kind: RecordKind, key: string, rec: CrdtRecord, value: VisibleValue | null, schema: GossipSchema): string | null {
  const m = recordMessage(kind, key, rec, value, schema);
  return m === null ? null : encodeToString(m, stampingSchema(m, schema));
}

/**
 * The schema whose V the encoder stamps: ours, except for a weak deletion, which keeps the foreign V
 * recordMessage gave it (deletionV in merge.ts; the encoder always stamps the schema's V).
 */
function stampingSchema(m: GossipMessage, schema: GossipSchema): GossipSchema {
  if (m.type === 2 && m.payload.v !== schema.v.EndpointTombstone) return { ...schema, v: { ...schema.v, EndpointTombstone: m.payload.v } };
  if (m.type === 5 && m.payload.action === "remove" && m.payload.v !== schema.v.SubnetRoute) return { ...schema, v: { ...schema.v, SubnetRoute: m.payload.v } };
  return schema;
}

/** Characters Go's encoder writes otherwise than JSON.stringify (see goQuote in src/gossip/encode.ts). */
const NEEDS_CARE = /[<>&\u2028\u2029\ud800-\udfff]/;
const SNI_EMPTY = ',"sni_hostname":""}';

const isStr = (x: unknown): boolean => typeof x === "string";
const isInt = (x: unknown): boolean => Number.isSafeInteger(x);
const isPort = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 65535;

/**
 * The envelope of a visible endpoint, NAT entry or subnet route in one JSON.stringify: their values are
 * built in Go's key order with our V and hold strings, integers and string lists only, so JSON.stringify
 * writes what Go's Encode writes, except for omitempty (only an endpoint's sni_hostname, cut when empty),
 * unknown members (`extra`, written raw) and the characters Go escapes otherwise. Those cases, VIPs (owner
 * keys sorted bytewise), and a value that is not of the expected shape go to the general encoder ("").
 */
function fastEnvelope(kind: RecordKind, value: VisibleValue, schema: GossipSchema): string {
  const v = value as unknown as Record<string, unknown>;
  let type: number;
  switch (kind) {
    case "endpoint": {
      const d = v.dns_names;
      if (!(v.v === schema.v.EndpointMapping && isStr(v.gravity_vip) && isStr(v.hadron_vip) && isStr(v.container_id) && isStr(v.machine_id) && isStr(v.project_id) && isInt(v.timestamp) && isStr(v.sni_hostname))) return "";
      if (d !== null && !(Array.isArray(d) && d.every(isStr))) return "";
      type = 1;
      break;
    }
    case "nat":
      if (!(v.v === schema.v.NATEntry && isStr(v.key) && isStr(v.original_dst) && isStr(v.original_src) && isPort(v.src_port) && isPort(v.dst_port) && isInt(v.timestamp))) return "";
      type = 3;
      break;
    case "route":
      if (!(v.v === schema.v.SubnetRoute && isStr(v.subnet) && isStr(v.machine_id) && isStr(v.ion_id) && isInt(v.timestamp) && isStr(v.action))) return "";
      type = 5;
      break;
    default:
      return "";
  }
  if (v.extra !== undefined) return "";
  let p = JSON.stringify(value);
  if (NEEDS_CARE.test(p)) return "";
  if (type === 1 && v.sni_hostname === "") p = p.slice(0, -SNI_EMPTY.length) + "}";
  return `{"type":${type},"payload":${p}}`;
}
