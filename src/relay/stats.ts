// Relay counters, kept as plain numbers the core bumps on its hot path (no per-packet calls into a
// metrics library). Node's prom-client collectors and the worker's /metrics read them at scrape time.
// Names follow upstream's meters (relay_*), see shared/spec/seed-protocols.md §5.8.
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
  readonly drops: Partial<Record<RelayDropReason, number>> = {};
  readonly closes: Partial<Record<RelayCloseReason, number>> = {};
  /** Cumulative histogram counts per AUTH_TIME_BUCKETS_MS bucket (non-cumulative storage). */
  readonly authTimeBuckets = new Array<number>(AUTH_TIME_BUCKETS_MS.length + 1).fill(0);
  authTimeSum = 0;
  authTimeCount = 0;
  /** Optional observer, e.g. a prom-client Histogram on Node. */
  onAuthTime: ((ms: number) => void) | undefined = undefined;

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
    this.onAuthTime?.(ms);
  }

  /** Prometheus text exposition of these counters plus the given gauges (portable; used by the worker). */
  toPrometheus(gauges: { peers: number; peersActive: number; peersIdle: number }, labels = ""): string {
    const l = labels ? `{${labels}}` : "";
    const lk = (k: string, v: string) => `{${labels ? labels + "," : ""}${k}="${v}"}`;
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    metric("relay_peers", "gauge", "Connected peers.", [`relay_peers${l} ${gauges.peers}`]);
    metric("relay_peers_active", "gauge", "Peers with transport traffic in the last 30 s.", [`relay_peers_active${l} ${gauges.peersActive}`]);
    metric("relay_peers_idle", "gauge", "Peers without transport traffic for 30 s.", [`relay_peers_idle${l} ${gauges.peersIdle}`]);
    metric("relay_transfer_sent_bytes_total", "counter", "Bytes sent to peers.", [`relay_transfer_sent_bytes_total${l} ${this.sentBytes}`]);
    metric("relay_transfer_received_bytes_total", "counter", "Bytes received from peers.", [`relay_transfer_received_bytes_total${l} ${this.receivedBytes}`]);
    metric("relay_peer_reconnections_total", "counter", "Connections replaced by a newer one of the same peer.", [`relay_peer_reconnections_total${l} ${this.reconnections}`]);
    metric("relay_dropped_packets_total", "counter", "Transport packets dropped, by reason.",
      Object.entries(this.drops).map(([r, v]) => `relay_dropped_packets_total${lk("reason", r)} ${v}`));
    metric("relay_connection_closes_total", "counter", "Connections closed, by reason.",
      Object.entries(this.closes).map(([r, v]) => `relay_connection_closes_total${lk("reason", r)} ${v}`));
    const h = "relay_peer_authentication_time_milliseconds";
    let cum = 0;
    const hl = AUTH_TIME_BUCKETS_MS.map((b, i) => `${h}_bucket${lk("le", String(b))} ${(cum += this.authTimeBuckets[i]!)}`);
    hl.push(`${h}_bucket${lk("le", "+Inf")} ${this.authTimeCount}`, `${h}_sum${l} ${this.authTimeSum}`, `${h}_count${l} ${this.authTimeCount}`);
    metric(h, "histogram", "Time to authenticate a peer.", hl);
    return out.join("\n") + "\n";
  }
}
