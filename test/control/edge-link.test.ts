// The edge link's rules on a simulated edge: catch-up both ways, persisted cursors (a restarted link
// neither re-snapshots nor re-sends), reset means re-snapshot, no echo of what came from the edge, a
// refused envelope is isolated and skipped while the rest lands, outages are retried with backoff.
import { describe, expect, it } from "vitest";
import { EdgeError, EdgeLink, type EdgeClient } from "../../src/control/index.ts";
import { createTsLpm } from "../../src/hotpath/lpm.ts";
import { MemoryStorage, StateStore } from "../../src/state/index.ts";
import { seededRandom } from "../../src/util/clock.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { MetricsRegistry, renderPrometheus } from "../../src/util/metrics.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { SimEdge } from "./sim-edge.ts";

const T = 1_700_000_000;
const route = (subnet: string, ts = T, action = "add") => JSON.stringify({ type: 5, payload: { subnet, machine_id: "m", ion_id: "i", timestamp: ts, action } });

function setup() {
  const clock = new SimClock();
  const wall = () => T * 1000 + clock.now();
  const mk = (s: MemoryStorage) => new StateStore({ lpm: createTsLpm, storage: s, now: wall, sweepIntervalMs: 0 });
  const edge = new SimEdge(mk(new MemoryStorage()), clock);
  const storage = new MemoryStorage();
  let store = mk(storage);
  const metrics = new MetricsRegistry();
  const link = (client: EdgeClient = edge.client(), s = store) =>
    new EdgeLink({ store: s, cursors: storage, client, edgeId: "e", clock, random: seededRandom(1), wallClock: wall, logger: nullLogger, metrics, backoffMaxMs: 1_000 });
  return { clock, edge, storage, metrics, get store() { return store; }, reopen: () => (store = mk(storage)), link };
}

describe("edge link", () => {
  it("catches up both ways and resumes from persisted cursors without re-sending or re-snapshotting", async () => {
    const s = setup();
    s.store.applyBatch([route("10.1.0.0/16"), route("10.2.0.0/16")]);
    s.edge.store.apply(route("10.3.0.0/16"));
    let l = s.link();
    l.start();
    await s.clock.advance(500);
    expect(s.edge.store.route("10.1.0.1")).not.toBeNull();
    expect(s.store.route("10.3.0.1")).not.toBeNull();
    const posts = s.edge.posts;
    await l.stop();
    const store2 = s.reopen(); // a restart on the same storage
    l = s.link(undefined, store2);
    l.start();
    s.edge.store.apply(route("10.4.0.0/16"));
    await s.clock.advance(500);
    expect(store2.route("10.4.0.1")).not.toBeNull();
    expect(s.edge.posts).toBe(posts); // nothing to re-send: the echo of the down frame is skipped too
    expect(renderPrometheus(s.metrics.snapshot())).toMatch(/gossamer_edge_link_snapshots_total 1\n/);
    expect(l.status()).toMatchObject({ up: { state: "connected", pending: 0 }, down: { state: "connected" } });
    await l.stop();
  });

  it("retries through an outage and delivers what was acknowledged locally meanwhile", async () => {
    const s = setup();
    const l = s.link();
    l.start();
    await s.clock.advance(100);
    s.edge.setDown(true);
    for (let i = 0; i < 5; i++) s.store.apply(route(`10.${10 + i}.0.0/16`));
    await s.clock.advance(3_000);
    expect(s.edge.store.route("10.10.0.1")).toBeNull();
    expect(l.status().up).toMatchObject({ state: "retrying", pending: 5 });
    s.edge.setDown(false);
    await s.clock.advance(3_000);
    for (let i = 0; i < 5; i++) expect(s.edge.store.route(`10.${10 + i}.0.1`)).not.toBeNull();
    expect(l.status().up.pending).toBe(0);
    expect(renderPrometheus(s.metrics.snapshot())).toMatch(/gossamer_edge_link_retries_total\{direction="up"\} [1-9]/);
    await l.stop();
  });

  it("isolates and skips an envelope the edge refuses (400), delivering the rest", async () => {
    const s = setup();
    const inner = s.edge.client();
    const client: EdgeClient = {
      ...inner,
      post: async (batch) => {
        if (batch.includes("10.66.")) throw new EdgeError("state.reject.bad_subnet", "refused", { status: 400, retryable: false });
        return inner.post(batch);
      },
    };
    s.store.applyBatch([route("10.65.0.0/16"), route("10.66.0.0/16"), route("10.67.0.0/16"), route("10.68.0.0/16")]);
    const l = s.link(client);
    l.start();
    await s.clock.advance(500);
    expect(["10.65.0.1", "10.67.0.1", "10.68.0.1"].map((ip) => s.edge.store.route(ip) !== null)).toEqual([true, true, true]);
    expect(s.edge.store.route("10.66.0.1")).toBeNull();
    expect(l.status().up.pending).toBe(0);
    expect(renderPrometheus(s.metrics.snapshot())).toMatch(/gossamer_edge_link_rejected_total 1\n/);
    await l.stop();
  });

  it("re-snapshots when the edge resets its cursor, and starts over for another edge", async () => {
    const s = setup();
    s.storage.saveCursor("edge.id", "e");
    s.storage.saveCursor("edge.down", "999"); // a cursor this edge never issued -> reset
    s.edge.store.apply(route("10.5.0.0/16"));
    const l = s.link();
    l.start();
    await s.clock.advance(500);
    expect(s.store.route("10.5.0.1")).not.toBeNull();
    expect(l.status().down.cursor).toBe(String(s.edge.store.cursor));
    await l.stop();
    s.storage.saveCursor("edge.up", "5");
    const other = new EdgeLink({ store: s.store, cursors: s.storage, client: s.edge.client(), edgeId: "another", clock: s.clock, random: seededRandom(2), wallClock: () => 0, logger: nullLogger, metrics: new MetricsRegistry() });
    expect(other.status()).toMatchObject({ up: { cursor: 0 }, down: { cursor: null } });
  });
});
