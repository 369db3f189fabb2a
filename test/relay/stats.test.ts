// The relay's metrics declaration (src/relay/metrics.ts) over RelayStats, registered on the portable
// registry and rendered by src/util/prometheus.ts (what both runtimes' /metrics do): upstream names,
// labels, cumulative histogram buckets with the upstream bounds.
import { describe, expect, it } from "vitest";
import { RelayStats, registerRelayMetrics } from "../../src/relay/index.ts";
import { MetricsRegistry, renderPrometheus, withLabels } from "../../src/util/index.ts";

describe("relay metrics", () => {
  it("renders counters, drops by reason and a cumulative auth-time histogram", () => {
    const s = new RelayStats();
    s.sentBytes = 100;
    s.receivedBytes = 120;
    s.reconnections = 2;
    s.drop("peer_not_found");
    s.drop("peer_not_found");
    s.close("auth_failed");
    for (const ms of [0.05, 0.7, 3, 20000]) s.authTime(ms);
    const registry = new MetricsRegistry();
    registerRelayMetrics(registry, { stats: s, peerCount: 3, activity: () => ({ active: 1, idle: 2 }) });
    const text = renderPrometheus(withLabels(registry.snapshot(), { shard: "s1" }));
    const lines = text.split("\n");
    expect(lines).toContain('relay_peers{transport="ws",shard="s1"} 3');
    expect(lines).toContain('relay_peers_active{shard="s1"} 1');
    expect(lines).toContain('relay_peers_idle{shard="s1"} 2');
    expect(lines).toContain('relay_transfer_sent_bytes_total{shard="s1"} 100');
    expect(lines).toContain('relay_transfer_received_bytes_total{shard="s1"} 120');
    expect(lines).toContain('relay_peer_reconnections_total{shard="s1"} 2');
    expect(lines).toContain('relay_dropped_packets_total{reason="peer_not_found",shard="s1"} 2');
    expect(lines).toContain('relay_connection_closes_total{reason="auth_failed",shard="s1"} 1');
    const h = "relay_peer_authentication_time_milliseconds";
    expect(lines).toContain(`${h}_bucket{le="0.1",shard="s1"} 1`);
    expect(lines).toContain(`${h}_bucket{le="1",shard="s1"} 2`);
    expect(lines).toContain(`${h}_bucket{le="5",shard="s1"} 3`);
    expect(lines).toContain(`${h}_bucket{le="10000",shard="s1"} 3`);
    expect(lines).toContain(`${h}_bucket{le="+Inf",shard="s1"} 4`);
    expect(lines).toContain(`${h}_count{shard="s1"} 4`);
    expect(lines).toContain("# TYPE relay_peer_authentication_time_milliseconds histogram");
  });
});
