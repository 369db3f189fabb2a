// RelayCore's options and its per-connection record. A record lives from open/restore until the
// connection closes; it is at once the peer-table entry (raw-ID index), the subscription listener and
// the holder of the connection's timers.
import { EMPTY } from "../util/index.ts";
import type { Clock, TimerHandle } from "../util/index.ts";
import type { RelayFrames } from "../hotpath/index.ts";
import type { Logger } from "../util/index.ts";
import type { RelayAuthenticator } from "./auth.ts";
import type { RelayConn, RelayForwarder, RelayHooks } from "./conn.ts";
import { newListener } from "./notifier.ts";
import type { NotifierListener } from "./notifier.ts";
import type { PeerIdString } from "./peer-id.ts";
import type { RelayStats } from "./stats.ts";

export interface RelayCoreOptions {
  /** Sent in the auth response: rel://host:port or rels://host:port. */
  instanceUrl: string;
  auth: RelayAuthenticator;
  clock?: Clock;
  /** Wall clock (ms since epoch) for RelayConnState.authAt. */
  wallNow?: () => number;
  logger?: Logger;
  forwarder?: RelayForwarder | null;
  hooks?: RelayHooks;
  /**
   * Per-connection health-check timers (ping every intervalMs; close when no echo for timeoutMs).
   * `false`: no timers; the runtime calls healthTick() itself (e.g. from a Durable Object alarm).
   */
  healthCheck?: { intervalMs: number; timeoutMs: number } | false;
  /** Auth deadline in ms, or false for none (runtime enforces it). Default 10 s. */
  authTimeoutMs?: number | false;
  /** Drop transport packets to a connection whose bufferedAmount exceeds this. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Subscriptions one connection may hold (default 8192); more are refused and counted. */
  maxSubscriptionsPerPeer?: number;
  /** Subscriptions the core may hold in total (default 500 000); more are refused and counted. */
  maxSubscriptionsTotal?: number;
  stats?: RelayStats;
  /**
   * Header check and in-place peer-ID swap, one message or a burst: the platform's "relay-frames" hot
   * path (`platform.hotpath.for("relay-frames")`). Default: the TS twin.
   */
  frames?: RelayFrames;
}

/** Connection phases. */
export const PENDING = 0; // waiting for the first message (auth)
export const AUTHENTICATING = 1; // token validation in flight; later messages are queued
export const OPEN = 2; // authenticated
export const CLOSED = 3;

export interface Rec extends NotifierListener {
  readonly conn: RelayConn;
  phase: number;
  /** Printable peer ID ("" until authenticated). */
  key: PeerIdString;
  /** Raw 36-byte peer ID (empty until authenticated). */
  id: Uint8Array;
  nextInBucket: Rec | undefined;
  idWords: Int32Array | undefined;
  authTimer: TimerHandle | undefined;
  hcTimer: TimerHandle | undefined;
  lastEchoAt: number;
  /** Transport messages sent or received; activity() samples it (no clock reads on the hot path). */
  tx: number;
  txSeen: number;
  lastActiveAt: number;
  /** Messages received while auth was being validated. */
  queued: Uint8Array[] | undefined;
}

export function newRec(conn: RelayConn, now: number, phase: number): Rec {
  return {
    ...newListener(),
    conn,
    phase,
    key: "",
    id: EMPTY,
    nextInBucket: undefined,
    idWords: undefined,
    authTimer: undefined,
    hcTimer: undefined,
    lastEchoAt: now,
    tx: 0,
    txSeen: 0,
    lastActiveAt: -Infinity,
    queued: undefined,
  };
}
