// Public types of the gossip state store API (store.ts): options, changes, snapshots, results.
import type { DecodedMessage, EndpointMapping, EndpointTombstone, GossipSchema, MessageType, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import type { Logger } from "../util/index.ts";
import type { LpmFactory } from "./routes.ts";
import type { StateStorage } from "../platform/index.ts";

export interface StateStoreOptions {
  /** LPM table factory: `createTsLpm`, or `() => createWasmLpm(module)` in the worker. */
  lpm: LpmFactory;
  /** Default: a fresh MemoryStorage. */
  storage?: StateStorage;
  /** Wall clock, Unix milliseconds (gossip timestamps are Unix seconds). Default Date.now. */
  now?: () => number;
  /** VIP owners expire this many seconds after their owner timestamp. Default 60; 0 = never. */
  ownerTtlSeconds?: number;
  /** NAT entries expire this many seconds after their timestamp. Default 0 = never. */
  natTtlSeconds?: number;
  /** Invisible records (tombstones, removed routes, expired entries) are dropped this long after their
   * last change; an older message for the key may then re-create it. Default 86400; 0 = never. */
  gcAfterSeconds?: number;
  /** apply/snapshot/deltas run sweep() when this much time passed since the last. Default 5000; 0 = only
   * explicit sweep() calls (e.g. from a Durable Object alarm). */
  sweepIntervalMs?: number;
  logger?: Logger;
  /** Our schema versions: createGossipSchema(platform) in a runtime. Default referenceSchema() (TS twin). */
  schema?: GossipSchema;
}

export type Change =
  | { cursor: number; kind: "endpoint"; key: string; value: EndpointMapping | null }
  | { cursor: number; kind: "nat"; key: string; value: NATEntry | null }
  | { cursor: number; kind: "vip"; key: string; value: VIPHeartbeat | null }
  | { cursor: number; kind: "route"; key: string; value: SubnetRoute | null };

export interface ApplyResult {
  /** Messages applied (a heartbeat's nested entries are part of its message). */
  applied: number;
  /** Visible changes, in cursor order. */
  changes: Change[];
  cursor: number;
}

export interface StateSnapshot {
  cursor: number;
  endpoints: EndpointMapping[];
  /** Deleted endpoints still remembered (for re-gossip). */
  tombstones: EndpointTombstone[];
  nats: NATEntry[];
  vips: VIPHeartbeat[];
  routes: SubnetRoute[];
}

export type DeltaResult = { cursor: number; reset: false; changes: Change[] } | { cursor: number; reset: true; changes: [] };

export interface SchemaMismatchCount {
  type: MessageType;
  name: string;
  remote_v: number;
  count: number;
}

export type StoreInput = Uint8Array | string | DecodedMessage;
