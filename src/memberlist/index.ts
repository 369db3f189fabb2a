// Public entry point of the memberlist-compatible member (what the agent, interop tests and other cores
// import). Runtimes create members with createMemberlist(platform, config, transport). The wire codec has
// its own entry point in ./codec/index.ts (re-exported in part here for runtimes: keys, error types).
export { createMemberlist } from "./factory.ts";
export { Memberlist, pushPullScale } from "./memberlist.ts";
export type { MemberlistDeps } from "./memberlist.ts";
export { defaultConfig, localVsn, validateConfig, SERF_DELEGATE_VERSIONS, META_MAX_SIZE, PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX } from "./config.ts";
export type {
  AliveDelegate,
  ConflictDelegate,
  Delegate,
  EventDelegate,
  MemberInfo,
  MemberState,
  MemberlistConfig,
  MergeDelegate,
  PingDelegate,
  ProfileName,
} from "./config.ts";
export { TransmitLimitedQueue, retransmitLimit } from "./broadcast.ts";
export type { Broadcast } from "./broadcast.ts";
export { MembershipError } from "./membership-errors.ts";
export type { MembershipErrorKind } from "./membership-errors.ts";
export { MemberlistError } from "./errors.ts";
export type { Stats } from "./core.ts";
export { MESSAGE_TYPE_NAMES } from "./messages.ts";
export { Keyring } from "./wire.ts";
export type { DecodeLimits } from "./codec/index.ts";
export { SimCluster, simAddress } from "./simulation.ts";
export type { ClusterOptions } from "./simulation.ts";
export { SERF_TAG_MAGIC, SerfMessageType, decodeSerfTags, encodeSerfLeaveIntent, encodeSerfTags, serfLTime } from "./serf.ts";
export { MEMBERLIST_METRIC_PREFIX, memberlistFamilies, registerMemberlistMetrics } from "./metrics.ts";
// The go-msgpack-exact writer and reader, for other protocols that must write msgpack as Go does (ckit).
export { MsgpackWriter, MsgpackReader, encodeWith, resolveLimits } from "./codec/index.ts";
export type { ResolvedLimits } from "./codec/index.ts";
