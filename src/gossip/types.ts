// Decoded Gravity gossip messages: one interface per Go struct, with the exact JSON keys as property
// names (so a decoded payload serialises back to the wire keys), and the discriminated union.
//
// Go value model kept as-is: `null` vs `[]` for nil/empty slices and maps (Go marshals nil as null),
// int64 timestamps as JS numbers (restricted to the safe-integer range, see decode.ts), `v` = 0 when
// the sender omitted it (legacy). `extra` holds the unknown JSON members of that object as raw JSON
// text (`"k":value,...`, no braces) so re-gossip keeps them (docs/protocols/gravity.md §4.5); absent when none.
import type { SchemaStatus } from "./schema.ts";
import type {
  MSG_ENDPOINT_MAPPING,
  MSG_ENDPOINT_TOMBSTONE,
  MSG_NAT_ENTRY,
  MSG_SUBNET_ROUTE,
  MSG_VIP_HEARTBEAT,
  MessageType,
} from "./wire.ts";

export interface EndpointMapping {
  v: number;
  gravity_vip: string;
  hadron_vip: string;
  container_id: string;
  machine_id: string;
  project_id: string;
  dns_names: string[] | null;
  timestamp: number;
  /** omitempty; added with versioning (legacy senders never set it). */
  sni_hostname: string;
  extra?: string;
}

export interface EndpointTombstone {
  v: number;
  container_id: string;
  machine_id: string;
  timestamp: number;
  extra?: string;
}

export interface NATEntry {
  v: number;
  key: string;
  original_dst: string;
  original_src: string;
  /** uint16 */
  src_port: number;
  /** uint16 */
  dst_port: number;
  timestamp: number;
  extra?: string;
}

export interface VIPHeartbeat {
  v: number;
  vip: string;
  /** owner name -> int64 timestamp. A null-prototype object (safe for any key, incl. "__proto__"). */
  owners: Record<string, number> | null;
  timestamp: number;
  /** omitempty (nil or empty is left out). Each element carries its own V (docs/protocols/gravity.md §4.4). */
  new_nats: NATEntry[] | null;
  /** omitempty (nil or empty is left out). */
  new_endpoints: EndpointMapping[] | null;
  extra?: string;
}

export interface SubnetRoute {
  v: number;
  /** A prefix such as "fd15:d710:02:05:a1b2::/64". */
  subnet: string;
  machine_id: string;
  /** memberlist address of the owning ion. */
  ion_id: string;
  /** Unix seconds. */
  timestamp: number;
  /** "add" | "remove" (anything else is decoded as-is; the store rejects it). */
  action: string;
  extra?: string;
}

/** A gossip message: what `encode` takes. */
export type GossipMessage =
  | { type: typeof MSG_ENDPOINT_MAPPING; payload: EndpointMapping }
  | { type: typeof MSG_ENDPOINT_TOMBSTONE; payload: EndpointTombstone }
  | { type: typeof MSG_NAT_ENTRY; payload: NATEntry }
  | { type: typeof MSG_VIP_HEARTBEAT; payload: VIPHeartbeat }
  | { type: typeof MSG_SUBNET_ROUTE; payload: SubnetRoute };

/** One element whose V differs from ours (the payload itself or a nested heartbeat element). */
export interface SchemaMismatch {
  /** Message type of the element (a nested NATEntry in a heartbeat reports 3). */
  type: MessageType;
  remoteV: number;
  localV: number;
  status: Exclude<SchemaStatus, "current">;
  /** "payload", "payload.new_nats[2]", ... */
  path: string;
}

/** What `decode` returns: the message, its raw payload text, and its schema check. */
export type DecodedMessage = GossipMessage & {
  /** The payload exactly as received (raw JSON text), for verbatim re-gossip. */
  raw: string;
  /** Schema status of the payload's own V against ours. */
  schema: SchemaStatus;
  /** Every element (payload and nested) whose V is not ours; empty (one shared, frozen list) when all are current. */
  mismatches: SchemaMismatch[];
};
