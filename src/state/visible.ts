// What a record looks like from outside: the merged message payload in OUR schema (v = our V, keys in Go
// order, so it can be handed to encode() for re-gossip), or null when the record is deleted, removed or
// expired. Owner and NAT expiry depend on the wall clock (Unix seconds).
import type { EndpointMapping, EndpointTombstone, GossipSchema, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import { compareGoStrings } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { deletionV, field, isVisible, SLOT, type CrdtRecord } from "./merge.ts";

export type VisibleValue = EndpointMapping | NATEntry | VIPHeartbeat | SubnetRoute;

export interface Expiry {
  /** VIP owners expire this many seconds after their timestamp; 0 = never. */
  ownerTtlSeconds: number;
  /** NAT entries expire this many seconds after their timestamp; 0 = never. */
  natTtlSeconds: number;
}

/** Never expires: the value a visible record had when it was published (rowcodec.ts). */
export const NO_EXPIRY: Expiry = { ownerTtlSeconds: 0, natTtlSeconds: 0 };

function withExtra<T extends object>(o: T, r: CrdtRecord, slot: number): T {
  const x = field<string>(r, slot, "");
  if (x !== "") (o as { extra?: string }).extra = x;
  return o;
}

/** Owners still live at `nowSec`, as a null-prototype object with keys in Go (bytewise) order. */
export function liveOwners(r: CrdtRecord, nowSec: number, ttl: number): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  const o = r.o;
  if (o === null) return out;
  for (const k of Object.keys(o).sort(compareGoStrings)) if (ttl === 0 || o[k]! + ttl >= nowSec) out[k] = o[k]!;
  return out;
}

/** The NAT entry a record holds, whether or not it has expired (`r` must be visible). */
export function natEntry(key: string, r: CrdtRecord, schema: GossipSchema): NATEntry {
  const S = SLOT.nat;
  return withExtra<NATEntry>(
    {
      v: schema.v.NATEntry,
      key,
      original_dst: field(r, S.original_dst, ""),
      original_src: field(r, S.original_src, ""),
      src_port: field(r, S.src_port, 0),
      dst_port: field(r, S.dst_port, 0),
      timestamp: r.l![0],
    },
    r,
    S.extra,
  );
}

/** The record as our schema's message payload (v = `schema`'s V), or null when not visible. */
export function visibleValue(kind: RecordKind, key: string, r: CrdtRecord, nowSec: number, exp: Expiry, schema: GossipSchema): VisibleValue | null {
  if (!isVisible(r)) return null;
  const ts = r.l![0];
  switch (kind) {
    case "endpoint": {
      const S = SLOT.endpoint;
      return withExtra<EndpointMapping>(
        {
          v: schema.v.EndpointMapping,
          gravity_vip: field(r, S.gravity_vip, ""),
          hadron_vip: field(r, S.hadron_vip, ""),
          container_id: key,
          machine_id: field(r, S.machine_id, ""),
          project_id: field(r, S.project_id, ""),
          dns_names: field<string[] | null>(r, S.dns_names, null),
          timestamp: ts,
          sni_hostname: field(r, S.sni_hostname, ""),
        },
        r,
        S.extra,
      );
    }
    case "nat":
      if (exp.natTtlSeconds > 0 && ts + exp.natTtlSeconds < nowSec) return null;
      return natEntry(key, r, schema);
    case "vip": {
      const ttl = exp.ownerTtlSeconds;
      const owners = liveOwners(r, nowSec, ttl);
      // A VIP stays visible while it has a live owner or its last heartbeat is within the owner TTL.
      if (ttl > 0 && Object.keys(owners).length === 0 && ts + ttl < nowSec) return null;
      return withExtra<VIPHeartbeat>({ v: schema.v.VIPHeartbeat, vip: key, owners, timestamp: ts, new_nats: null, new_endpoints: null }, r, SLOT.vip.extra);
    }
    case "route": {
      const S = SLOT.route;
      return withExtra<SubnetRoute>(
        {
          v: schema.v.SubnetRoute,
          subnet: key,
          machine_id: field(r, S.machine_id, ""),
          ion_id: field(r, S.ion_id, ""),
          timestamp: ts,
          action: "add",
        },
        r,
        S.extra,
      );
    }
  }
}

/** The tombstone of a deleted endpoint record (for re-gossip), or null. */
export function endpointTombstone(key: string, r: CrdtRecord, schema: GossipSchema): EndpointTombstone | null {
  if (r.t === null || isVisible(r)) return null;
  return { v: deletionV(r.t, schema.v.EndpointTombstone), container_id: key, machine_id: r.t[2], timestamp: r.t[0] };
}

/**
 * Whether two visible values (or nulls) have the same JSON text, compared without serialising: values
 * are flat objects of strings, safe integers, null, string arrays and (VIP owners) one flat map, built
 * with a fixed key order per kind; properties holding undefined are left out, as JSON.stringify does.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && x[kx[i]!] === undefined) i++;
    while (j < ky.length && y[ky[j]!] === undefined) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    const k = kx[i]!;
    if (k !== ky[j] || !sameValue(x[k], y[k])) return false;
    i++;
    j++;
  }
}
