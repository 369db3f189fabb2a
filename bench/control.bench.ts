// Control plane benchmarks (issue 8, deliverable 6), each table against a baseline measured in the same run:
//   control-ingest         decode + apply of a 10k-envelope batch vs bare JSON.parse of the same bytes;
//                          envelopes/s with node:sqlite persistence (one transaction per batch)
//   control-pushpull-size  push/pull user state of 10k / 100k records: JSON bytes, LZW bytes on the wire,
//                          against memberlist's stream limits (ours, Go's encrypted cap); the time a late
//                          joiner takes to merge it (against the 10 s goal for the whole join)
//   control-dissemination  simulation, 1000 agents, LAN profile: time for a new route to reach 99.9% of
//                          agents; time for all to agree after a healed partition vs one push/pull interval
//   control-edge           real processes: Go ion -> agent -> edge (the worker on bare workerd, bench/workerd.ts:
//                          no inspector, no tail worker, its own socket): a route broadcast by the ion answered
//                          by the edge's /v1/route (p50/p99, vs the edge's bare /healthz RTT); envelopes/s one
//                          agent sustains into the edge
// Set CONTROL_BENCH_EDGE=0 to skip the last group (it needs Go, memberlist 0.2.2 sources and wrangler);
// CONTROL_BENCH_ONLY=ingest,size,sim,edge runs only the named groups (the 1000-agent simulation takes
// several minutes of real time on a 2-core machine).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { StateGossip } from "../src/control/index.ts";
import { encodeToString, type GossipMessage } from "../src/gossip/index.ts";
import { decodeBatch } from "../src/gossip/decode.ts";
import { createTsLpm } from "../src/hotpath/lpm.ts";
import { encodeCompressed } from "../src/memberlist/codec/compress.ts";
import { STREAM_MESSAGE_BYTES } from "../src/memberlist/codec/index.ts";
import { SimCluster, pushPullScale, type Memberlist } from "../src/memberlist/index.ts";
import { SqliteStateStorage } from "../src/node/sqlite-storage.ts";
import { STATE_STREAM_BYTES } from "../src/node/control.ts";
import { MemoryStorage, StateStore } from "../src/state/index.ts";
import { nullLogger } from "../src/util/logger.ts";
import { MetricsRegistry } from "../src/util/metrics.ts";
import type { Reporter } from "./report.ts";

const T0 = 1_700_000_000;
const MiB = 1024 * 1024;

/** A typical mix: half endpoint mappings, half /64 subnet routes (as Go's Encode writes them). */
function envelopes(n: number, salt = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + salt;
    const m: GossipMessage =
      i % 2
        ? {
            type: 1,
            payload: {
              v: 0,
              gravity_vip: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`,
              hadron_vip: `fd15:d710:2:5::${j.toString(16)}`,
              container_id: `ctr-${j}`,
              machine_id: `machine-${j % 20}`,
              project_id: `proj_${j % 50}`,
              dns_names: [`ctr-${j}.agentuity.run`],
              timestamp: T0 + (j % 1000),
              sni_hostname: `d-${j.toString(16)}`,
            },
          }
        : { type: 5, payload: { v: 0, subnet: `fd15:${(j >> 16).toString(16)}:${(j & 0xffff).toString(16)}::/64`, machine_id: `machine-${j % 20}`, ion_id: `10.0.0.${j % 8}:7946`, timestamp: T0 + (j % 1000), action: "add" } };
    out.push(encodeToString(m));
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Median ms of `rounds` timed calls (after one warm-up). */
function timeMs(fn: () => void, rounds = 7): number {
  fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

function ingest(r: Reporter): void {
  const N = 10_000;
  const bytes = new TextEncoder().encode(`[${envelopes(N).join(",")}]`);
  const td = new TextDecoder();
  const parse = timeMs(() => JSON.parse(td.decode(bytes)));
  const dec = timeMs(() => decodeBatch(bytes, { maxBytes: 1 << 30 }));
  const mem = timeMs(() => new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: () => T0 * 1000, sweepIntervalMs: 0 }).applyBatch(bytes, { maxBytes: 1 << 30 }), 5);
  const dir = mkdtempSync(path.join(os.tmpdir(), "ctl-bench-"));
  const sqlite = (sync: "FULL" | "NORMAL") => {
    let k = 0;
    return timeMs(() => {
      const s = new SqliteStateStorage(path.join(dir, `b-${sync}-${k++}.sqlite`), { synchronous: sync });
      new StateStore({ lpm: createTsLpm, storage: s, now: () => T0 * 1000, sweepIntervalMs: 0 }).applyBatch(bytes, { maxBytes: 1 << 30 });
      s.close();
    }, 3);
  };
  const full = sqlite("FULL");
  const normal = sqlite("NORMAL");
  rmSync(dir, { recursive: true, force: true });
  const eps = (ms: number) => (N / ms) * 1000;
  r.table(
    "control-ingest",
    "control-ingest: a 10k-envelope batch (1.9 MiB), envelopes/s (goal: decode+apply >= 0.33x JSON.parse in memory; >= 100k/s on node:sqlite)",
    [
      { name: "JSON.parse (baseline)", unit: "env/s", value: eps(parse) },
      { name: "decode only", unit: "env/s", value: eps(dec), baseline: "JSON.parse (baseline)", baselineValue: eps(parse) },
      { name: "decode+apply, memory", unit: "env/s", value: eps(mem), baseline: "JSON.parse (baseline)", baselineValue: eps(parse) },
      { name: "decode+apply, node:sqlite FULL", unit: "env/s", value: eps(full), baseline: "decode+apply, memory", baselineValue: eps(mem) },
      { name: "decode+apply, node:sqlite NORMAL", unit: "env/s", value: eps(normal), baseline: "decode+apply, memory", baselineValue: eps(mem) },
    ],
  );
}

function pushPullSize(r: Reporter): void {
  const rows = [];
  for (const n of [10_000, 100_000]) {
    const store = new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: () => T0 * 1000, sweepIntervalMs: 0 });
    const all = envelopes(n);
    for (let i = 0; i < all.length; i += 10_000) store.applyBatch(all.slice(i, i + 10_000));
    const g = new StateGossip({ store, queue: { queueBroadcast() {}, numQueued: () => 0, prune() {} }, logger: nullLogger, metrics: new MetricsRegistry() });
    let state: Uint8Array = new Uint8Array(0);
    const build = timeMs(() => (state = g.localState(false)), 3);
    const wire = encodeCompressed(state);
    // What a late joiner does with that state: merge it into an empty store (a fresh StateGossip per round).
    const merge = timeMs(() => {
      const late = new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: () => T0 * 1000, sweepIntervalMs: 0 });
      new StateGossip({ store: late, queue: { queueBroadcast() {}, numQueued: () => 0, prune() {} }, logger: nullLogger, metrics: new MetricsRegistry() }).mergeRemoteState(state, true);
      if (late.size !== n) throw new Error(`late joiner holds ${late.size} of ${n} records`);
    }, 3);
    rows.push(
      { name: `${n / 1000}k records: user state JSON`, unit: "MiB", value: state.length / MiB, baseline: "our stream cap", baselineValue: STATE_STREAM_BYTES / MiB },
      { name: `${n / 1000}k records: LZW on the wire`, unit: "MiB", value: wire.length / MiB, baseline: "Go encrypted cap (20 MiB)", baselineValue: 20 },
      { name: `${n / 1000}k records: build state`, unit: "ms", value: build },
      { name: `${n / 1000}k records: merged by a late joiner (memory)`, unit: "ms", value: merge, baseline: "late-joiner goal (10 s)", baselineValue: 10_000 },
    );
  }
  rows.push({ name: "memberlist default stream cap", unit: "MiB", value: STREAM_MESSAGE_BYTES / MiB });
  r.table("control-pushpull-size", "control-pushpull-size: Gravity state in one push/pull (ratio = limit / size: > 1 fits)", rows, false);
}

async function dissemination(r: Reporter): Promise<void> {
  const N = 1000;
  const gossips: StateGossip[] = [];
  const cluster = new SimCluster({
    profile: "lan",
    seed: 7,
    network: { latencyMs: 1, jitterMs: 1 },
    config: (i) => ({
      delegate: {
        notifyMsg: (b) => gossips[i]!.notifyMsg(b),
        localState: (j) => gossips[i]!.localState(j),
        mergeRemoteState: (b, j) => gossips[i]!.mergeRemoteState(b, j),
      },
    }),
  });
  const wall = () => T0 * 1000 + cluster.clock.now();
  const stores: StateStore[] = [];
  await cluster.startConverged(N);
  for (let i = 0; i < N; i++) {
    const s = new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: wall, sweepIntervalMs: 0, ownerTtlSeconds: 0 });
    stores.push(s);
    gossips.push(new StateGossip({ store: s, queue: (cluster.members[i] as Memberlist).broadcasts, logger: nullLogger, metrics: new MetricsRegistry() }));
  }
  const route = (subnet: string, ts: number) => encodeToString({ type: 5, payload: { v: 0, subnet, machine_id: "m", ion_id: "i", timestamp: ts, action: "add" } });
  const has = (s: StateStore, ip: string) => s.route(ip) !== null;
  const realStart = performance.now();
  // 1. A new route from one agent: time until 99.9% (and 100%) of agents hold it.
  const reach: number[] = [];
  const reachAll: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = cluster.clock.now();
    stores[k * 97]!.apply(route(`10.${k}.0.0/16`, T0 + k));
    let t999 = NaN;
    for (let step = 0; step < 400; step++) {
      await cluster.run(25);
      const n = stores.filter((s) => has(s, `10.${k}.1.1`)).length;
      if (Number.isNaN(t999) && n >= Math.ceil(0.999 * N)) t999 = cluster.clock.now() - t0;
      if (n === N) break;
    }
    reach.push(t999);
    reachAll.push(cluster.clock.now() - t0);
  }
  // 2. A partition (halves) for 2 s, 20 routes written on each side, then heal: time until all agree.
  const half = cluster.members.map((m, i) => ({ a: m.core.advHost + ":" + m.core.advPort, i }));
  cluster.net.partition(half.filter((x) => x.i < N / 2).map((x) => x.a), half.filter((x) => x.i >= N / 2).map((x) => x.a));
  for (let k = 0; k < 20; k++) {
    stores[k]!.apply(route(`10.100.${k}.0/24`, T0));
    stores[N - 1 - k]!.apply(route(`10.101.${k}.0/24`, T0));
  }
  await cluster.run(2_000);
  cluster.net.heal();
  const healed = cluster.clock.now();
  const agreed = () => stores.every((s) => has(s, "10.100.19.1") && has(s, "10.101.19.1") && has(s, "10.100.0.1") && has(s, "10.101.0.1"));
  let agreeMs = NaN;
  for (let step = 0; step < 2400; step++) {
    await cluster.run(50);
    if (agreed()) {
      agreeMs = cluster.clock.now() - healed;
      break;
    }
  }
  const realMs = performance.now() - realStart;
  await cluster.shutdown();
  const interval = pushPullScale(30_000, N);
  r.table(
    "control-dissemination",
    `control-dissemination: simulation, ${N} agents, LAN profile (${(realMs / 1000).toFixed(1)} s real time)`,
    [
      { name: "new route reaches 99.9% (median of 3)", unit: "ms", value: median(reach), baseline: "goal 2 s", baselineValue: 2000 },
      { name: "new route reaches 100% (median of 3)", unit: "ms", value: median(reachAll) },
      { name: "healed partition: all agree", unit: "ms", value: agreeMs, baseline: "one push/pull interval", baselineValue: 30_000 },
      { name: "push/pull interval scaled for 1000", unit: "ms", value: interval },
    ],
    false,
  );
}

async function edgePath(r: Reporter): Promise<void> {
  const { EDGE_TOKEN } = await import("../test/interop/edge.ts");
  const { bundleDir, bundleGossamer, startWorkerd } = await import("./workerd.ts");
  const { buildIon, Ion } = await import("../test/interop/ion-harness.ts");
  const { AgentProc, killAll } = await import("../test/interop/harness.ts");
  buildIon();
  const bundle = bundleDir();
  const workerd = await startWorkerd("gossamer", await bundleGossamer(bundle.dir), { RELAY_SHARDS: "1" });
  const edge = { url: workerd.base, token: EDGE_TOKEN };
  try {
    const auth = { authorization: `Bearer ${edge.token}` };
    const ion = await Ion.start("bench-ion");
    const agent = await new AgentProc("bench-agent", ["--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--http-token", "t", "--profile", "lan", "--edge", edge.url, "--edge-token", edge.token, "--join", ion.addr]).running(20_000);
    const agentUrl = `http://127.0.0.1:${agent.httpPort}`;
    // Baseline: a bare round trip to the edge.
    const rtt: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await (await fetch(`${edge.url}/healthz`)).arrayBuffer();
      rtt.push(performance.now() - t);
    }
    // A route broadcast by the Go ion, until the edge's /v1/route answers it.
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      ion.send(`route 10.200.${i}.0/24 ${T0 + i} add`);
      for (;;) {
        const m = (await (await fetch(`${edge.url}/v1/route?ip=10.200.${i}.9`, { headers: auth })).json()) as { match: unknown };
        if (m.match !== null) break;
        if (performance.now() - t > 10_000) throw new Error("route never reached the edge");
        await new Promise((res) => setTimeout(res, 2));
      }
      lat.push(performance.now() - t);
    }
    // Baseline: the edge's own ingest rate, 8000-envelope POSTs straight to it.
    const rawT = performance.now();
    const direct = envelopes(40_000, 2_000_000);
    for (let i = 0; i < direct.length; i += 8_000) await (await fetch(`${edge.url}/v1/messages`, { method: "POST", body: `[${direct.slice(i, i + 8_000).join(",")}]`, headers: auth })).arrayBuffer();
    const raw = (direct.length / (performance.now() - rawT)) * 1000;
    // Throughput: 50k envelopes POSTed to the agent in 5k batches; time until the edge acknowledged all.
    const total = 50_000;
    const all = envelopes(total, 1_000_000);
    const metric = async (re: RegExp) => Number(re.exec(await (await fetch(`${agentUrl}/metrics`)).text())?.[1] ?? "NaN");
    const upBefore = await metric(/gossamer_edge_link_messages_total\{direction="up"\} (\d+)/);
    const t = performance.now();
    for (let i = 0; i < total; i += 5_000) {
      const res = await fetch(`${agentUrl}/v1/messages`, { method: "POST", body: `[${all.slice(i, i + 5_000).join(",")}]`, headers: { authorization: "Bearer t" } });
      if (res.status !== 200) throw new Error(`POST: ${res.status}`);
    }
    for (;;) {
      const sent = (await metric(/gossamer_edge_link_messages_total\{direction="up"\} (\d+)/)) - upBefore;
      const lag = await metric(/gossamer_edge_link_lag_cursor\{direction="up"\} (\d+)/);
      if (sent >= total && lag === 0) break;
      if (performance.now() - t > 120_000) throw new Error("agent never caught up with the edge");
      await new Promise((res) => setTimeout(res, 20));
    }
    const rate = (total / (performance.now() - t)) * 1000;
    r.table(
    "control-edge",
      "control-edge: Go ion -> agent -> edge (bare workerd), loopback",
      [
        { name: "edge /healthz round trip p50 (baseline)", unit: "ms", value: quantile(rtt, 0.5) },
        { name: "route broadcast -> /v1/route p50", unit: "ms", value: quantile(lat, 0.5), baseline: "goal p50 200 ms", baselineValue: 200 },
        { name: "route broadcast -> /v1/route p99", unit: "ms", value: quantile(lat, 0.99), baseline: "goal p99 1 s", baselineValue: 1000 },
      ],
      false,
    );
    r.table(
    "control-edge-throughput",
      "control-edge-throughput: envelopes/s one agent sustains into the edge (POSTed to the agent, acknowledged by the edge)",
      [
        { name: "edge raw ingest, 8000-envelope POSTs (baseline)", unit: "env/s", value: raw },
        { name: "agent -> edge sustained", unit: "env/s", value: rate, baseline: "goal 5k env/s", baselineValue: 5000 },
      ],
    );
  } finally {
    await killAll();
    await workerd.stop();
    bundle.remove();
  }
}

export async function run(r: Reporter): Promise<void> {
  // CONTROL_BENCH_ONLY=ingest,size,sim,edge picks groups (default: all).
  const only = (process.env["CONTROL_BENCH_ONLY"] ?? "ingest,size,sim,edge").split(",");
  if (only.includes("ingest")) ingest(r);
  if (only.includes("size")) pushPullSize(r);
  if (only.includes("sim")) await dissemination(r);
  if (only.includes("edge") && process.env["CONTROL_BENCH_EDGE"] !== "0") await edgePath(r);
}
