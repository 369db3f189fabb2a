// Prometheus metrics of the Node relay (prom-client), with upstream's relay metric names. The core keeps
// plain counters (RelayStats); these collectors read them at scrape time, so the forwarding path never
// calls into prom-client. Only the auth-time histogram observes per event (one per authentication).
import { Gauge, Histogram, Registry } from "prom-client";
import type { RelayCore } from "../relay/core.ts";
import { AUTH_TIME_BUCKETS_MS } from "../relay/stats.ts";
import { scrapedByLabel, scrapedTotal } from "./prom-scrape.ts";

export function registerRelayMetrics(core: RelayCore, registry: Registry = new Registry()): Registry {
  const s = core.stats;
  new Gauge({
    name: "relay_peers",
    help: "Connected (authenticated) peers.",
    labelNames: ["transport"],
    registers: [registry],
    collect() {
      this.set({ transport: "ws" }, core.peerCount);
    },
  });
  new Gauge({
    name: "relay_peers_active",
    help: "Peers with transport traffic in the last 30 s.",
    registers: [registry],
    collect() {
      this.set(core.activity().active);
    },
  });
  new Gauge({
    name: "relay_peers_idle",
    help: "Peers without transport traffic for 30 s.",
    registers: [registry],
    collect() {
      this.set(core.activity().idle);
    },
  });
  const total = (name: string, help: string, read: () => number) => scrapedTotal(registry, name, help, read);
  total("relay_transfer_sent_bytes_total", "Bytes of transport messages sent to peers.", () => s.sentBytes);
  total("relay_transfer_received_bytes_total", "Bytes of transport messages received from peers.", () => s.receivedBytes);
  total("relay_peer_reconnections_total", "Connections replaced by a newer connection of the same peer.", () => s.reconnections);
  total("relay_forwarded_out_total", "Transport messages handed to the cross-shard forwarder.", () => s.forwardedOut);
  total("relay_forwarded_in_total", "Transport messages delivered from the cross-shard forwarder.", () => s.forwardedIn);
  const byReason = (name: string, help: string, read: () => Partial<Record<string, number>>) =>
    scrapedByLabel(registry, name, help, "reason", read);
  byReason("relay_dropped_packets_total", "Transport messages dropped, by reason.", () => s.drops);
  byReason("relay_connection_closes_total", "Connections closed, by reason.", () => s.closes);
  const authTime = new Histogram({
    name: "relay_peer_authentication_time_milliseconds",
    help: "Time to authenticate a peer.",
    buckets: [...AUTH_TIME_BUCKETS_MS],
    registers: [registry],
  });
  s.onAuthTime = (ms) => authTime.observe(ms);
  return registry;
}
