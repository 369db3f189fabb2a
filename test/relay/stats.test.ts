// RelayStats' portable Prometheus text (relayFamilies rendered by src/util/prometheus.ts, the writer the
// worker's /metrics uses too): upstream names, labels, cumulative histogram buckets with the upstream bounds.
import { describe, expect, it } from "vitest";
import { RelayStats } from "../../src/relay/stats.ts";

describe("RelayStats.toPrometheus", () => {
  it("renders counters, drops by reason and a cumulative auth-time histogram", () => {
    const s = new RelayStats();
    s.sentBytes = 100;
    s.receivedBytes = 120;
    s.reconnections = 2;
    s.drop("peer_not_found");
    s.drop("peer_not_found");
    s.close("auth_failed");
    for (const ms of [0.05, 0.7, 3, 20000]) s.authTime(ms);
    const text = s.toPrometheus({ peers: 3, peersActive: 1, peersIdle: 2 }, 'shard="s1"');
    const lines = text.split("\n");
    expect(lines).toContain('relay_peers{shard="s1"} 3');
    expect(lines).toContain('relay_transfer_sent_bytes_total{shard="s1"} 100');
    expect(lines).toContain('relay_transfer_received_bytes_total{shard="s1"} 120');
    expect(lines).toContain('relay_peer_reconnections_total{shard="s1"} 2');
    expect(lines).toContain('relay_dropped_packets_total{shard="s1",reason="peer_not_found"} 2');
    expect(lines).toContain('relay_connection_closes_total{shard="s1",reason="auth_failed"} 1');
    const h = "relay_peer_authentication_time_milliseconds";
    expect(lines).toContain(`${h}_bucket{shard="s1",le="0.1"} 1`);
    expect(lines).toContain(`${h}_bucket{shard="s1",le="1"} 2`);
    expect(lines).toContain(`${h}_bucket{shard="s1",le="5"} 3`);
    expect(lines).toContain(`${h}_bucket{shard="s1",le="10000"} 3`);
    expect(lines).toContain(`${h}_bucket{shard="s1",le="+Inf"} 4`);
    expect(lines).toContain(`${h}_count{shard="s1"} 4`);
    expect(lines).toContain("# TYPE relay_peer_authentication_time_milliseconds histogram");
  });
});
