// The sharded edge store's portable parts (docs/protocols/store-api.md §2–§4): cursor tokens with one
// position per shard, the stable record -> shard hash and the per-shard split of a batch, the store's
// input checks run before a batch is split, merged answers (snapshots, deltas, envelopes, watch frames),
// and the route replica a stateless front answers /v1/route from.
export { CursorTokenError, MAX_TOKEN_SHARDS, covers, formatToken, parseToken, tokenText, type Positions } from "./token.ts";
export { recordOf, recordOfEnvelope, shardHasher, splitBatch, type ShardOf, type ShardPart } from "./partition.ts";
export { checkMessage, checkMessages } from "./check.ts";
export { mergeDeltas, mergeEnvelopes, mergeSnapshots, type Cursor, type MergedDeltas, type MergedSnapshot, type ShardEnvelopes } from "./merge.ts";
export { WatchMerge, frameHead, type FrameType } from "./watch-merge.ts";
export { RouteReplica, RouteReplicaError, type RouteAnswer, type RouteChange, type RouteReplicaOptions, type RouteSource, type RouteSync } from "./route-replica.ts";
