// Worker bench: the gossamer worker in workerd WITHOUT the dev tooling (no inspector, no observability
// tail; see bench/workerd.ts), clients on workerd's own socket, and in the same run a bare
// hibernatable-WebSocket forwarder Durable Object (bench/fixtures/bare-forwarder.ts) as the floor:
//   - relay messages/s and workerd CPU per message: one shard, across two shards (batching on, and off
//     to show what batching buys), and the bare forwarder with the same clients and traffic
//     (bench/load.ts). Goals (issue 7): one shard >= 0.95x bare msg/s, across shards >= 0.8x.
//   - state-store merges/s over HTTP (batched and one envelope per request), route lookups/s against
//     GET /healthz (the HTTP floor through the worker).
// The workerd instances stay up for the whole bench; rounds alternate the configurations and keep each
// one's best round (noise only slows things down). Bounded: fixed phase lengths, every workerd is
// stopped in `finally`; about two minutes in all.
import { Agent, request } from "node:http";
import { issueToken } from "../src/relay/auth.ts";
import type { Endpoint, LoadResult } from "./load.ts";
import { runLoad } from "./load.ts";
import type { Measurement, Reporter } from "./report.ts";
import type { Workerd } from "./workerd.ts";
import { bundleBare, bundleDir, bundleGossamer, startWorkerd } from "./workerd.ts";

const RELAY_SECRET = "dev-relay-secret"; // wrangler.toml [vars] development defaults
const STORE_TOKEN = "dev-store-token";
const PHASE_MS = 4000;
const RELAY_MEASURE_MS = 3000;
const RELAY_WARMUP_MS = 700;
const ROUNDS = 4;
const PAIRS = 2;
const WINDOW = 256;
const SIZE = 64;

const ws = (base: string, path: string) => `${base.replace("http", "ws")}${path}`;

/** Relay throughput with PAIRS pairs, senders on shard `from`, receivers on shard `to` (or the bare DO). */
function relayLoad(wd: Workerd, kind: "relay" | "bare", token: Uint8Array, from = 0, to = 0): Promise<LoadResult> {
  const ep = (shard: number): Endpoint => ({ kind, url: kind === "bare" ? ws(wd.base, "/") : ws(wd.base, `/relay?shard=${shard}`) });
  return runLoad({
    pairs: Array.from({ length: PAIRS }, () => ({ from: ep(from), to: ep(to) })),
    token,
    size: SIZE,
    window: WINDOW,
    warmupMs: RELAY_WARMUP_MS,
    measureMs: RELAY_MEASURE_MS,
    settleMs: kind === "relay" ? 300 : 0, // directory registrations land
    cpu: wd.cpu,
  });
}

/** Cross-shard packets forwarded and link messages spent on them, summed over shards, from /metrics. */
async function relayBatches(base: string): Promise<{ packets: number; batches: number }> {
  const text = (await http(base, "GET", "/metrics")).text;
  const sum = (re: RegExp) => text.split("\n").filter((l) => re.test(l)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  return { packets: sum(/^relay_cluster_forwards_total\{result="ok"/), batches: sum(/^relay_forward_batches_total\{/) };
}

/** Runs `op` with `concurrency` workers for PHASE_MS; returns completed units per second. */
async function httpRate(op: () => Promise<number>, concurrency: number): Promise<number> {
  let units = 0;
  const end = performance.now() + PHASE_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const n = await op(); // not `units += await op()`: that reads `units` before the await
        units += n;
      }
    }),
  );
  return units / ((performance.now() - t0) / 1000);
}

/** HTTP through node:http with one keep-alive agent (explicit connection reuse, bounded sockets). */
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
function http(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        agent,
        timeout: 30_000,
        headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error(`${method} ${path} timed out`)));
    r.on("error", reject);
    r.end(body);
  });
}

let seq = 0;
function envelope(i: number): string {
  return JSON.stringify({
    type: 1,
    payload: {
      gravity_vip: "fd00::1", hadron_vip: `fd00::${(i % 65000).toString(16)}`, container_id: `c${i % 5000}`, machine_id: "m1", project_id: "p1",
      dns_names: [`c${i}.example`], timestamp: 1700000000 + i, sni_hostname: "", v: 185,
    },
  });
}

async function postMessages(base: string, body: string): Promise<void> {
  const r = await http(base, "POST", "/v1/messages", body, { authorization: `Bearer ${STORE_TOKEN}` });
  if (r.status !== 200) throw new Error(`POST /v1/messages: ${r.status} ${r.text}`);
}

async function storeRates(base: string): Promise<{ batched: number; single: number; routes: number; healthz: number }> {
  const BATCH = 100;
  const batched = await httpRate(async () => {
    await postMessages(base, `[${Array.from({ length: BATCH }, () => envelope(seq++)).join(",")}]`);
    return BATCH;
  }, 4);
  const single = await httpRate(async () => {
    await postMessages(base, envelope(seq++));
    return 1;
  }, 8);
  // route table: 2000 IPv4 subnets, 500 IPv6 /64s, 1000 NAT host entries
  const routesBody: string[] = [];
  for (let i = 0; i < 2000; i++) routesBody.push(JSON.stringify({ type: 5, payload: { subnet: `10.${i >> 8}.${i & 255}.0/24`, machine_id: "m", ion_id: "i", timestamp: 1700000000, action: "add", v: 231 } }));
  for (let i = 0; i < 500; i++) routesBody.push(JSON.stringify({ type: 5, payload: { subnet: `fd15:d710:${i.toString(16)}:5::/64`, machine_id: "m", ion_id: "i", timestamp: 1700000000, action: "add", v: 231 } }));
  for (let i = 0; i < 1000; i++) routesBody.push(JSON.stringify({ type: 3, payload: { key: `n${i}`, original_dst: `10.${i >> 8}.${i & 255}.7`, original_src: "10.200.0.1", src_port: 1000, dst_port: 443, timestamp: 1700000000, v: 56 } }));
  for (let i = 0; i < routesBody.length; i += 500) await postMessages(base, `[${routesBody.slice(i, i + 500).join(",")}]`);
  let k = 0;
  const routes = await httpRate(async () => {
    const i = k++;
    const ip = i % 3 === 0 ? `fd15:d710:${(i % 500).toString(16)}:5::${(i % 9999).toString(16)}` : `10.${(i >> 8) % 8}.${i & 255}.${i % 250}`;
    const res = await http(base, "GET", `/v1/route?ip=${encodeURIComponent(ip)}`, undefined, { authorization: `Bearer ${STORE_TOKEN}` });
    if (res.status !== 200) throw new Error(`GET /v1/route: ${res.status}`);
    return 1;
  }, 8);
  const healthz = await httpRate(async () => {
    const res = await http(base, "GET", "/healthz");
    if (res.status !== 200) throw new Error(`GET /healthz: ${res.status}`);
    return 1;
  }, 8);
  return { batched, single, routes, healthz };
}

export async function run(r: Reporter): Promise<void> {
  const b = bundleDir();
  try {
    await measure(r, await bundleGossamer(b.dir), await bundleBare(b.dir));
  } finally {
    agent.destroy();
    b.remove();
  }
}

async function measure(r: Reporter, gossamer: string, bare: string): Promise<void> {
  const token = await issueToken(RELAY_SECRET);
  const best = new Map<string, LoadResult>();
  const keep = (k: string, x: LoadResult) => {
    const prev = best.get(k);
    if (!prev || x.msgsPerSec > prev.msgsPerSec) best.set(k, x);
  };
  // All three runtimes stay up for the whole bench (idle ones cost nothing) and the measurements
  // alternate within every round, so a busy moment on the machine hits each configuration alike.
  const started: Workerd[] = [];
  try {
    const on = await startWorkerd("gossamer", gossamer, { RELAY_BATCHING: "on" });
    started.push(on);
    const off = await startWorkerd("gossamer", gossamer, { RELAY_BATCHING: "off" });
    started.push(off);
    const floor = await startWorkerd("bare", bare);
    started.push(floor);
    const argv = on.argv;
    for (let round = 0; round < ROUNDS; round++) {
      const steps: Array<() => Promise<void>> = [
        async () => keep("bare", await relayLoad(floor, "bare", token)),
        async () => keep("one shard", await relayLoad(on, "relay", token, 0, 0)),
        async () => keep("across shards", await relayLoad(on, "relay", token, 0, 1)),
      ];
      if (round === 0) steps.push(async () => keep("across shards, batching off", await relayLoad(off, "relay", token, 0, 1)));
      for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
    }
    const batching = await relayBatches(on.base);
    const store = await storeRates(on.base);
    report(r, argv, best, batching, store);
  } finally {
    for (const wd of started) await wd.stop();
  }
}

function report(r: Reporter, argv: string[], best: Map<string, LoadResult>, batching: { packets: number; batches: number }, store: { batched: number; single: number; routes: number; healthz: number }): void {
  console.log(`\nworkerd command line (no --inspector-addr; no tail consumers configured): ${argv.map((a) => a.replace(/^.*\/bin\//, "")).join(" ")}`);
  const bareR = best.get("bare")!;
  const row = (name: string, k: string, base: LoadResult, baseName: string): Measurement[] => {
    const x = best.get(k)!;
    return [
      { name: `${name} msg/s`, unit: "msg/s", value: x.msgsPerSec, baseline: baseName, baselineValue: base.msgsPerSec },
      { name: `${name} CPU per msg (ratio > 1 = cheaper)`, unit: "us/msg", value: x.cpuUsPerMsg, baseline: baseName, baselineValue: base.cpuUsPerMsg, ratio: base.cpuUsPerMsg / x.cpuUsPerMsg },
      { name: `${name} p50 latency (ratio > 1 = faster)`, unit: "us", value: x.p50us, baseline: baseName, baselineValue: base.p50us, ratio: base.p50us / x.p50us },
    ];
  };
  r.table("worker relay", `worker relay on bare workerd (${SIZE} B, ${PAIRS} pairs, window ${WINDOW}; goals: one shard >= 0.95x bare, across shards >= 0.8x)`, [
    ...row("relay one shard", "one shard", bareR, "bare forwarder DO"),
    ...row("relay across shards", "across shards", bareR, "bare forwarder DO"),
    ...row("relay across shards, batching off", "across shards, batching off", bareR, "bare forwarder DO"),
    { name: "across shards: batching on vs off", unit: "msg/s", value: best.get("across shards")!.msgsPerSec, baseline: "batching off", baselineValue: best.get("across shards, batching off")!.msgsPerSec },
    { name: "packets per link message, batching on", unit: "pkt/msg", value: batching.batches ? batching.packets / batching.batches : 0, baseline: "batching off", baselineValue: 1 },
    { name: "bare forwarder DO msg/s", unit: "msg/s", value: bareR.msgsPerSec },
    { name: "bare forwarder DO CPU per msg", unit: "us/msg", value: bareR.cpuUsPerMsg },
  ]);
  r.table("worker store", "worker state store over HTTP (bare workerd)", [
    { name: "store merges, 100 per request", unit: "merges/s", value: store.batched, baseline: "1 per request", baselineValue: store.single },
    { name: "store merges, 1 per request", unit: "merges/s", value: store.single },
    { name: "route lookups (3500 prefixes)", unit: "lookups/s", value: store.routes, baseline: "GET /healthz", baselineValue: store.healthz },
    { name: "GET /healthz (HTTP floor)", unit: "req/s", value: store.healthz },
  ]);
}
