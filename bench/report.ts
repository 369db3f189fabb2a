// Benchmark reporting: every figure is printed in a table next to a baseline measured in the same run
// (machines are noisy, so ratios matter more than absolute numbers), and collected for
// bench/results/latest.json. Each table has a short, stable `group` key (e.g. "lpm ipv4 10k",
// "relay node 64B 1 pair") that every one of its records carries, so a record is found by
// (group, name) without knowing the order in which the benches printed it.
export interface Measurement {
  name: string;
  unit: string;
  value: number;
  /** Name of the same-run baseline this figure is compared against (if any). */
  baseline?: string;
  baselineValue?: number;
  /** value / baselineValue, oriented so that > 1 means "better than baseline" when higherIsBetter. */
  ratio?: number;
}

/** A record as written to bench/results/latest.json: the measurement and the group (table) it belongs to. */
export interface BenchRecord extends Measurement {
  group: string;
}

/** Group keys: lower case, words separated by single spaces (letters, digits and a few separators). */
const GROUP_RE = /^[a-z0-9][a-z0-9.+/:=<>_-]*(?: [a-z0-9.+/:=<>_-]+)*$/i;

export class Reporter {
  readonly records: BenchRecord[] = [];
  /** Table titles by group, in print order. */
  readonly groups = new Map<string, string>();

  /**
   * Records rows under `group` and prints them as a table titled `title`. `higherIsBetter` orients the
   * ratio column. A group names one table: using it twice, or a row name twice in it, is an error.
   */
  table(group: string, title: string, rows: Measurement[], higherIsBetter = true): void {
    if (!GROUP_RE.test(group)) throw new Error(`bench group ${JSON.stringify(group)} is not a short key`);
    if (this.groups.has(group)) throw new Error(`bench group ${JSON.stringify(group)} is used by two tables`);
    const names = new Set<string>();
    for (const r of rows) {
      if (names.has(r.name)) throw new Error(`bench group ${JSON.stringify(group)} has two records named ${JSON.stringify(r.name)}`);
      names.add(r.name);
    }
    this.groups.set(group, title);
    for (const r of rows) {
      if (r.baselineValue !== undefined && r.ratio === undefined && r.baselineValue !== 0) {
        const ratio = higherIsBetter ? r.value / r.baselineValue : r.baselineValue / r.value;
        // A zero on the "better" side (e.g. no false positives against a baseline that had some) has no
        // finite ratio: print it as such and leave the ratio out of the JSON record.
        if (Number.isFinite(ratio)) r.ratio = ratio;
      }
      this.records.push({ group, ...r });
    }
    const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toExponential(3) : v.toPrecision(4));
    const w = Math.max(24, ...rows.map((r) => r.name.length));
    console.log(`\n## ${title}  [${group}]`);
    console.log(`${"measurement".padEnd(w)}  ${"value".padStart(12)}  ${"unit".padEnd(10)}  ${"vs baseline".padEnd(24)}  ratio`);
    for (const r of rows) {
      const base = r.baseline ? `${r.baseline}` : "";
      console.log(
        `${r.name.padEnd(w)}  ${fmt(r.value).padStart(12)}  ${r.unit.padEnd(10)}  ${base.padEnd(24)}  ${r.ratio !== undefined ? r.ratio.toFixed(2) + "x" : r.baselineValue !== undefined && r.value === 0 ? "0 vs baseline" : ""}`,
      );
    }
  }

  /** The record named `name` in `group`, if any. */
  find(group: string, name: string): BenchRecord | undefined {
    return this.records.find((r) => r.group === group && r.name === name);
  }

  /** What bench/results/latest.json holds. */
  toJSON(meta: Record<string, unknown>): Record<string, unknown> {
    return { ...meta, groups: Object.fromEntries(this.groups), records: this.records };
  }
}

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function opsPerSecond(fn: () => number | void, opsPerCall = 1, ms = 300): number {
  const t0 = performance.now();
  while (performance.now() - t0 < ms / 3) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  return (calls * opsPerCall) / ((now - start) / 1000);
}

/** Median of several opsPerSecond rounds, to damp noise from a shared machine. */
export function medianOps(fn: () => number | void, opsPerCall = 1, rounds = 5, ms = 200): number {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(opsPerSecond(fn, opsPerCall, ms));
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}
