// The RPC surfaces of the worker's Durable Objects, as the objects and their callers see them. env.ts
// types the namespaces with these interfaces (not with the classes), so the bindings module imports no
// Durable Object and the objects can import the bindings without a cycle. Each class `implements` its
// interface, so the compiler keeps the two in step.
import type { ErrorBody } from "../src/api/index.ts";
import type { RouteSync, ShardEnvelopes } from "../src/edge/index.ts";
import type { DecodedMessage } from "../src/gossip/index.ts";
import type { MetricFamily } from "../src/util/index.ts";

/** Where a peer is connected: its shard, or null when nowhere. */
export interface Location {
  peer: string;
  shard: string | null;
}

/**
 * A relay shard (worker/relay-shard.ts); its fetch() accepts relay WebSockets, and the link WebSockets
 * other shards forward packets on (worker/forward-batch.ts).
 */
export interface RelayShardRpc extends Rpc.DurableObjectBranded {
  /** Presence events from the directory for peers local sockets subscribed to. */
  peerStateChanged(online: string[], offline: string[]): void;
  /** The peer authenticated on another shard: close its connection here (no offline event). */
  evictPeer(peer: string): boolean;
  metricsSnapshot(): MetricFamily[];
}

/** The peer directory (worker/peer-directory.ts). */
export interface PeerDirectoryRpc extends Rpc.DurableObjectBranded {
  register(peer: string, shard: string, at: number): { previous: string | null; superseded: boolean };
  unregister(peer: string, shard: string): boolean;
  locate(peer: string): string | null;
  subscribe(shard: string, peers: string[]): Location[];
  unsubscribe(shard: string, peers: string[]): void;
  forgetShard(shard: string): number;
  /** Connected peers for the status page (oldest first, at most `limit`) and the count per shard. */
  listPeers(limit: number): PeerListing;
  metricsSnapshot(): MetricFamily[];
}

export interface PeerListing {
  peers: { peer: string; shard: string; since: number }[];
  byShard: Record<string, number>;
}

/**
 * The layout a caller runs (docs/protocols/store-api.md §2, §5): the object is shard `index` of `shards`;
 * `previous` are earlier shard counts whose records it copies in on first use (a reshard).
 */
export interface ShardRef {
  shards: number;
  index: number;
  previous: number[];
}

/** One shard's part of a batch: applied (its cursor after), or refused whole (the error, batch index mapped). */
export type ApplyOutcome = { applied: number; changes: number; cursor: number } | { error: ErrorBody; status: 400 | 413 };

/** What GET /v1/state asks of a shard: since = the shard's position (-1: unknown, answer a reset). */
export interface StateRead {
  format: "changes" | "envelopes";
  since: number | null;
}

/** format=changes: the snapshot (StateSnapshot) or deltas (DeltaResult) as JSON text; envelopes: as they are. */
export type StateAnswer = { json: string } | ShardEnvelopes;

/** A page of a shard's records for shard `index` of a layout of `shards` (a reshard's copy). */
export interface ExportPage {
  envelopes: string[];
  /** Where the next page starts (record id), or null after the last. */
  next: string | null;
}

/**
 * The gossip state store shard (worker/store-object.ts); its fetch() serves the store API (the front
 * relays watch streams through it). The front (store-front.ts) calls the rest.
 */
export interface GossipStoreRpc extends Rpc.DurableObjectBranded {
  /** Applies one shard's part of a batch (messages decoded and checked by the front). */
  applyPart(ref: ShardRef, messages: DecodedMessage[]): Promise<ApplyOutcome>;
  readState(ref: ShardRef, q: StateRead): Promise<StateAnswer>;
  /** Route-table changes after `since`, or the whole route table (null, or unknown here). */
  routeSync(ref: ShardRef, since: number | null): Promise<RouteSync>;
  /** A reshard's copy: this shard's records that belong to `target`, in record-id order after `after`. */
  exportTo(target: { shards: number; index: number }, after: string | null, maxBytes: number): ExportPage;
  /** Envelopes a superseded shard forwards (a JSON array): merged as any batch. */
  applyForwarded(batch: string): number;
  metricsSnapshot(): MetricFamily[];
}
