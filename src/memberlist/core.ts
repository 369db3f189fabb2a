// The state every part of the SWIM core shares: the node table (array for round-robin probing and random
// picks, map for lookup by name), suspicion timers, ack handlers, the two broadcast queues, and the
// injected clock/random/logger/transport. Behaviour lives in state.ts (transitions), probe.ts,
// gossip.ts (sending + piggy-backing), packet.ts (ingest) and stream.ts (TCP exchanges).
//
// Invariants: nodes[] and nodeMap hold the same NodeState objects; the local node is in both; a node's
// NodeState object is never replaced, only mutated (so copies taken at probe start stay comparable).
import type { Clock, Random, TimerHandle } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import type { StreamConn, Transport } from "../transport/index.ts";
import type { MemberInfo, MemberlistConfig, MemberState } from "./config.ts";
import type { NodeStateTypeValue } from "./messages.ts";
import type { PacketOptions } from "./wire.ts";
import type { Suspicion } from "./suspicion.ts";
import { localVsn } from "./config.ts";
import { Awareness } from "./awareness.ts";
import { TransmitLimitedQueue } from "./broadcast.ts";
import { formatHostPort, formatWireIp, tryParseIp } from "../net/index.ts";
import { encryptOverhead, labelOverhead } from "./wire.ts";
import { GossamerError, WorkGate } from "../util/index.ts";

/**
 * Stream decompression budget per event-loop turn, shared by every member of the process (or isolate):
 * 256 KiB of output is ~2-4 ms of LZW on one core, so however many streams inflate at once, the loop
 * gets back to timers and sockets every few ms.
 */
export const INFLATE_BYTES_PER_TURN = 256 * 1024;
const sharedInflateGate = new WorkGate(INFLATE_BYTES_PER_TURN);

/** What a member is, as last advertised: shared (immutable) until the member changes it. */
export interface NodeIdentity {
  readonly name: string;
  readonly addr: Uint8Array;
  /** IP text of addr. */
  readonly host: string;
  readonly port: number;
  /** "host:port" transport address. */
  readonly address: string;
  readonly meta: Uint8Array;
  /** 6 bytes [PMin, PMax, PCur, DMin, DMax, DCur]; zeros when unknown. */
  readonly vsn: Uint8Array;
}

export function makeIdentity(name: string, addr: Uint8Array, port: number, meta: Uint8Array, vsn: Uint8Array): NodeIdentity {
  const host = formatWireIp(addr) ?? "";
  return { name, addr, host, port, address: formatHostPort(host, port), meta, vsn };
}

/**
 * One member as seen by the local node: the advertised identity (replaced, never mutated, when the member
 * re-advertises) plus this viewer's own incarnation/state/change time. Four fields per entry keeps large
 * simulated clusters (n² entries) affordable.
 */
export class NodeState {
  id: NodeIdentity;
  incarnation: number;
  state: NodeStateTypeValue;
  /** Clock ms of the last state change. */
  stateChange: number;

  constructor(id: NodeIdentity, incarnation: number, state: NodeStateTypeValue, stateChange: number) {
    this.id = id;
    this.incarnation = incarnation;
    this.state = state;
    this.stateChange = stateChange;
  }

  get name(): string {
    return this.id.name;
  }
  get addr(): Uint8Array {
    return this.id.addr;
  }
  get host(): string {
    return this.id.host;
  }
  get port(): number {
    return this.id.port;
  }
  get address(): string {
    return this.id.address;
  }
  get meta(): Uint8Array {
    return this.id.meta;
  }
  get vsn(): Uint8Array {
    return this.id.vsn;
  }
}

export interface AckHandler {
  ack(payload: Uint8Array | null, at: number): void;
  nack(): void;
  timer: TimerHandle;
}

/** Traffic counters (the simulation benchmark reads them). */
export interface Stats {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  packetErrors: number;
  streamsOpened: number;
  streamErrors: number;
  /** Suspicions this node started about others (after its own failed probe or gossip). */
  suspicionsStarted: number;
  /** Nodes this node itself declared dead when a suspicion timed out. */
  deathsDeclared: number;
  /** Times this node refuted an accusation about itself. */
  refutations: number;
  /**
   * Messages sent, indexed by message type byte (MessageType; 0..15), counted per message (a compound
   * counts each part; a broadcast counts each time it is piggy-backed), UDP and stream alike.
   */
  msgsSent: number[];
  /** Encoded bytes of those messages (before compression, CRC, encryption and label), by type byte. */
  msgBytesSent: number[];
  /** Messages received and decoded, by type byte (UDP messages and stream requests/replies). */
  msgsReceived: number[];
  /** Push/pulls we dialled (join and periodic) that merged, and those that failed. */
  pushPullOut: number;
  pushPullOutFailed: number;
  /** Push/pulls peers dialled to us that we answered and merged, and those that failed after the read. */
  pushPullIn: number;
  pushPullInFailed: number;
  /** Push/pull node states skipped because their State is not 0..3 (Go skips them the same way). */
  unknownNodeStates: number;
  /** Members not added (or not moved) because their address is outside cidrsAllowed, and alive packets dropped for their source. */
  cidrRejected: number;
  /** Messages and push/pull states ignored for claiming an incarnation past maxIncarnationJump. */
  incarnationJumps: number;
  /** Unknown members a peer's push/pull carried past maxPushPullNewMembers (ignored). */
  pushPullNewCapped: number;
  /** Malformed input dropped, by error code (MemberlistErrorCode, or "internal" for other exceptions). */
  packetDrops: Record<string, number>;
  /** Stream requests that could not be read, by error code. */
  streamDrops: Record<string, number>;
}

/** Size of the per-type counter arrays (message type bytes 0..13 exist; 244 is a layer, never counted). */
export const MSG_TYPE_SLOTS = 16;

/** Count one outgoing message (its first byte is the type). Plain array increments: packet path safe. */
export function countSent(stats: Stats, msg: Uint8Array): void {
  const t = msg[0]!;
  if (t < MSG_TYPE_SLOTS) {
    stats.msgsSent[t]!++;
    stats.msgBytesSent[t]! += msg.length;
  }
}

/** Count one dropped input by its error's stable code (a GossamerError code, else "internal"). */
export function countDrop(table: Record<string, number>, err: unknown): void {
  const code = errorCode(err);
  table[code] = (table[code] ?? 0) + 1;
}

/** Only our typed errors' codes become keys (a bounded set, safe as metric labels). */
function errorCode(err: unknown): string {
  return err instanceof GossamerError ? err.code : "internal";
}

interface SimHooks {
  markAsync?(): void;
  beginWork?(): void;
  endWork?(): void;
}

const STATE_NAMES: readonly MemberState[] = ["alive", "suspect", "dead", "left"];

export class Core {
  readonly config: MemberlistConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly name: string;
  readonly advHost: string;
  readonly advPort: number;
  readonly advAddr: Uint8Array;
  readonly vsn: Uint8Array;

  nodes: NodeState[] = [];
  readonly nodeMap = new Map<string, NodeState>();
  readonly nodeTimers = new Map<string, Suspicion>();
  readonly ackHandlers = new Map<number, AckHandler>();
  /** memberlist's own alive/suspect/dead broadcasts, keyed by node name. */
  readonly broadcasts: TransmitLimitedQueue;
  /** User broadcasts (sent as type 8 user messages). */
  readonly userBroadcasts: TransmitLimitedQueue;
  readonly awareness: Awareness;
  readonly packetOpts: PacketOptions;
  /** packetOpts plus the hasCrc layer (for targets speaking protocol ≥ 5); built once, not per packet. */
  readonly packetOptsCrc: PacketOptions;
  /** Bytes of a UDP packet left for messages after the label and encryption overheads (fixed by config). */
  readonly packetBudget: number;
  /** Decompression work per event-loop turn for stream reads (config.inflateGate or the shared one). */
  readonly inflateGate: WorkGate;
  readonly stats: Stats = {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    packetErrors: 0,
    streamsOpened: 0,
    streamErrors: 0,
    suspicionsStarted: 0,
    deathsDeclared: 0,
    refutations: 0,
    msgsSent: new Array<number>(MSG_TYPE_SLOTS).fill(0),
    msgBytesSent: new Array<number>(MSG_TYPE_SLOTS).fill(0),
    msgsReceived: new Array<number>(MSG_TYPE_SLOTS).fill(0),
    pushPullOut: 0,
    pushPullOutFailed: 0,
    pushPullIn: 0,
    pushPullInFailed: 0,
    unknownNodeStates: 0,
    cidrRejected: 0,
    incarnationJumps: 0,
    pushPullNewCapped: 0,
    packetDrops: Object.create(null) as Record<string, number>,
    streamDrops: Object.create(null) as Record<string, number>,
  };

  seqNo = 0;
  incarnation = 0;
  /** Meta set through updateMeta(); null = ask the delegate's nodeMeta(). */
  metaOverride: Uint8Array | null = null;
  probeIndex = 0;
  leaving = false;
  closed = false;
  pushPullActive = 0;
  /** Resolved when our own leave broadcast has been fully transmitted. */
  leaveDone: (() => void) | null = null;
  readonly timers = new Set<TimerHandle>();

  constructor(config: MemberlistConfig, clock: Clock, random: Random, logger: Logger, transport: Transport, crc32?: (data: Uint8Array) => number) {
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.logger = logger;
    this.transport = transport;
    this.name = config.name;
    const adv = transport.advertise();
    this.advHost = adv.host;
    this.advPort = adv.port;
    // Not an IP literal: Memberlist.create rejects the empty address.
    this.advAddr = tryParseIp(adv.host) ?? new Uint8Array(0);
    this.vsn = localVsn(config);
    this.awareness = new Awareness(config.awarenessMaxMultiplier, config.lifeguard);
    this.broadcasts = new TransmitLimitedQueue(() => this.nodes.length, config.retransmitMult);
    this.userBroadcasts = new TransmitLimitedQueue(() => this.nodes.length, config.retransmitMult);
    const keyring = config.keyring && config.keyring.keys().length > 0 ? config.keyring : undefined;
    this.packetOpts = {
      label: config.label,
      encryptionVersion: config.protocolVersion < 2 ? 0 : 1,
      compress: config.enableCompression,
      verifyIncoming: config.gossipVerifyIncoming,
      verifyOutgoing: config.gossipVerifyOutgoing,
      skipInboundLabelCheck: config.skipInboundLabelCheck,
      ...(keyring ? { keyring } : {}),
      ...(config.limits ? { limits: config.limits } : {}),
      ...(crc32 ? { crc32 } : {}),
    };
    this.packetOptsCrc = { ...this.packetOpts, crc: true };
    this.inflateGate = config.inflateGate ?? sharedInflateGate;
    this.packetBudget =
      config.udpBufferSize - labelOverhead(config.label) - (this.encrypted ? encryptOverhead(this.packetOpts.encryptionVersion ?? 1) : 0);
  }

  get encrypted(): boolean {
    return this.packetOpts.keyring !== undefined && this.config.gossipVerifyOutgoing;
  }

  nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }

  /** Tell a simulated clock that a promise chain must settle before time moves (no-op on real clocks). */
  noteAsync(): void {
    (this.clock as SimHooks).markAsync?.();
  }

  /** Keep a simulated clock still while `p` (host-async work such as WebCrypto) is pending. */
  hold<T>(p: Promise<T>): Promise<T> {
    const c = this.clock as SimHooks;
    if (!c.beginWork) return p;
    c.beginWork();
    return p.finally(() => {
      c.endWork!();
      c.markAsync!();
    });
  }

  /**
   * Run a stream exchange with the simulated clock held, except while it waits on the (simulated)
   * network: dialing and reading release the hold. No-op on real clocks.
   */
  async exchange<T>(fn: (dial: (to: string, timeoutMs: number) => Promise<StreamConn>, wrap: (c: StreamConn) => StreamConn) => Promise<T>): Promise<T> {
    const c = this.clock as SimHooks;
    if (!c.beginWork) return fn((to, t) => this.transport.dialStream(to, t), (x) => x);
    const release = async <R>(p: Promise<R>): Promise<R> => {
      c.endWork!();
      try {
        return await p;
      } finally {
        c.beginWork!();
      }
    };
    const wrap = (conn: StreamConn): StreamConn => ({
      remote: conn.remote,
      read: () => release(conn.read()),
      write: (d) => conn.write(d),
      setDeadline: (at) => conn.setDeadline(at),
      close: () => conn.close(),
      ...(conn.charge ? { charge: (n: number) => conn.charge!(n) } : {}),
    });
    c.beginWork();
    try {
      return await fn((to, t) => release(this.transport.dialStream(to, t)), wrap);
    } finally {
      c.endWork!();
      c.markAsync!();
    }
  }

  /** Uniform integer in [0, n). */
  randInt(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.random.next() * n);
  }

  /** A one-shot timer that shutdown() cancels. */
  after(ms: number, fn: () => void): TimerHandle {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(h);
    return h;
  }

  cancel(h: TimerHandle): void {
    this.timers.delete(h);
    this.clock.clearTimeout(h);
  }

  /**
   * Up to k distinct random nodes not excluded, trying at most 3n random picks (memberlist kRandomNodes:
   * exhaustive enough for small clusters, cheap for large ones).
   */
  kRandomNodes(k: number, exclude: (n: NodeState) => boolean): NodeState[] {
    const n = this.nodes.length;
    const out: NodeState[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const s = this.nodes[this.randInt(n)]!;
      if (exclude(s) || out.includes(s)) continue;
      out.push(s);
    }
    return out;
  }

  memberInfo(s: NodeState): MemberInfo {
    const v = s.vsn;
    return {
      name: s.name,
      addr: s.host,
      port: s.port,
      state: STATE_NAMES[s.state] ?? "dead",
      incarnation: s.incarnation,
      meta: s.meta,
      vsn: [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0, v[4] ?? 0, v[5] ?? 0],
    };
  }
}

