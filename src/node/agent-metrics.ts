// Metrics of a gossamer agent, on the platform's registry (served as GET /metrics on the admin API): the
// member's families (declared once in src/memberlist/metrics.ts, names gossamer_memberlist_*) plus the
// Node transport's inbound stream budget:
//
//   gossamer_memberlist_stream_budget_limit_bytes           gauge   inbound stream memory budget (process-wide)
//   gossamer_memberlist_stream_budget_used_bytes            gauge   bytes held by open inbound streams
//   gossamer_memberlist_stream_budget_peak_bytes            gauge   highest used seen
//   gossamer_memberlist_stream_budget_rejected_total        counter inbound streams closed: budget exhausted
import { MEMBERLIST_METRIC_PREFIX as P, registerMemberlistMetrics, type Memberlist } from "../memberlist/index.ts";
import type { MetricFamily, MetricsRegistry } from "../util/index.ts";
import type { StreamBudgetStats } from "./stream-budget.ts";

export interface AgentMetricsSource {
  memberlist: Memberlist;
  streamBudget(): StreamBudgetStats;
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
    ];
  });
}
