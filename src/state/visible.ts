// What a record looks like from outside: the merged message payload in OUR schema (v = our V, keys in Go
// order, so it can be handed to encode() for re-gossip), or null when the record is deleted, removed or
// expired. Owner and NAT expiry depend on the wall clock (Unix seconds).
import type { EndpointMapping, EndpointTombstone, GossipSchema, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import { compareGoStrings } from "../gossip/index.ts";
import { EXTRA, field, isVisible, type CrdtRecord } from "./merge.ts";
import type { RecordKind } from "../platform/index.ts";

export type VisibleValue = EndpointMapping | NATEntry | VIPHeartbeat | SubnetRoute;

export interface Expiry {
  /** VIP owners expire this many seconds after their timestamp; 0 = never. */
  ownerTtlSeconds: number;
  /** NAT entries expire this many seconds after their timestamp; 0 = never. */
  natTtlSeconds: number;
}

function withExtra<T extends object>(o: T, r: CrdtRecord): T {
  const x = field<string>(r, EXTRA, "");
  if (x !== "") (o as { extra?: string }).extra = x;
  return o;
}

/** Owners still live at `nowSec`, as a null-prototype object with keys in Go (bytewise) order. */
export function liveOwners(r: CrdtRecord, nowSec: number, ttl: number): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  const o = r.o;
  if (o === undefined) return out;
  for (const k of Object.keys(o).sort(compareGoStrings)) if (ttl === 0 || o[k]! + ttl >= nowSec) out[k] = o[k]!;
  return out;
}

/** The record as our schema's message payload (v = `schema`'s V), or null when not visible. */
export function visibleValue(kind: RecordKind, key: string, r: CrdtRecord, nowSec: number, exp: Expiry, schema: GossipSchema): VisibleValue | null {
  if (!isVisible(r)) return null;
  const ts = r.l![0];
  switch (kind) {
    case "endpoint":
      return withExtra<EndpointMapping>(
        {
          v: schema.v.EndpointMapping,
          gravity_vip: field(r, "gravity_vip", ""),
          hadron_vip: field(r, "hadron_vip", ""),
          container_id: key,
          machine_id: field(r, "machine_id", ""),
          project_id: field(r, "project_id", ""),
          dns_names: field<string[] | null>(r, "dns_names", null),
          timestamp: ts,
          sni_hostname: field(r, "sni_hostname", ""),
        },
        r,
      );
    case "nat":
      if (exp.natTtlSeconds > 0 && ts + exp.natTtlSeconds < nowSec) return null;
      return withExtra<NATEntry>(
        {
          v: schema.v.NATEntry,
          key,
          original_dst: field(r, "original_dst", ""),
          original_src: field(r, "original_src", ""),
          src_port: field(r, "src_port", 0),
          dst_port: field(r, "dst_port", 0),
          timestamp: ts,
        },
        r,
      );
    case "vip": {
      const ttl = exp.ownerTtlSeconds;
      const owners = liveOwners(r, nowSec, ttl);
      // A VIP stays visible while it has a live owner or its last heartbeat is within the owner TTL.
      if (ttl > 0 && Object.keys(owners).length === 0 && ts + ttl < nowSec) return null;
      return withExtra<VIPHeartbeat>(
        { v: schema.v.VIPHeartbeat, vip: key, owners, timestamp: ts, new_nats: null, new_endpoints: null },
        r,
      );
    }
    case "route":
      return withExtra<SubnetRoute>(
        {
          v: schema.v.SubnetRoute,
          subnet: key,
          machine_id: field(r, "machine_id", ""),
          ion_id: field(r, "ion_id", ""),
          timestamp: ts,
          action: "add",
        },
        r,
      );
  }
}

/** The tombstone of a deleted endpoint record (for re-gossip), or null. */
export function endpointTombstone(key: string, r: CrdtRecord, schema: GossipSchema): EndpointTombstone | null {
  if (r.t === null || isVisible(r)) return null;
  return { v: schema.v.EndpointTombstone, container_id: key, machine_id: r.t[2], timestamp: r.t[0] };
}
