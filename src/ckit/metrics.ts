// ckit's Prometheus metrics with ckit's names and help texts (docs/protocols/ckit.md §6, §7), on the portable registry (src/util/metrics.ts) so Node and workerd render the same.
//
// Deliberate differences from ckit (its quirks, recorded in the vectors, are not copied):
//  1. /message packets are counted once (ckit counts rx_packets_total/rx_bytes_total in the handler and
//     again in its queue, so 5 packets read as 10).
//  2. Every *_total is a counter (ckit declares tx_packets_failed_total and the stream_*_total family as
//     gauges).
//  3. cluster_transport_stream_rx_packets_failed_total is registered (ckit creates it but never
//     registers it, so it never appears).
//  4. cluster_node_info and cluster_node_lamport_time carry cluster_name like the other cluster_node_*
//     metrics (ckit's info collector drops its const labels and lamport_time never had one).
//  5. Stream packets are frames (ckit counts Read/Write calls on the conn, which a reader's buffer size
//     can split or merge).
// Several nodes or transports may share one registry (simulations, tests): series are told apart by
// the labels the caller adds (e.g. a node name); scrape-time values are summed per label set.
import type { Labels, MetricsRegistry } from "../util/index.ts";
import { DEFAULT_BUCKETS } from "../util/index.ts";

type Source = () => Iterable<{ labels: Labels; value: number }>;
const sources = new WeakMap<MetricsRegistry, Map<string, Set<Source>>>();

/** A family read at scrape time from any number of live sources (added and removed at run time). */
export function liveFamily(reg: MetricsRegistry, name: string, help: string, type: "counter" | "gauge"): (src: Source) => () => void {
  let byName = sources.get(reg);
  if (!byName) sources.set(reg, (byName = new Map()));
  let set = byName.get(name);
  if (!set) {
    const live = new Set<Source>();
    byName.set(name, live);
    set = live;
    reg.collect(name, help, type, () => {
      const sum = new Map<string, { labels: Labels; value: number }>();
      for (const s of live) {
        for (const v of s()) {
          const k = JSON.stringify(Object.entries(v.labels).sort());
          const prev = sum.get(k);
          if (prev) prev.value += v.value;
          else sum.set(k, { labels: { ...v.labels }, value: v.value });
        }
      }
      return sum.values();
    });
  }
  const live = set;
  return (src) => {
    live.add(src);
    return () => void live.delete(src);
  };
}

// ---- transport (cluster_transport_*; ckit registers these without const labels)

export interface TransportMetrics {
  readonly labels: Labels;
  rxPackets(n: number, bytes: number): void;
  txPackets(n: number, bytes: number): void;
  txFailed(n: number): void;
  streamOpened(): void;
  streamClosed(): void;
  streamRx(bytes: number): void;
  streamRxFailed(): void;
  streamTx(bytes: number): void;
  streamTxFailed(): void;
  /** Stop reporting this transport's queue lengths and open streams. */
  close(): void;
}

export function transportMetrics(reg: MetricsRegistry, queues: { rx(): number; tx(): number }, labels: Labels = {}): TransportMetrics {
  const rxP = reg.counter("cluster_transport_rx_packets_total", "Total number of HTTP/2 gossip transport packets read");
  const rxB = reg.counter("cluster_transport_rx_bytes_total", "Total number of HTTP/2 gossip transport bytes read");
  const txP = reg.counter("cluster_transport_tx_packets_total", "Total number of HTTP/2 gossip transport packets written (failed or otherwise)");
  const txB = reg.counter("cluster_transport_tx_bytes_total", "Total number of HTTP/2 gossip transport bytes written (failed or otherwise)");
  const txF = reg.counter("cluster_transport_tx_packets_failed_total", "Total number of failed HTTP/2 gossip transport packets");
  const sRxP = reg.counter("cluster_transport_stream_rx_packets_total", "Total number of HTTP/2 gossip transport stream packets read");
  const sRxB = reg.counter("cluster_transport_stream_rx_bytes_total", "Total number of HTTP/2 gossip transport stream bytes read");
  const sRxF = reg.counter("cluster_transport_stream_rx_packets_failed_total", "Total number of HTTP/2 gossip transport stream packets failed to read");
  const sTxP = reg.counter("cluster_transport_stream_tx_packets_total", "Total number of HTTP/2 gossip transport stream packets written");
  const sTxB = reg.counter("cluster_transport_stream_tx_bytes_total", "Total number of HTTP/2 gossip transport stream bytes written");
  const sTxF = reg.counter("cluster_transport_stream_tx_packets_failed_total", "Total number of failed HTTP/2 gossip transport stream packets");
  let open = 0;
  const offs = [
    liveFamily(reg, "cluster_transport_streams", "Current number of HTTP/2 transport data streams", "gauge")(() => [{ labels, value: open }]),
    liveFamily(reg, "cluster_transport_rx_packet_queue_length", "Current number of unprocessed incoming packets", "gauge")(() => [{ labels, value: queues.rx() }]),
    liveFamily(reg, "cluster_transport_tx_packet_queue_length", "Current number of unprocessed outgoing packets", "gauge")(() => [{ labels, value: queues.tx() }]),
  ];
  // Counters start at 0 so every family shows up on the first scrape, as in ckit.
  for (const c of [rxP, rxB, txP, txB, txF, sRxP, sRxB, sRxF, sTxP, sTxB, sTxF]) c.inc(labels, 0);
  return {
    labels,
    rxPackets(n, bytes) {
      rxP.inc(labels, n);
      rxB.inc(labels, bytes);
    },
    txPackets(n, bytes) {
      txP.inc(labels, n);
      txB.inc(labels, bytes);
    },
    txFailed: (n) => txF.inc(labels, n),
    streamOpened: () => void open++,
    streamClosed: () => void open--,
    streamRx(bytes) {
      sRxP.inc(labels, 1);
      sRxB.inc(labels, bytes);
    },
    streamRxFailed: () => sRxF.inc(labels, 1),
    streamTx(bytes) {
      sTxP.inc(labels, 1);
      sTxB.inc(labels, bytes);
    },
    streamTxFailed: () => sTxF.inc(labels, 1),
    close: () => offs.forEach((off) => off()),
  };
}

// ---- node (cluster_node_*, all with cluster_name)

/** The gossip event label values, as ckit's source lists them. */
export const GOSSIP_EVENTS = [
  "state_change_message",
  "unknown_message",
  "get_local_state",
  "merge_remote_state",
  "node_join",
  "node_leave",
  "node_update",
  "node_conflict",
] as const;
export type GossipEvent = (typeof GOSSIP_EVENTS)[number];

export interface NodeMetricsSource {
  /** Current peers by state name (viewer, participant, terminating). */
  peersByState(): Record<string, number>;
  stateName(): string;
  lamportTime(): number;
  protocolVersion(): number;
  healthScore(): number;
  alivePeers(): number;
  observers(): number;
}

export interface NodeMetrics {
  event(e: GossipEvent): void;
  broadcast(e: GossipEvent): void;
  /** Brackets one observer notification round (cluster_node_updating, update duration). */
  updating(on: boolean, seconds?: number): void;
  close(): void;
}

export function nodeMetrics(reg: MetricsRegistry, clusterName: string, src: NodeMetricsSource, extra: Labels = {}): NodeMetrics {
  const base: Labels = { ...extra, cluster_name: clusterName };
  const events = reg.counter("cluster_node_gossip_received_events_total", "Total number of gossip messages handled by the node.");
  const bcasts = reg.counter("cluster_node_gossip_broadcasts_total", "Total number of gossip messages broadcasted by the node.");
  const duration = reg.histogram("cluster_node_update_duration_seconds", "Histogram of the latency it took to process a change to the cluster state.", DEFAULT_BUCKETS);
  let updating = 0;
  const gauge = (name: string, help: string, read: () => Iterable<{ labels: Labels; value: number }>) => liveFamily(reg, name, help, "gauge")(read);
  const offs = [
    gauge("cluster_node_peers", "Current number of healthy peers by state", () => {
      const by = src.peersByState();
      return ["participant", "terminating", "viewer"].map((state) => ({ labels: { ...base, state }, value: by[state] ?? 0 }));
    }),
    gauge("cluster_node_updating", "1 if the node is currently processing a change to the cluster state.", () => [{ labels: base, value: updating }]),
    gauge("cluster_node_update_observers", "Number of internal observers waiting for changes to cluster state.", () => [{ labels: base, value: src.observers() }]),
    gauge("cluster_node_info", "Info about the local node. Label values will change as the node changes state.", () => [{ labels: { ...base, state: src.stateName() }, value: 1 }]),
    gauge("cluster_node_gossip_proto_version", "Gossip protocol version used by nodes to maintain the cluster", () => [{ labels: base, value: src.protocolVersion() }]),
    gauge("cluster_node_gossip_health_score", "Health value of a node; lower values means healthier. 0 is the minimum.", () => [{ labels: base, value: src.healthScore() }]),
    gauge("cluster_node_gossip_alive_peers", "How many alive gossip peers a node has, including the local node.", () => [{ labels: base, value: src.alivePeers() }]),
    gauge("cluster_node_lamport_time", "The current lamport time of the node.", () => [{ labels: base, value: src.lamportTime() }]),
  ];
  return {
    event: (e) => events.inc({ ...base, event: e }),
    broadcast: (e) => bcasts.inc({ ...base, event: e }),
    updating(on, seconds) {
      updating = on ? 1 : 0;
      if (!on && seconds !== undefined) duration.observe(base, seconds);
    },
    close: () => offs.forEach((off) => off()),
  };
}
