// prom-client counters that read a core's plain counters at scrape time, shared by the relay and the
// cluster-fabric metrics. The invariant they guard: the data path only bumps numbers; prom-client is
// touched in collect() alone (reset, then re-add the current totals), so a scrape never double-counts.
import { Counter } from "prom-client";
import type { Registry } from "prom-client";

/** An unlabelled counter whose value is `read()` at each scrape. */
export function scrapedTotal(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * A counter with one label: at each scrape, one sample per key of `read()` (label value = key). Keys not
 * present are not exported.
 */
export function scrapedByLabel(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => Partial<Record<string, number>>,
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, v] of Object.entries(read())) this.inc({ [label]: key }, v ?? 0);
    },
  });
}
