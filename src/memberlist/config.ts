// memberlist configuration: the three upstream profiles (DefaultLANConfig / DefaultWANConfig /
// DefaultLocalConfig), protocol and delegate version vectors (docs/protocols/memberlist.md §12, §11), and the
// delegate interfaces the application plugs in. Durations are milliseconds.
//
// Invariant: profile values are memberlist's, field for field; the non-upstream knobs are `lifeguard`
// (false = plain SWIM, used as the same-run baseline in the simulation benchmark) and the hardening
// bounds `maxPushPullNewMembers` and `maxIncarnationJump` (docs/security.md).
import type { Keyring } from "./wire.ts";
import type { DecodeLimits } from "./codec/limits.ts";
import type { CidrSet } from "../net/index.ts";
import type { WorkGate } from "../util/index.ts";

export type ProfileName = "lan" | "wan" | "local";

/** Member state as exposed to users (NodeStateType 0..3 on the wire). */
export type MemberState = "alive" | "suspect" | "dead" | "left";

/** A member as seen by the local node. `vsn` = [PMin, PMax, PCur, DMin, DMax, DCur]. */
export interface MemberInfo {
  name: string;
  /** Host part of the advertised address (dotted IPv4 or IPv6 text). */
  addr: string;
  port: number;
  state: MemberState;
  incarnation: number;
  meta: Uint8Array;
  vsn: [number, number, number, number, number, number];
}

/** Application data hooks (memberlist's Delegate). All optional. */
export interface Delegate {
  /** Meta for the local alive message; at most `limit` (512) bytes. */
  nodeMeta?(limit: number): Uint8Array;
  /** A user message arrived (UDP gossip or reliable stream). */
  notifyMsg?(buf: Uint8Array): void;
  /** Extra user broadcasts to piggy-back; `overhead` bytes are added per message, total at most `limit`. */
  getBroadcasts?(overhead: number, limit: number): Uint8Array[];
  /** User state sent in push/pull. */
  localState?(join: boolean): Uint8Array;
  /** User state received in push/pull (only called when non-empty). */
  mergeRemoteState?(buf: Uint8Array, join: boolean): void;
}

/** Membership change notifications (memberlist's EventDelegate). */
export interface EventDelegate {
  notifyJoin?(m: MemberInfo): void;
  notifyLeave?(m: MemberInfo): void;
  notifyUpdate?(m: MemberInfo): void;
}

/** Told when a known name shows up at a different address (memberlist's ConflictDelegate). */
export interface ConflictDelegate {
  notifyConflict(existing: MemberInfo, other: MemberInfo): void;
}

/** May veto a join's push/pull merge: return an error message to reject (memberlist's MergeDelegate). */
export interface MergeDelegate {
  notifyMerge(peers: MemberInfo[]): string | null;
}

/** May veto an alive message: return an error message to reject (memberlist's AliveDelegate). */
export interface AliveDelegate {
  notifyAlive(peer: MemberInfo): string | null;
}

/** Ack payloads and RTT observations (memberlist's PingDelegate; Serf uses it for coordinates). */
export interface PingDelegate {
  ackPayload?(): Uint8Array | null;
  notifyPingComplete?(node: MemberInfo, rttMs: number, payload: Uint8Array | null): void;
}

export interface MemberlistConfig {
  /** Unique node name. */
  name: string;
  /** Spoken memberlist protocol version (1..5); 2 is upstream's default. */
  protocolVersion: number;
  delegateProtocolMin: number;
  delegateProtocolMax: number;
  delegateProtocolVersion: number;

  tcpTimeout: number;
  indirectChecks: number;
  retransmitMult: number;
  suspicionMult: number;
  suspicionMaxTimeoutMult: number;
  pushPullInterval: number;
  probeTimeout: number;
  probeInterval: number;
  disableTcpPings: boolean;
  awarenessMaxMultiplier: number;
  gossipNodes: number;
  gossipInterval: number;
  gossipToTheDeadTime: number;
  gossipVerifyIncoming: boolean;
  gossipVerifyOutgoing: boolean;
  enableCompression: boolean;
  handoffQueueDepth: number;
  udpBufferSize: number;
  /** 0 = a dead node's name can never be reclaimed by another address. */
  deadNodeReclaimTime: number;
  /** Label header (memberlist ≥ 0.3.0). "" = none; a labeled node cannot talk to 0.2.2 peers. */
  label: string;
  skipInboundLabelCheck: boolean;
  /** Encryption keys (primary first). Undefined or empty = no encryption. */
  keyring?: Keyring;
  /** Reap Left nodes like Dead ones (latest behaviour); false = 0.2.2 behaviour (never reaped). */
  reapLeftNodes: boolean;
  /** Lifeguard (local health awareness, nacks, dynamic suspicion, buddy pings). false = plain SWIM. */
  lifeguard: boolean;
  /** Limits on untrusted input (default DEFAULT_LIMITS in codec/limits.ts); the agent raises the stream
   * and user-state caps to carry its Gravity state in push/pull. */
  limits?: DecodeLimits;
  /**
   * memberlist's CIDRsAllowed: undefined allows every address. Otherwise an alive message from a source
   * outside is dropped, and no member is added (or moved) to an address outside, whatever carried it
   * (gossip or push/pull) — so nobody can make this node probe addresses off the allowed networks.
   */
  cidrsAllowed?: CidrSet;
  /**
   * New members one push/pull that a PEER opened may add (default 1024; hardening, not upstream). The
   * rest of its unknown members are ignored and counted (stats.pushPullNewCapped); they still arrive by
   * gossip and later push/pulls. Replies to our own push/pulls are bounded only by the decode limits.
   */
  maxPushPullNewMembers: number;
  /**
   * Largest incarnation step accepted about a member we know (default 65536; hardening, not upstream):
   * a suspect/dead/left/alive claiming an incarnation further ahead is ignored and counted. Real steps
   * are +1 per refutation; without this bound one forged state at incarnation 2^32-1 can never be
   * refuted (the refutation would wrap to 0), which is a lasting false "dead".
   */
  maxIncarnationJump: number;
  /** Decompression work budget per event-loop turn (default: one shared by the process, 256 KiB/turn). */
  inflateGate?: WorkGate;

  delegate?: Delegate;
  events?: EventDelegate;
  conflict?: ConflictDelegate;
  merge?: MergeDelegate;
  alive?: AliveDelegate;
  ping?: PingDelegate;
}

/** Protocol range we implement (memberlist ProtocolVersionMin/Max). */
export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 5;
/** memberlist MetaMaxSize. */
export const META_MAX_SIZE = 512;

const LAN: Omit<MemberlistConfig, "name"> = {
  protocolVersion: 2,
  delegateProtocolMin: 0,
  delegateProtocolMax: 0,
  delegateProtocolVersion: 0,
  tcpTimeout: 10_000,
  indirectChecks: 3,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  pushPullInterval: 30_000,
  probeTimeout: 500,
  probeInterval: 1_000,
  disableTcpPings: false,
  awarenessMaxMultiplier: 8,
  gossipNodes: 3,
  gossipInterval: 200,
  gossipToTheDeadTime: 30_000,
  gossipVerifyIncoming: true,
  gossipVerifyOutgoing: true,
  enableCompression: true,
  handoffQueueDepth: 1024,
  udpBufferSize: 1400,
  deadNodeReclaimTime: 0,
  label: "",
  skipInboundLabelCheck: false,
  reapLeftNodes: true,
  lifeguard: true,
  maxPushPullNewMembers: 1024,
  maxIncarnationJump: 65_536,
};

const PROFILES: Record<ProfileName, Omit<MemberlistConfig, "name">> = {
  lan: LAN,
  wan: {
    ...LAN,
    tcpTimeout: 30_000,
    suspicionMult: 6,
    pushPullInterval: 60_000,
    probeTimeout: 3_000,
    probeInterval: 5_000,
    gossipNodes: 4,
    gossipInterval: 500,
    gossipToTheDeadTime: 60_000,
  },
  local: {
    ...LAN,
    tcpTimeout: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullInterval: 15_000,
    probeTimeout: 200,
    probeInterval: 1_000,
    gossipInterval: 100,
    gossipToTheDeadTime: 15_000,
  },
};

/** A complete config: the profile's upstream defaults overlaid with `overrides` (name is required). */
export function defaultConfig(
  profile: ProfileName,
  overrides: Partial<MemberlistConfig> & { name: string },
): MemberlistConfig {
  return { ...PROFILES[profile], ...overrides };
}

/** Delegate versions a Serf 0.9.x cluster accepts (its range is 2..5, agent speaks 5). */
export const SERF_DELEGATE_VERSIONS = { delegateProtocolMin: 2, delegateProtocolMax: 5, delegateProtocolVersion: 5 } as const;

/** Local Vsn bytes: [1, 5, protocolVersion, dmin, dmax, dcur]. */
export function localVsn(c: MemberlistConfig): Uint8Array {
  return Uint8Array.of(
    PROTOCOL_VERSION_MIN,
    PROTOCOL_VERSION_MAX,
    c.protocolVersion,
    c.delegateProtocolMin,
    c.delegateProtocolMax,
    c.delegateProtocolVersion,
  );
}

/** Reject configs memberlist would reject (bad protocol version, label too long). */
export function validateConfig(c: MemberlistConfig): string | null {
  if (!c.name) return "node name is required";
  if (c.protocolVersion < PROTOCOL_VERSION_MIN || c.protocolVersion > PROTOCOL_VERSION_MAX) {
    return `protocol version ${c.protocolVersion} outside [${PROTOCOL_VERSION_MIN}, ${PROTOCOL_VERSION_MAX}]`;
  }
  if (new TextEncoder().encode(c.label).length > 255) return "label longer than 255 bytes";
  for (const v of [c.delegateProtocolMin, c.delegateProtocolMax, c.delegateProtocolVersion]) {
    if (!Number.isInteger(v) || v < 0 || v > 255) return "delegate versions must be bytes";
  }
  return null;
}
