// Public entry point of the ckit port (grafana/ckit bbed30d; docs/protocols/ckit-*.md): peer states,
// the Lamport clock, gossip messages and push/pull state, shard placement, the node layer, the
// gossiphttp frame reader and the cluster_* metrics. Portable: Web-standard APIs only. Factories take
// the Platform (hot path, clock, logger, metrics); the Node HTTP/2 transport is in src/node/ckit-*.ts.
import type { Platform } from "../platform/index.ts";
import { HashSharder, type Sharder } from "./shard/sharder.ts";
import { RingHash } from "./shard/ring.ts";
import { RendezvousHash } from "./shard/rendezvous.ts";
import { MultiprobeHash } from "./shard/multiprobe.ts";
import { KeyBuilder, bytesKey as bytesKeyOn, stringKey as stringKeyOn } from "./shard/key.ts";
import { CkitErrorCode, ShardError } from "./errors.ts";
import type { Peer } from "./peer.ts";

export * from "./errors.ts";
export * from "./peer.ts";
export { LamportClock } from "./lamport.ts";
export {
  MESSAGE_MAGIC,
  MessageType,
  decodeLocalState,
  decodeMessage,
  decodeStateBody,
  encodeLocalState,
  encodeStateMessage,
  parseMessage,
  stateString,
} from "./messages.ts";
export type { CkitMessage, LocalState, StateMessage } from "./messages.ts";
export { Op, opName, HashSharder } from "./shard/sharder.ts";
export type { OpValue, Sharder } from "./shard/sharder.ts";
export { KeyBuilder } from "./shard/key.ts";

/** Ring(numTokens): token ring with numTokens tokens per node (ckit suggests 256–512). */
export function ring(platform: Platform, numTokens: number): Sharder {
  if (!Number.isInteger(numTokens) || numTokens < 1 || numTokens > 1 << 16) {
    throw new ShardError(CkitErrorCode.badArgument, `numTokens must be an integer in [1, 65536], got ${numTokens}`);
  }
  const hot = platform.hotpath.for("xxh64");
  return new HashSharder(new RingHash<Peer>(numTokens, hot), new RingHash<Peer>(numTokens, hot));
}

/** Rendezvous(): lowest xorshift-mixed score wins. */
export function rendezvous(platform: Platform): Sharder {
  const hot = platform.hotpath.for("xxh64");
  return new HashSharder(new RendezvousHash<Peer>(hot), new RendezvousHash<Peer>(hot));
}

/** Multiprobe(): one token per node, 21 probes. */
export function multiprobe(platform: Platform): Sharder {
  const hot = platform.hotpath.for("xxh64");
  return new HashSharder(new MultiprobeHash<Peer>(hot), new MultiprobeHash<Peer>(hot));
}

/** ckit shard.StringKey: XXH64 of the UTF-8 bytes. */
export function stringKey(platform: Platform, s: string): bigint {
  return stringKeyOn(platform.hotpath.for("xxh64"), s);
}

/** XXH64 of raw bytes (a key for bytes that are not text). */
export function bytesKey(platform: Platform, b: Uint8Array): bigint {
  return bytesKeyOn(platform.hotpath.for("xxh64"), b);
}

/** ckit shard.NewKeyBuilder. */
export function keyBuilder(platform: Platform): KeyBuilder {
  return new KeyBuilder(platform.hotpath.for("xxh64"));
}
export { CkitNode, ckitMemberlistConfig } from "./node.ts";
export type { CkitNodeOptions } from "./node.ts";
export { CkitNodeState, memberAddress } from "./node-state.ts";
export type { NodeStateOptions } from "./node-state.ts";
export { participantObserver } from "./observers.ts";
export type { Observer } from "./observers.ts";
export { nodeMetrics, transportMetrics, GOSSIP_EVENTS } from "./metrics.ts";
export type { NodeMetrics, TransportMetrics, GossipEvent } from "./metrics.ts";
export { FrameReader, encodeFrame, encodeFrames, writeFrameHeader, frameHeaderSize, DEFAULT_MAX_FRAME, MAX_FRAME_PAYLOAD } from "./frames.ts";
export type { FrameReaderOptions } from "./frames.ts";
export { BASE_ROUTE, MESSAGE_PATH, STREAM_PATH, CKIT_CONTENT_TYPE, CKIT_SHORT_MAGIC, CKIT_LONG_MAGIC, FROM_HEADER } from "./frame-constants.ts";
