// Relay counters, kept as plain numbers the core bumps on its hot path (no per-packet calls into a
// metrics library). Node's prom-client collectors and the worker's /metrics read them at scrape time;
// relayFamilies is their portable form (rendered by src/util/prometheus.ts).
// Names follow upstream's meters (relay_*), see shared/spec/seed-protocols.md §5.8.
import type { RelayDropReason } from "./errors.ts";
import { renderPrometheus, type Labels, type MetricFamily } from "../util/prometheus.ts";

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

  /**
   * Prometheus text of these counters and gauges (relayFamilies through the shared writer). `labels` is
   * label text such as 'shard="s1"', put first on every sample.
   */
  toPrometheus(gauges: { peers: number; peersActive: number; peersIdle: number }, labels = ""): string {
    const first = parseLabelText(labels);
    const families = relayFamilies(this, { peers: gauges.peers, active: gauges.peersActive, idle: gauges.peersIdle });
    return renderPrometheus(families.map((f) => ({ ...f, samples: f.samples.map((x) => ({ ...x, labels: { ...first, ...x.labels } })) })));
  }
}

/** 'a="x",b="y"' -> { a: "x", b: "y" } (values unescaped as the exposition format escapes them). */
function parseLabelText(text: string): Labels {
  const out: Labels = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return out;
}

/** The relay counters (and the caller's gauges) as metric families, names and HELP as upstream's meters. */
export function relayFamilies(stats: RelayStats, g: { peers: number; active: number; idle: number; sockets?: number }): MetricFamily[] {
  const one = (name: string, type: "counter" | "gauge", help: string, value: number): MetricFamily => ({
    name,
    help,
    type,
    samples: [{ labels: {}, value }],
  });
  const byReason = (name: string, help: string, rec: Partial<Record<string, number>>): MetricFamily => ({
    name,
    help,
    type: "counter",
    samples: Object.entries(rec).map(([reason, v]) => ({ labels: { reason }, value: v ?? 0 })),
  });
  let cum = 0;
  const samples: MetricFamily["samples"] = AUTH_TIME_BUCKETS_MS.map((b, i) => ({
    labels: { le: String(b) },
    value: (cum += stats.authTimeBuckets[i]!),
    suffix: "_bucket",
  }));
  samples.push(
    { labels: { le: "+Inf" }, value: stats.authTimeCount, suffix: "_bucket" },
    { labels: {}, value: stats.authTimeSum, suffix: "_sum" },
    { labels: {}, value: stats.authTimeCount, suffix: "_count" },
  );
  return [
    one("relay_peers", "gauge", "Connected (authenticated) peers.", g.peers),
    one("relay_peers_active", "gauge", "Peers with transport traffic in the last 30 s.", g.active),
    one("relay_peers_idle", "gauge", "Peers without transport traffic for 30 s.", g.idle),
    ...(g.sockets === undefined ? [] : [one("relay_websockets", "gauge", "Accepted WebSockets, authenticated or not.", g.sockets)]),
    one("relay_transfer_sent_bytes_total", "counter", "Bytes sent to peers.", stats.sentBytes),
    one("relay_transfer_received_bytes_total", "counter", "Bytes received from peers.", stats.receivedBytes),
    one("relay_transfer_sent_packets_total", "counter", "Transport packets sent to peers.", stats.sentPackets),
    one("relay_transfer_received_packets_total", "counter", "Transport packets received from peers.", stats.receivedPackets),
    one("relay_forwarded_out_total", "counter", "Packets handed to the cross-shard forwarder.", stats.forwardedOut),
    one("relay_forwarded_in_total", "counter", "Packets delivered from other shards.", stats.forwardedIn),
    one("relay_peer_reconnections_total", "counter", "Connections replaced by a newer one of the same peer.", stats.reconnections),
    one("relay_peer_authentications_total", "counter", "Successful authentications.", stats.authOk),
    byReason("relay_dropped_packets_total", "Transport packets dropped, by reason.", stats.drops),
    byReason("relay_connection_closes_total", "Connections closed, by reason.", stats.closes),
    { name: "relay_peer_authentication_time_milliseconds", help: "Time to authenticate a peer.", type: "histogram", samples },
  ];
}
