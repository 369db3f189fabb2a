// The worker's metrics registry. Each Durable Object keeps its own in-memory registry and hands out a
// serialisable snapshot over RPC; the worker's /metrics gathers the snapshots of every object, adds an
// identifying label, and renders one page with the portable writer (src/util/prometheus.ts).
// Counters restart from zero when an object restarts (Prometheus' rate() handles resets).
import type { Labels, MetricFamily, MetricType } from "../src/util/prometheus.ts";

export { PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels } from "../src/util/prometheus.ts";
export type { Labels, MetricFamily, MetricType } from "../src/util/prometheus.ts";

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  constructor(name: string, help: string, type: MetricType) {
    this.name = name;
    this.help = help;
    this.type = type;
  }
  private slot(labels: Labels): { labels: Labels; value: number } {
    const key = labelKey(labels);
    let s = this.values.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: 0 };
      this.values.set(key, s);
    }
    return s;
  }
  inc(labels: Labels = {}, n = 1): void {
    this.slot(labels).value += n;
  }
  set(labels: Labels, v: number): void {
    this.slot(labels).value = v;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

export interface Counter {
  inc(labels?: Labels, n?: number): void;
}
export interface Gauge {
  set(labels: Labels, v: number): void;
  inc(labels?: Labels, n?: number): void;
}

/** A small per-object registry. Names follow Prometheus conventions (counters end in _total). */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private family(name: string, help: string, type: MetricType): Family {
    let f = this.families.get(name);
    if (!f) {
      f = new Family(name, help, type);
      this.families.set(name, f);
    }
    return f;
  }
  counter(name: string, help: string): Counter {
    return this.family(name, help, "counter");
  }
  gauge(name: string, help: string): Gauge {
    return this.family(name, help, "gauge");
  }
  snapshot(): MetricFamily[] {
    return [...this.families.values()].map((f) => ({
      name: f.name,
      help: f.help,
      type: f.type,
      samples: [...f.values.values()].map((s) => ({ labels: { ...s.labels }, value: s.value })),
    }));
  }
}
