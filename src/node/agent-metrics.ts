// Metrics of a gossamer agent, on the platform's registry (served as GET /metrics on the admin API): the
// member's families (declared once in src/memberlist/metrics.ts, names gossamer_memberlist_*) plus the
// Node transport's inbound stream budget:
//
//   gossamer_memberlist_stream_budget_limit_bytes           gauge   inbound stream memory budget (process-wide)
//   gossamer_memberlist_stream_budget_used_bytes            gauge   bytes held by open inbound streams
//   gossamer_memberlist_stream_budget_peak_bytes            gauge   highest used seen
//   gossamer_memberlist_stream_budget_rejected_total        counter inbound streams closed: budget exhausted
//   gossamer_memberlist_streams_open                        gauge   accepted TCP streams open now (and silent ones)
//   gossamer_memberlist_streams_refused_total{reason}       counter accepted connections refused: cidr, per_source,
//                                                                   capacity; plus evicted_silent, first_byte_timeout
//   gossamer_memberlist_packets_refused_total               counter datagrams from outside --allowed-cidrs
import { MEMBERLIST_METRIC_PREFIX as P, registerMemberlistMetrics, type Memberlist } from "../memberlist/index.ts";
import type { MetricFamily, MetricsRegistry } from "../util/index.ts";
import type { StreamBudgetStats } from "./stream-budget.ts";
import type { AdmissionStats } from "./stream-admission.ts";

export interface AgentMetricsSource {
  memberlist: Memberlist;
  streamBudget(): StreamBudgetStats;
  admission?(): AdmissionStats;
  packetsRefused?(): number;
}

export function registerAgentMetrics(registry: MetricsRegistry, src: AgentMetricsSource): void {
  registerMemberlistMetrics(registry, src.memberlist);
  registry.collectFamilies((): MetricFamily[] => {
    const b = src.streamBudget();
    const one = (name: string, type: "counter" | "gauge", help: string, value: number): MetricFamily => ({ name: P + name, help, type, samples: [{ labels: {}, value }] });
    return [
      one("stream_budget_limit_bytes", "gauge", "Inbound stream memory budget of the transport (shared process-wide by default).", b.limit),
      one("stream_budget_used_bytes", "gauge", "Bytes charged to open inbound streams.", b.used),
      one("stream_budget_peak_bytes", "gauge", "Highest stream_budget_used_bytes seen.", b.peak),
      one("stream_budget_rejected_total", "counter", "Inbound streams closed because the stream budget was exhausted.", b.rejected),
      ...admissionFamilies(src),
    ];
  });
}

function admissionFamilies(src: AgentMetricsSource): MetricFamily[] {
  const a = src.admission?.();
  if (!a) return [];
  return [
    { name: P + "streams_open", help: "Accepted TCP streams open now, and those that have not sent a byte yet.", type: "gauge", samples: [{ labels: { state: "open" }, value: a.open }, { labels: { state: "silent" }, value: a.silent }] },
    {
      name: P + "streams_refused_total",
      help: "Accepted TCP connections refused or closed by admission: outside the allowed CIDRs, per-source cap, all slots busy, evicted while silent, no first bytes in time.",
      type: "counter",
      samples: [
        ...Object.entries(a.refused).map(([reason, value]) => ({ labels: { reason }, value })),
        { labels: { reason: "evicted_silent" }, value: a.evictedSilent },
        { labels: { reason: "first_byte_timeout" }, value: a.firstByteTimeouts },
      ],
    },
    { name: P + "packets_refused_total", help: "UDP datagrams dropped because their source is outside the allowed CIDRs.", type: "counter", samples: [{ labels: {}, value: src.packetsRefused?.() ?? 0 }] },
  ];
}
