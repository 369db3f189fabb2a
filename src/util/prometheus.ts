// Prometheus text exposition (format 0.0.4): metric families as plain data, and the one writer that
// renders them for every runtime (Node's and the worker's /metrics; no Node-only metrics library).
// Names and label names that Prometheus would reject are skipped; HELP and label values escaped.

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Record<string, string>;

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** `suffix` names a histogram series ("_bucket", "_sum", "_count"); empty for counters and gauges. */
  samples: { labels: Labels; value: number; suffix?: string }[];
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
