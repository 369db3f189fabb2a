// Prometheus metrics of the cluster fabric (prom-client), with openZro's names (seed-protocols §5.9):
// relay_cluster_forwards_total{result}, relay_cluster_lookup_duration_seconds,
// relay_cluster_hello_rejects_total{reason}, relay_cluster_streams, relay_cluster_pings_sent_total,
// relay_cluster_pings_lost_total. Counters are read from FabricStats at scrape time; only the lookup
// histogram observes per event (one per lookup, not per packet).
import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import { HELLO_REJECT_REASONS } from "../relay/fabric/errors.ts";
import type { ClusterFabric } from "../relay/fabric/fabric.ts";
import { scrapedByLabel, scrapedTotal } from "./prom-scrape.ts";

export function registerClusterMetrics(fabric: ClusterFabric, registry: Registry): void {
  const s = fabric.stats;
  scrapedByLabel(registry, "relay_cluster_forwards_total", "Transport messages forwarded to other relay pods, by result.", "result", () => s.forwards);
  // Not scrapedByLabel: every reason of the fixed list is exported, 0 until it first happens.
  new Counter({
    name: "relay_cluster_hello_rejects_total",
    help: "Cluster streams rejected at HELLO, by reason.",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of HELLO_REJECT_REASONS) this.inc({ reason }, s.helloRejects[reason] ?? 0);
    },
  });
  new Gauge({
    name: "relay_cluster_streams",
    help: "Live streams to other relay pods.",
    registers: [registry],
    collect() {
      this.set(fabric.streamCount);
    },
  });
  const total = (name: string, help: string, read: () => number) => scrapedTotal(registry, name, help, read);
  total("relay_cluster_pings_sent_total", "Cluster PINGs sent (defined upstream; nothing sends them yet).", () => s.pingsSent);
  total("relay_cluster_pings_lost_total", "Cluster PINGs without a PONG (defined upstream; nothing sends them yet).", () => s.pingsLost);
  total("relay_cluster_forwarded_in_total", "FWD frames received from other pods.", () => s.forwardedIn);
  total("relay_cluster_forwarded_in_dropped_total", "FWD frames for peers not connected here (dropped).", () => s.forwardedInDropped);
  total("relay_cluster_frame_errors_total", "Malformed cluster frames (dropped; the stream stays up).", () => s.frameErrors);
  const lookup = new Histogram({
    name: "relay_cluster_lookup_duration_seconds",
    help: "WHO_HAS lookup duration.",
    labelNames: ["found"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [registry],
  });
  s.onLookup = (sec, found) => lookup.observe({ found: found ? "true" : "false" }, sec);
}
