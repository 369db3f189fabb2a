// Public entry point of the memberlist-compatible member (what the agent, interop tests and other cores
// import). The wire codec has its own entry point in ./codec/index.ts.
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
export type { Stats } from "./core.ts";
export { Keyring } from "./wire.ts";
export { SimCluster, simAddress } from "./simulation.ts";
