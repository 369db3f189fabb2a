// ckit's metric names, help texts, labels and types (the recorded Describe output and a scrape of a live
// two-node ckit cluster, label "vec-cluster") against ours, with each documented difference spelled out
// (docs/protocols/ckit.md §6, §7): every *_total is a counter,
// stream_rx_packets_failed_total exists, cluster_node_info and cluster_node_lamport_time carry
// cluster_name.
import { describe, expect, it } from "vitest";
import { CkitNode, GOSSIP_EVENTS, transportMetrics } from "../../src/ckit/index.ts";
import { simPlatform } from "../../src/platform/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { vectors } from "./vectors.ts";

const M = vectors.metrics;
const OURS_ADD_CLUSTER_NAME = new Set(["cluster_node_info", "cluster_node_lamport_time"]);
const OURS_REGISTERED_EXTRA = ["cluster_transport_stream_rx_packets_failed_total"];

async function scrape() {
  const clock = new SimClock();
  const p = simPlatform({ clock });
  const net = new MemoryNetwork(clock);
  // The recorder scraped node metrics-a of two participant nodes; the transport metrics sit beside.
  transportMetrics(p.metrics, { rx: () => 0, tx: () => 0 });
  const other = simPlatform({ clock });
  const a = await CkitNode.create(p, { name: "metrics-a", label: "vec-cluster", transport: net.transport("10.0.0.1:7946") });
  const b = await CkitNode.create(other, { name: "metrics-b", label: "vec-cluster", transport: net.transport("10.0.0.2:7946") });
  const j = b.start(["10.0.0.1:7946"]);
  await clock.advance(100);
  await j;
  const changes = Promise.all([a.changeState(1), b.changeState(1)]);
  await clock.advance(10_000);
  await changes;
  await a.state.observersIdle();
  const snap = p.metrics.snapshot();
  const stops = Promise.all([a.stop(), b.stop()]);
  await clock.advance(10_000);
  await stops;
  return snap;
}

describe("ckit metrics", () => {
  it("the same 24 families, help texts and label names as ckit (plus the documented changes)", async () => {
    const snap = await scrape();
    const byName = new Map(snap.map((f) => [f.name, f]));
    expect(M.describe).toHaveLength(24);
    for (const d of M.describe) {
      const f = byName.get(d.name);
      expect(f, d.name).toBeDefined();
      expect(f!.help, d.name).toBe(d.help);
      const want = new Set([...(d.constLabels ? [d.constLabels.split("=")[0]!] : []), ...(d.variableLabels ?? [])]);
      if (OURS_ADD_CLUSTER_NAME.has(d.name)) want.add("cluster_name");
      for (const s of f!.samples) {
        const got = new Set(Object.keys(s.labels).filter((k) => k !== "le"));
        expect([...got].sort(), d.name).toEqual([...want].sort());
      }
    }
    for (const extra of OURS_REGISTERED_EXTRA) expect(byName.has(extra)).toBe(true);
    const ours = [...byName.keys()].filter((n) => n.startsWith("cluster_")).sort();
    expect(ours).toEqual([...M.describe.map((d) => d.name), ...OURS_REGISTERED_EXTRA].sort());
  });

  it("types: ckit's, except that every *_total is a counter", async () => {
    const snap = await scrape();
    const byName = new Map(snap.map((f) => [f.name, f]));
    for (const t of M.scrapedTypeLines) {
      const want = t.name.endsWith("_total") ? "counter" : t.type;
      expect(byName.get(t.name)!.type, t.name).toBe(want);
    }
  });

  it("the scraped label sets of a live two-node cluster", async () => {
    const snap = await scrape();
    const byName = new Map(snap.map((f) => [f.name, f]));
    for (const g of M.gathered) {
      const got = new Set(
        byName.get(g.name)!.samples.filter((s) => !("le" in s.labels) && !s.suffix).map((s) =>
          Object.entries(s.labels)
            .filter(([k]) => !(OURS_ADD_CLUSTER_NAME.has(g.name) && k === "cluster_name"))
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        ),
      );
      if (g.type === "HISTOGRAM") continue; // histogram series are _bucket/_sum/_count
      for (const want of g.labelSets) expect(got.has(want), `${g.name} {${want}}`).toBe(true);
    }
    expect([...GOSSIP_EVENTS]).toEqual(M.gossipEventLabelValuesFromSource);
  });
});
