// The RPC surfaces of the worker's Durable Objects, as the objects and their callers see them. env.ts
// types the namespaces with these interfaces (not with the classes), so the bindings module imports no
// Durable Object and the objects can import the bindings without a cycle. Each class `implements` its
// interface, so the compiler keeps the two in step.
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

/** The gossip state store (worker/store-object.ts); its fetch() serves the store API. */
export interface GossipStoreRpc extends Rpc.DurableObjectBranded {
  metricsSnapshot(): MetricFamily[];
}
