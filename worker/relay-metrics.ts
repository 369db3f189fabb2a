// The relay core's counters (src/relay/stats.ts, plain numbers) as metric families for /metrics,
// with upstream's names (relay_*, seed-protocols §5.8). Histogram buckets are cumulative in the text.
import { AUTH_TIME_BUCKETS_MS, type RelayStats } from "../src/relay/stats.ts";
import type { MetricFamily } from "./metrics.ts";

export function relayFamilies(stats: RelayStats, g: { peers: number; active: number; idle: number; sockets: number }): MetricFamily[] {
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
    one("relay_websockets", "gauge", "Accepted WebSockets, authenticated or not.", g.sockets),
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
