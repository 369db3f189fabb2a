// The relay's metrics, declared once for every runtime: names and HELP as upstream's meters (NetBird
// relay_*, docs/protocols/relay.md §8; openZro's relay_cluster_*, docs/protocols/relay-fabric.md §8), built from the core's plain counters
// (stats.ts) at scrape time and registered on the platform's registry. Node's /metrics and the worker's
// /metrics render the same families through src/util/prometheus.ts.
import type { Labels, MetricFamily, MetricsRegistry } from "../util/index.ts";
import { AUTH_TIME_BUCKETS_MS, type RelayStats } from "./stats.ts";

/** Every relay metric family gossamer exports (either runtime), with its HELP. Names are public API. */
export const RELAY_METRICS = {
  peers: { name: "relay_peers", help: "Connected (authenticated) peers, by transport." },
  peersActive: { name: "relay_peers_active", help: "Peers with transport traffic in the last 30 s." },
  peersIdle: { name: "relay_peers_idle", help: "Peers without transport traffic for 30 s." },
  websockets: { name: "relay_websockets", help: "Accepted WebSockets, authenticated or not." },
  sentBytes: { name: "relay_transfer_sent_bytes_total", help: "Bytes of transport messages sent to peers." },
  receivedBytes: { name: "relay_transfer_received_bytes_total", help: "Bytes of transport messages received from peers." },
  sentPackets: { name: "relay_transfer_sent_packets_total", help: "Transport messages sent to peers." },
  receivedPackets: { name: "relay_transfer_received_packets_total", help: "Transport messages received from peers." },
  forwardedOut: { name: "relay_forwarded_out_total", help: "Transport messages handed to the cross-shard forwarder." },
  forwardedIn: { name: "relay_forwarded_in_total", help: "Transport messages delivered from the cross-shard forwarder." },
  reconnections: { name: "relay_peer_reconnections_total", help: "Connections replaced by a newer connection of the same peer." },
  authentications: { name: "relay_peer_authentications_total", help: "Successful authentications." },
  dropped: { name: "relay_dropped_packets_total", help: "Transport messages dropped, by reason." },
  closes: { name: "relay_connection_closes_total", help: "Connections closed, by reason." },
  authTime: { name: "relay_peer_authentication_time_milliseconds", help: "Time to authenticate a peer." },
  // Hardening (gossamer): subscriptions held and refused by the per-peer / total caps.
  subscriptions: { name: "relay_subscriptions", help: "Peer-state subscriptions held by connected peers." },
  subscriptionsRefused: { name: "relay_subscriptions_refused_total", help: "Subscription IDs refused by the per-peer or total cap." },
  // Cross-shard / cross-pod forwarding (openZro names; the Node fabric and the worker's shard forwarder).
  clusterForwards: { name: "relay_cluster_forwards_total", help: "Transport messages forwarded to other relay pods or shards, by result." },
  // Worker only: Durable Object shards, their directory and health alarm.
  forwardBatches: { name: "relay_forward_batches_total", help: "Batches sent to other shards (one link message each)." },
  healthTimeouts: { name: "relay_health_timeouts_total", help: "Sockets closed for missing health-check echoes." },
  directoryPeers: { name: "relay_directory_peers", help: "Peers currently registered in this directory object." },
  directoryRegistrations: { name: "relay_directory_registrations_total", help: "Peers registered in the directory." },
  directoryLocates: { name: "relay_directory_locates_total", help: "Directory lookups by result." },
  directoryNotifications: { name: "relay_directory_notifications_total", help: "Peer-state events fanned out to shards." },
} as const;

/** What the relay families are read from at scrape time (a RelayCore satisfies the first three). */
export interface RelayMetricsSource {
  readonly stats: RelayStats;
  readonly peerCount: number;
  /** Samples traffic: call once per scrape (RelayCore.activity). */
  activity(): { active: number; idle: number };
  /** Accepted WebSockets, where the runtime counts them (the worker's shards). */
  sockets?(): number;
  /** Subscriptions held (RelayCore.subscriptionCount). */
  readonly subscriptionCount?: number;
}

const one = (m: { name: string; help: string }, type: "counter" | "gauge", value: number, labels: Labels = {}): MetricFamily => ({
  name: m.name,
  help: m.help,
  type,
  samples: [{ labels, value }],
});

const byReason = (m: { name: string; help: string }, rec: Partial<Record<string, number>>): MetricFamily => ({
  name: m.name,
  help: m.help,
  type: "counter",
  samples: Object.entries(rec).map(([reason, v]) => ({ labels: { reason }, value: v ?? 0 })),
});

/** The relay families of one core, as upstream names them. */
export function relayFamilies(src: RelayMetricsSource): MetricFamily[] {
  const s = src.stats;
  const a = src.activity();
  const M = RELAY_METRICS;
  let cum = 0;
  const samples: MetricFamily["samples"] = AUTH_TIME_BUCKETS_MS.map((b, i) => ({
    labels: { le: String(b) },
    value: (cum += s.authTimeBuckets[i]!),
    suffix: "_bucket",
  }));
  samples.push(
    { labels: { le: "+Inf" }, value: s.authTimeCount, suffix: "_bucket" },
    { labels: {}, value: s.authTimeSum, suffix: "_sum" },
    { labels: {}, value: s.authTimeCount, suffix: "_count" },
  );
  return [
    one(M.peers, "gauge", src.peerCount, { transport: "ws" }),
    one(M.peersActive, "gauge", a.active),
    one(M.peersIdle, "gauge", a.idle),
    ...(src.sockets ? [one(M.websockets, "gauge", src.sockets())] : []),
    one(M.sentBytes, "counter", s.sentBytes),
    one(M.receivedBytes, "counter", s.receivedBytes),
    one(M.sentPackets, "counter", s.sentPackets),
    one(M.receivedPackets, "counter", s.receivedPackets),
    one(M.forwardedOut, "counter", s.forwardedOut),
    one(M.forwardedIn, "counter", s.forwardedIn),
    one(M.reconnections, "counter", s.reconnections),
    one(M.authentications, "counter", s.authOk),
    one(M.subscriptions, "gauge", src.subscriptionCount ?? 0),
    one(M.subscriptionsRefused, "counter", s.subscriptionsRefused),
    byReason(M.dropped, s.drops),
    byReason(M.closes, s.closes),
    { name: M.authTime.name, help: M.authTime.help, type: "histogram", samples },
  ];
}

/** Registers the relay families of `src` (usually a RelayCore) on `registry`, read at each scrape. */
export function registerRelayMetrics(registry: MetricsRegistry, src: RelayMetricsSource): void {
  registry.collectFamilies(() => relayFamilies(src));
}
