// The edge at scale (issue 13): the worker on bare workerd (bench/workerd.ts: Miniflare, no inspector, no
// local observability), one bundle, everything in the same run:
//   - route lookups/s answered by the isolate's route replica, against GET /healthz (the floor of a
//     request through the worker) and against GET /v1/state?since=<now> (one store-object hop per request,
//     what every lookup cost when the one GossipStore object answered it);
//   - writes/s (envelopes/s, batches of 100 unique endpoint mappings) with STORE_SHARDS = 1 and 4, and the
//     workerd CPU per envelope of each (one workerd runs every object on one thread, so its throughput
//     cannot show objects running side by side; the CPU per envelope shows what sharding costs);
//   - freshness: from a write's acknowledgement to its first visibility in /v1/route (no ?after), p50/p99,
//     while lookups poll every 2 ms, at STORE_SHARDS = 1 and 4 (ROUTE_REFRESH_MS / ROUTE_MAX_AGE_MS defaults);
//     the first lookup after the write rounds (a replica idle while ~10^5 records changed) is timed apart.
// Load: keep-alive HTTP/1.1 from this process, CONCURRENCY requests in flight. The machine is shared, so
// every comparison runs in ROUNDS short interleaved rounds (baseline, then target, per round) and reports
// medians, with the ratio as the median of the per-round ratios; workerd's CPU time per request (from
// /proc) is reported beside, as it moves less with the neighbours' load than throughput does.
import { Agent, request } from "node:http";
import type { Measurement, Reporter } from "./report.ts";
import { bundleDir, bundleGossamer, startWorkerd, type Workerd } from "./workerd.ts";

const TOKEN = "dev-store-token"; // wrangler.toml development STORE_TOKEN
const ROUND_MS = 600;
const ROUNDS = 8;
const CONCURRENCY = 16;
const BATCH = 100;
const FRESH_SAMPLES = 100;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(agent: Agent, base: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      { agent, method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Requests/s over `ms` with `concurrency` in flight; `next(i)` gives the i-th request. */
async function load(agent: Agent, base: string, next: (i: number) => { path: string; body?: string }, ms = ROUND_MS, concurrency = CONCURRENCY): Promise<number> {
  let i = 0;
  let done = 0;
  const until = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const r = next(i++);
        const res = await call(agent, base, r.path, r.body);
        if (res.status !== 200) throw new Error(`${r.path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

const mapping = (id: string) => `{"type":1,"payload":{"v":185,"gravity_vip":"fd00::1","hadron_vip":"fd00::2","container_id":"${id}","machine_id":"m1","project_id":"p1","dns_names":["${id}.example"],"timestamp":1700000000,"sni_hostname":"sni"}}`;
const route = (subnet: string) => `{"type":5,"payload":{"v":231,"subnet":"${subnet}","machine_id":"m1","ion_id":"10.9.0.1:7946","timestamp":1700000000,"action":"add"}}`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const median = (xs: number[]) => pct(xs, 50);

/** req/s and workerd CPU µs per request of one timed round. */
async function round(agent: Agent, w: Workerd, next: (i: number) => { path: string; body?: string }): Promise<{ rps: number; cpuUs: number }> {
  const c0 = await w.cpu();
  const t0 = performance.now();
  const rps = await load(agent, w.base, next);
  const n = rps * ((performance.now() - t0) / 1000);
  return { rps, cpuUs: ((await w.cpu()) - c0) / n };
}

async function seedRoutes(agent: Agent, base: string): Promise<void> {
  // 4096 /24 routes and a NAT entry per 16 of them: a table with something to search.
  const envs: string[] = [];
  for (let i = 0; i < 4096; i++) envs.push(route(`10.${64 + (i >> 8)}.${i & 255}.0/24`));
  for (let i = 0; i < 4096; i += 16) envs.push(`{"type":3,"payload":{"v":56,"key":"nat-${i}","original_dst":"10.${64 + (i >> 8)}.${i & 255}.9","original_src":"10.0.0.9","src_port":4000,"dst_port":443,"timestamp":1700000000}}`);
  for (let k = 0; k < envs.length; k += 1000) {
    const r = await call(agent, base, "/v1/messages", `[${envs.slice(k, k + 1000).join(",")}]`);
    if (r.status !== 200) throw new Error(`seed: HTTP ${r.status}`);
  }
}

interface Paired {
  base: number;
  value: number;
  ratio: number;
  baseCpu: number;
  valueCpu: number;
}

/** ROUNDS interleaved rounds of `base` then `target`: medians, and the median of the per-round ratios. */
async function paired(agent: Agent, wb: Workerd, base: (i: number) => { path: string; body?: string }, wt: Workerd, target: (i: number) => { path: string; body?: string }): Promise<Paired> {
  const b: number[] = [];
  const t: number[] = [];
  const bc: number[] = [];
  const tc: number[] = [];
  const r: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const x = await round(agent, wb, base);
    const y = await round(agent, wt, target);
    b.push(x.rps);
    t.push(y.rps);
    bc.push(x.cpuUs);
    tc.push(y.cpuUs);
    r.push(y.rps / x.rps);
  }
  return { base: median(b), value: median(t), ratio: median(r), baseCpu: median(bc), valueCpu: median(tc) };
}

const IPS = Array.from({ length: 1024 }, (_, i) => `10.${64 + ((i * 4) >> 8)}.${(i * 4) & 255}.${(i % 200) + 1}`);
const lookup = (i: number) => ({ path: `/v1/route?ip=${IPS[i & 1023]}` });
const healthz = () => ({ path: "/healthz" });

async function lookups(agent: Agent, w: Workerd): Promise<{ vsHealthz: Paired; vsHop: Paired }> {
  await load(agent, w.base, lookup, 500); // warm: replica loaded
  const cursor = JSON.parse((await call(agent, w.base, "/v1/state?since=0")).body).cursor as number | string;
  const since = encodeURIComponent(String(cursor));
  const vsHealthz = await paired(agent, w, healthz, w, lookup);
  const vsHop = await paired(agent, w, () => ({ path: `/v1/state?since=${since}` }), w, lookup);
  return { vsHealthz, vsHop };
}

function writer(tag: string, batch = BATCH): (i: number) => { path: string; body: string } {
  let n = 0;
  return () => {
    const k = n++;
    return { path: "/v1/messages", body: `[${Array.from({ length: batch }, (_, j) => mapping(`${tag}-${k}-${j}`)).join(",")}]` };
  };
}

interface Freshness {
  p50: number;
  p99: number;
  max: number;
  misses: number;
  /** The slowest samples: index, ms, and the replica's age (x-gossamer-age-ms) in the first lookup after the ack. */
  slowest: { i: number; ms: number; ageAtAck: number }[];
  /** The first lookup, timed before the samples: the replica was idle through the write rounds and catches up. */
  catchUpMs: number;
}

async function freshness(agent: Agent, base: string): Promise<Freshness> {
  const ms: number[] = [];
  const samples: { i: number; ms: number; ageAtAck: number }[] = [];
  let misses = 0;
  // The replica sat idle while the write rounds changed ~10^5 records: its first refresh reads all of that.
  // Timed on its own, so the samples measure a replica in service.
  const c0 = performance.now();
  const first = await call(agent, base, `/v1/route?ip=${IPS[0]}`);
  if (first.status !== 200) throw new Error(`freshness warm-up: HTTP ${first.status}`);
  const catchUpMs = performance.now() - c0;
  for (let i = 0; i < FRESH_SAMPLES; i++) {
    // Writes at random moments relative to the replica's refreshes (as real writes come).
    await new Promise((res) => setTimeout(res, Math.random() * 300));
    const subnet = `10.${200 + (i >> 8)}.${i & 255}.0/24`;
    const ip = `10.${200 + (i >> 8)}.${i & 255}.7`;
    const ack = await call(agent, base, "/v1/messages", route(subnet));
    if (ack.status !== 200) throw new Error(`freshness write: HTTP ${ack.status}`);
    const t0 = performance.now();
    let ageAtAck = -1;
    for (;;) {
      const r = await call(agent, base, `/v1/route?ip=${ip}`);
      if (ageAtAck < 0) ageAtAck = Number(r.headers["x-gossamer-age-ms"] ?? -1);
      const j = JSON.parse(r.body) as { match: { prefix: string } | null };
      if (j.match?.prefix === subnet) break;
      if (performance.now() - t0 > 5000) {
        misses++;
        break;
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    ms.push(performance.now() - t0);
    samples.push({ i, ms: performance.now() - t0, ageAtAck });
  }
  samples.sort((a, b) => b.ms - a.ms);
  return { p50: pct(ms, 50), p99: pct(ms, 99), max: Math.max(...ms), misses, slowest: samples.slice(0, 3), catchUpMs };
}

export async function run(r: Reporter): Promise<void> {
  const dir = bundleDir();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let one: Workerd | undefined;
  let four: Workerd | undefined;
  try {
    const script = await bundleGossamer(dir.dir);
    one = await startWorkerd("gossamer", script, { STORE_SHARDS: "1" });
    four = await startWorkerd("gossamer", script, { STORE_SHARDS: "4" });
    console.log(`workerd: ${one.argv.join(" ")}`);
    const rows: Measurement[] = [];
    for (const [n, w] of [[1, one], [4, four]] as const) {
      await seedRoutes(agent, w.base);
      const l = await lookups(agent, w);
      rows.push(
        { name: `GET /healthz, N=${n}`, unit: "req/s", value: l.vsHealthz.base },
        { name: `GET /v1/route, N=${n}`, unit: "req/s", value: l.vsHealthz.value, baseline: `GET /healthz, N=${n}`, baselineValue: l.vsHealthz.base, ratio: l.vsHealthz.ratio },
        { name: `GET /v1/state?since (1 hop/shard), N=${n}`, unit: "req/s", value: l.vsHop.base, baseline: `GET /v1/route, N=${n}`, baselineValue: l.vsHop.value, ratio: 1 / l.vsHop.ratio },
        { name: `workerd CPU per /healthz, N=${n}`, unit: "us", value: l.vsHealthz.baseCpu },
        { name: `workerd CPU per /v1/route, N=${n}`, unit: "us", value: l.vsHealthz.valueCpu, baseline: `workerd CPU per /healthz, N=${n}`, baselineValue: l.vsHealthz.baseCpu, ratio: l.vsHealthz.baseCpu / l.vsHealthz.valueCpu },
      );
    }
    r.table("edge route lookups", `Route lookups answered in the isolate vs GET /healthz (${CONCURRENCY} in flight, median of ${ROUNDS} interleaved rounds; goal >= 0.9x)`, rows);

    const w1 = writer("w1");
    const w4 = writer("w4");
    const w4big = writer("w4b", 4 * BATCH);
    await load(agent, one.base, w1, 500);
    await load(agent, four.base, w4, 500);
    const wr = await paired(agent, one, w1, four, w4);
    // Batches of 400 at N = 4: each shard's part is ~100 envelopes, the size of the one store's commits.
    const wb = await paired(agent, one, w1, four, w4big);
    const per = (p: Paired, batch: number) => ({ envs: p.value * batch, cpu: p.valueCpu / batch });
    const big = per(wb, 4 * BATCH);
    r.table("edge writes", `Writes through the store front (endpoint mappings, ${CONCURRENCY} in flight, median of ${ROUNDS} interleaved rounds; ONE workerd thread runs the front and every object)`, [
      { name: "envelopes/s, N=1, batch 100", unit: "env/s", value: wr.base * BATCH },
      { name: "envelopes/s, N=4, batch 100", unit: "env/s", value: wr.value * BATCH, baseline: "envelopes/s, N=1, batch 100", baselineValue: wr.base * BATCH, ratio: wr.ratio },
      { name: "envelopes/s, N=4, batch 400", unit: "env/s", value: big.envs, baseline: "envelopes/s, N=1, batch 100", baselineValue: wb.base * BATCH, ratio: (wb.ratio * 4 * BATCH) / BATCH },
      { name: "workerd CPU per envelope, N=1, batch 100", unit: "us", value: wr.baseCpu / BATCH },
      { name: "workerd CPU per envelope, N=4, batch 100", unit: "us", value: wr.valueCpu / BATCH, baseline: "workerd CPU per envelope, N=1, batch 100", baselineValue: wr.baseCpu / BATCH, ratio: (wr.baseCpu / BATCH) / (wr.valueCpu / BATCH) },
      { name: "workerd CPU per envelope, N=4, batch 400", unit: "us", value: big.cpu, baseline: "workerd CPU per envelope, N=1, batch 100", baselineValue: wb.baseCpu / BATCH, ratio: wb.baseCpu / BATCH / big.cpu },
    ]);

    const f1 = await freshness(agent, one.base);
    const f4 = await freshness(agent, four.base);
    for (const [n, f] of [[1, f1], [4, f4]] as const) {
      console.log(`freshness N=${n}, slowest samples: ${f.slowest.map((x) => `#${x.i} ${x.ms.toFixed(0)} ms (replica age ${x.ageAtAck} ms at the ack)`).join(", ")}`);
    }
    r.table(
      "edge freshness",
      `Acknowledged write -> visible in /v1/route (no ?after; ${FRESH_SAMPLES} writes at random moments, lookups every 2 ms; bound ROUTE_MAX_AGE_MS = 800, goal < 1000 ms)`,
      [
        { name: "p50, STORE_SHARDS=1", unit: "ms", value: f1.p50 },
        { name: "p99, STORE_SHARDS=1", unit: "ms", value: f1.p99 },
        { name: "max, STORE_SHARDS=1", unit: "ms", value: f1.max },
        { name: "p50, STORE_SHARDS=4", unit: "ms", value: f4.p50 },
        { name: "p99, STORE_SHARDS=4", unit: "ms", value: f4.p99 },
        { name: "max, STORE_SHARDS=4", unit: "ms", value: f4.max },
        { name: "not visible within 5 s", unit: "writes", value: f1.misses + f4.misses },
        { name: "first lookup after the write rounds, STORE_SHARDS=1", unit: "ms", value: f1.catchUpMs },
        { name: "first lookup after the write rounds, STORE_SHARDS=4", unit: "ms", value: f4.catchUpMs },
      ],
      false,
    );
  } finally {
    agent.destroy();
    await one?.stop();
    await four?.stop();
    dir.remove();
  }
}
