// Relay counters, kept as plain numbers the core bumps on its hot path (no per-packet calls into a
// metrics library). Their one declaration as metrics (upstream names) is metrics.ts, read at scrape time
// by both runtimes through the platform's registry.
import type { RelayDropReason } from "./errors.ts";

/** Why the relay closed (or saw close) a connection. Append only. */
export type RelayCloseReason =
  | "client_close" // the client sent MSG_CLOSE
  | "transport_closed" // the socket closed under us
  | "auth_failed" // token rejected (expired, signature, malformed, algo)
  | "auth_timeout" // no auth message within 10 s
  | "not_auth" // first message was not a (well-formed) auth message
  | "protocol_error" // malformed message, bad version
  | "oversize" // over the size limit
  | "unknown_type" // unknown or unsupported message type
  | "text_frame" // a WebSocket text frame
  | "health_timeout" // no health-check echo
  | "replaced" // a newer connection of the same peer
  | "shutdown"; // server shutdown

/** Upstream buckets of relay_peer_authentication_time_milliseconds. */
export const AUTH_TIME_BUCKETS_MS = [0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000] as const;

export class RelayStats {
  /** relay_transfer_received_bytes_total / _sent_ (transport messages, whole message bytes). */
  receivedBytes = 0;
  sentBytes = 0;
  receivedPackets = 0;
  sentPackets = 0;
  /** Packets handed to the forwarder / delivered from it. */
  forwardedOut = 0;
  forwardedIn = 0;
  /** relay_peer_reconnections_total */
  reconnections = 0;
  authOk = 0;
  /** Subscription IDs refused by the per-peer or total cap (relay_subscriptions_refused_total). */
  subscriptionsRefused = 0;
  readonly drops: Partial<Record<RelayDropReason, number>> = {};
  readonly closes: Partial<Record<RelayCloseReason, number>> = {};
  /** Cumulative histogram counts per AUTH_TIME_BUCKETS_MS bucket (non-cumulative storage). */
  readonly authTimeBuckets = new Array<number>(AUTH_TIME_BUCKETS_MS.length + 1).fill(0);
  authTimeSum = 0;
  authTimeCount = 0;

  drop(reason: RelayDropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  close(reason: RelayCloseReason): void {
    this.closes[reason] = (this.closes[reason] ?? 0) + 1;
  }

  authTime(ms: number): void {
    let i = 0;
    while (i < AUTH_TIME_BUCKETS_MS.length && ms > AUTH_TIME_BUCKETS_MS[i]!) i++;
    this.authTimeBuckets[i]!++;
    this.authTimeSum += ms;
    this.authTimeCount++;
  }
}
