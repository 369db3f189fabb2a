// Benchmark reporting: every figure is printed in a table next to a baseline measured in the same run
// (machines are noisy, so ratios matter more than absolute numbers), and collected for
// bench/results/latest.json.
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

export class Reporter {
  readonly records: Measurement[] = [];

  /** Record rows and print them as a table. `higherIsBetter` orients the ratio column. */
  table(title: string, rows: Measurement[], higherIsBetter = true): void {
    for (const r of rows) {
      if (r.baselineValue !== undefined && r.ratio === undefined && r.baselineValue !== 0) {
        const ratio = higherIsBetter ? r.value / r.baselineValue : r.baselineValue / r.value;
        // A zero on the "better" side (e.g. no false positives against a baseline that had some) has no
        // finite ratio: print it as such and leave the ratio out of the JSON record.
        if (Number.isFinite(ratio)) r.ratio = ratio;
      }
      this.records.push(r);
    }
    const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toExponential(3) : v.toPrecision(4));
    const w = Math.max(24, ...rows.map((r) => r.name.length));
    console.log(`\n## ${title}`);
    console.log(`${"measurement".padEnd(w)}  ${"value".padStart(12)}  ${"unit".padEnd(10)}  ${"vs baseline".padEnd(24)}  ratio`);
    for (const r of rows) {
      const base = r.baseline ? `${r.baseline}` : "";
      console.log(
        `${r.name.padEnd(w)}  ${fmt(r.value).padStart(12)}  ${r.unit.padEnd(10)}  ${base.padEnd(24)}  ${r.ratio !== undefined ? r.ratio.toFixed(2) + "x" : r.baselineValue !== undefined && r.value === 0 ? "0 vs baseline" : ""}`,
      );
    }
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
