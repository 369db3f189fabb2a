// The cluster fabric's metrics, declared once (openZro's names, docs/protocols/relay-fabric.md §8):
// relay_cluster_forwards_total{result}, relay_cluster_lookup_duration_seconds{found},
// relay_cluster_hello_rejects_total{reason} (every reason, 0 until it happens), relay_cluster_streams,
// relay_cluster_pings_sent_total, relay_cluster_pings_lost_total, plus our forwarded-in, frame-error and
// hardening (announce cap, pending-HELLO eviction) counters. Counters are read from FabricStats at scrape time; only the lookup histogram observes per
// event (one per lookup, not per packet).
import type { MetricFamily, MetricsRegistry } from "../../util/index.ts";
import { RELAY_METRICS } from "../metrics.ts";
import { HELLO_REJECT_REASONS } from "./errors.ts";
import type { FabricStats } from "./stats.ts";

export const FABRIC_METRICS = {
  forwards: RELAY_METRICS.clusterForwards,
  lookup: { name: "relay_cluster_lookup_duration_seconds", help: "WHO_HAS lookup duration." },
  helloRejects: { name: "relay_cluster_hello_rejects_total", help: "Cluster streams rejected at HELLO, by reason." },
  streams: { name: "relay_cluster_streams", help: "Live streams to other relay pods." },
  pingsSent: { name: "relay_cluster_pings_sent_total", help: "Cluster PINGs sent (defined upstream; nothing sends them yet)." },
  pingsLost: { name: "relay_cluster_pings_lost_total", help: "Cluster PINGs without a PONG (defined upstream; nothing sends them yet)." },
  forwardedIn: { name: "relay_cluster_forwarded_in_total", help: "FWD frames received from other pods." },
  forwardedInDropped: { name: "relay_cluster_forwarded_in_dropped_total", help: "FWD frames for peers not connected here (dropped)." },
  frameErrors: { name: "relay_cluster_frame_errors_total", help: "Malformed cluster frames (dropped; the stream stays up)." },
  announceCapped: { name: "relay_cluster_announce_capped_total", help: "PRESENCE online announcements ignored because the stream reached its announced-peer bound." },
  pendingHelloEvicted: { name: "relay_cluster_pending_hello_evicted_total", help: "Accepted cluster connections closed before HELLO because too many were waiting." },
} as const;

/** Bounds of relay_cluster_lookup_duration_seconds (the 200 ms lookup window sits in the middle). */
export const LOOKUP_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1] as const;

export interface FabricMetricsSource {
  readonly stats: FabricStats;
  readonly streamCount: number;
}

/** Registers the fabric's families on `registry` and hooks the lookup histogram to `src.stats`. */
export function registerFabricMetrics(registry: MetricsRegistry, src: FabricMetricsSource): void {
  const M = FABRIC_METRICS;
  const s = src.stats;
  const lookup = registry.histogram(M.lookup.name, M.lookup.help, LOOKUP_BUCKETS_S);
  s.onLookup = (sec, found) => lookup.observe({ found: found ? "true" : "false" }, sec);
  const total = (m: { name: string; help: string }, value: number): MetricFamily => ({ ...m, type: "counter", samples: [{ labels: {}, value }] });
  registry.collectFamilies(() => [
    { ...M.forwards, type: "counter", samples: Object.entries(s.forwards).map(([result, value]) => ({ labels: { result }, value })) },
    { ...M.helloRejects, type: "counter", samples: HELLO_REJECT_REASONS.map((reason) => ({ labels: { reason }, value: s.helloRejects[reason] ?? 0 })) },
    { ...M.streams, type: "gauge", samples: [{ labels: {}, value: src.streamCount }] },
    total(M.pingsSent, s.pingsSent),
    total(M.pingsLost, s.pingsLost),
    total(M.forwardedIn, s.forwardedIn),
    total(M.forwardedInDropped, s.forwardedInDropped),
    total(M.frameErrors, s.frameErrors),
    total(M.announceCapped, s.announceCapped),
    total(M.pendingHelloEvicted, s.pendingHelloEvicted),
  ]);
}
