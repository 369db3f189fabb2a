// Prometheus text exposition (format 0.0.4), hand-written: prom-client is Node-only. Each Durable Object
// keeps its own in-memory registry and hands out a serialisable snapshot over RPC; the worker's
// /metrics gathers the snapshots of every object, adds an identifying label, and renders one page.
// Counters restart from zero when an object restarts (Prometheus' rate() handles resets).

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Record<string, string>;

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** `suffix` names a histogram series ("_bucket", "_sum", "_count"); empty for counters and gauges. */
  samples: { labels: Labels; value: number; suffix?: string }[];
}

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

/** Adds `extra` labels to every sample (e.g. shard="shard-0") so objects do not collide. */
export function withLabels(families: MetricFamily[], extra: Labels): MetricFamily[] {
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, ...extra } })) }));
}

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const validName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Renders families (merged by name, first HELP/TYPE wins) as Prometheus text. */
export function renderPrometheus(families: MetricFamily[]): string {
  const byName = new Map<string, MetricFamily>();
  for (const f of families) {
    if (!validName.test(f.name)) continue;
    const prev = byName.get(f.name);
    if (prev) prev.samples.push(...f.samples);
    else byName.set(f.name, { ...f, samples: [...f.samples] });
  }
  const out: string[] = [];
  for (const f of byName.values()) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const keys = Object.keys(s.labels).filter((k) => validName.test(k) && !k.includes(":"));
      const lbl = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(s.labels[k]!)}"`).join(",")}}` : "";
      const suffix = s.suffix === "_bucket" || s.suffix === "_sum" || s.suffix === "_count" ? s.suffix : "";
      out.push(`${f.name}${suffix}${lbl} ${formatValue(s.value)}`);
    }
  }
  return out.join("\n") + "\n";
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
