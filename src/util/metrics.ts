// Portable metrics registry: counters, gauges and histograms as plain numbers, rendered to Prometheus
// text by src/util/prometheus.ts. Every runtime uses this one registry (the platform carries it), so a
// protocol's metrics are declared once and render the same in Node and workerd.
// Invariant: the data path only bumps numbers here; rendering happens at scrape time.
import type { Labels, MetricFamily, MetricType } from "./prometheus.ts";

export { PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels } from "./prometheus.ts";
export type { Labels, MetricFamily, MetricType } from "./prometheus.ts";

interface Slot {
  labels: Labels;
  value: number;
  /** Histogram only: cumulative-ready bucket counts (per bound, not cumulative) and the sum. */
  buckets?: number[];
  sum?: number;
}

class Family {
  readonly values = new Map<string, Slot>();
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly bounds: readonly number[];
  constructor(name: string, help: string, type: MetricType, bounds: readonly number[] = []) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.bounds = bounds;
  }
  slot(labels: Labels): Slot {
    const key = labelKey(labels);
    let s = this.values.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: 0 };
      if (this.type === "histogram") {
        s.buckets = new Array<number>(this.bounds.length).fill(0);
        s.sum = 0;
      }
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
  observe(labels: Labels, v: number): void {
    const s = this.slot(labels);
    s.value++;
    s.sum! += v;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.buckets![i]!++;
        break;
      }
    }
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
export interface Histogram {
  observe(labels: Labels, v: number): void;
}
/** A gauge or counter whose value is read at scrape time (e.g. a core's plain counter, a map's size). */
export type Collector = () => Iterable<{ labels: Labels; value: number }> | number;

/** Default histogram bounds (seconds), as Prometheus client libraries use. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A registry of metric families. Names follow Prometheus conventions (counters end in _total). */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collected: { name: string; help: string; type: MetricType; collect: Collector }[] = [];
  private readonly familyCollectors: (() => MetricFamily[])[] = [];

  private family(name: string, help: string, type: MetricType, bounds?: readonly number[]): Family {
    let f = this.families.get(name);
    if (!f) {
      f = new Family(name, help, type, bounds);
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
  histogram(name: string, help: string, bounds: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.family(name, help, "histogram", [...bounds].sort((a, b) => a - b));
  }
  /** Registers a family read at scrape time. */
  collect(name: string, help: string, type: "counter" | "gauge", collect: Collector): void {
    this.collected.push({ name, help, type, collect });
  }
  /**
   * Registers whole families built at scrape time (a subsystem's declaration of its metrics over plain
   * counters its data path bumps, histograms included: e.g. relayFamilies in src/relay/metrics.ts).
   */
  collectFamilies(collect: () => MetricFamily[]): void {
    this.familyCollectors.push(collect);
  }
  snapshot(): MetricFamily[] {
    const out: MetricFamily[] = [];
    for (const f of this.families.values()) {
      const samples: MetricFamily["samples"] = [];
      for (const s of f.values.values()) {
        if (f.type !== "histogram") {
          samples.push({ labels: { ...s.labels }, value: s.value });
          continue;
        }
        let acc = 0;
        f.bounds.forEach((b, i) => {
          acc += s.buckets![i]!;
          samples.push({ labels: { ...s.labels, le: String(b) }, value: acc, suffix: "_bucket" });
        });
        samples.push({ labels: { ...s.labels, le: "+Inf" }, value: s.value, suffix: "_bucket" });
        samples.push({ labels: { ...s.labels }, value: s.sum!, suffix: "_sum" });
        samples.push({ labels: { ...s.labels }, value: s.value, suffix: "_count" });
      }
      out.push({ name: f.name, help: f.help, type: f.type, samples });
    }
    for (const c of this.collected) {
      const v = c.collect();
      const samples = typeof v === "number" ? [{ labels: {}, value: v }] : [...v].map((s) => ({ labels: { ...s.labels }, value: s.value }));
      out.push({ name: c.name, help: c.help, type: c.type, samples });
    }
    for (const c of this.familyCollectors) out.push(...c());
    return out;
  }
}
