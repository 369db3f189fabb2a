// The edge at scale (issue 13): the worker on bare workerd (bench/workerd.ts: Miniflare, no inspector, no
// local observability), one bundle, everything in the same run:
//   - route lookups/s answered by the isolate's route replica, against GET /healthz (the floor of a
//     request through the worker) and against GET /v1/state?since=<now> (one store-object hop per request,
//     what every lookup cost when the one GossipStore object answered it);
//   - writes/s (envelopes/s, batches of 100 unique endpoint mappings) with STORE_SHARDS = 1 and 4, and the
//     workerd CPU per envelope of each (one workerd runs every object on one thread, so its throughput
//     cannot show objects running side by side; the CPU per envelope shows what sharding costs);
//   - freshness: from a write's acknowledgement to its first visibility in /v1/route (no ?after), p50/p99,
//     while lookups poll every 2 ms, at STORE_SHARDS = 1 and 4 (ROUTE_REFRESH_MS / ROUTE_MAX_AGE_MS defaults).
// Load: keep-alive HTTP/1.1 from this process, CONCURRENCY requests in flight. Each phase is timed.
import { Agent, request } from "node:http";
import type { Measurement, Reporter } from "./report.ts";
import { bundleDir, bundleGossamer, startWorkerd, type Workerd } from "./workerd.ts";

const TOKEN = "dev-store-token"; // wrangler.toml development STORE_TOKEN
const PHASE_MS = 3000;
const CONCURRENCY = 16;
const BATCH = 100;
const FRESH_SAMPLES = 150;

/** Prints with the reporter's grouped API when it has one (see bench/ckit-shard.bench.ts emit). */
function emit(r: Reporter, group: string, title: string, rows: Measurement[], higherIsBetter = true): void {
  const t = r.table as unknown as (...a: unknown[]) => void;
  if (t.length >= 3) t.call(r, group, title, rows, higherIsBetter);
  else t.call(r, title, rows, higherIsBetter);
}

interface Reply {
  status: number;
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
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Requests/s over `ms` with `concurrency` in flight; `next(i)` gives the i-th request. */
async function load(agent: Agent, base: string, next: (i: number) => { path: string; body?: string }, ms = PHASE_MS, concurrency = CONCURRENCY): Promise<number> {
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

async function lookups(agent: Agent, base: string): Promise<{ healthz: number; route: number; hop: number }> {
  const ips = Array.from({ length: 1024 }, (_, i) => `10.${64 + ((i * 4) >> 8)}.${(i * 4) & 255}.${(i % 200) + 1}`);
  await load(agent, base, (i) => ({ path: `/v1/route?ip=${ips[i & 1023]}` }), 500); // warm: replica loaded
  const cursor = JSON.parse((await call(agent, base, "/v1/state?since=0")).body).cursor as number | string;
  const since = encodeURIComponent(String(cursor));
  // Interleaved rounds, best of each: the machine is shared.
  const best = { healthz: 0, route: 0, hop: 0 };
  for (let round = 0; round < 2; round++) {
    best.healthz = Math.max(best.healthz, await load(agent, base, () => ({ path: "/healthz" })));
    best.route = Math.max(best.route, await load(agent, base, (i) => ({ path: `/v1/route?ip=${ips[i & 1023]}` })));
    best.hop = Math.max(best.hop, await load(agent, base, () => ({ path: `/v1/state?since=${since}` })));
  }
  return best;
}

async function writes(agent: Agent, w: Workerd, tag: string): Promise<{ envelopesPerS: number; cpuUsPerEnvelope: number }> {
  let n = 0;
  const next = () => {
    const base = n++;
    return { path: "/v1/messages", body: `[${Array.from({ length: BATCH }, (_, j) => mapping(`${tag}-${base}-${j}`)).join(",")}]` };
  };
  await load(agent, w.base, next, 500); // warm
  const cpu0 = await w.cpu();
  const t0 = performance.now();
  const rps = await load(agent, w.base, next);
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await w.cpu()) - cpu0;
  return { envelopesPerS: rps * BATCH, cpuUsPerEnvelope: cpu / (rps * secs * BATCH) };
}

async function freshness(agent: Agent, base: string): Promise<{ p50: number; p99: number; max: number; misses: number }> {
  const ms: number[] = [];
  let misses = 0;
  for (let i = 0; i < FRESH_SAMPLES; i++) {
    const subnet = `10.${200 + (i >> 8)}.${i & 255}.0/24`;
    const ip = `10.${200 + (i >> 8)}.${i & 255}.7`;
    const ack = await call(agent, base, "/v1/messages", route(subnet));
    if (ack.status !== 200) throw new Error(`freshness write: HTTP ${ack.status}`);
    const t0 = performance.now();
    for (;;) {
      const r = await call(agent, base, `/v1/route?ip=${ip}`);
      const j = JSON.parse(r.body) as { match: { prefix: string } | null };
      if (j.match?.prefix === subnet) break;
      if (performance.now() - t0 > 5000) {
        misses++;
        break;
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    ms.push(performance.now() - t0);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), max: Math.max(...ms), misses };
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
    const look: Record<number, Awaited<ReturnType<typeof lookups>>> = {};
    for (const [n, w] of [[1, one], [4, four]] as const) {
      await seedRoutes(agent, w.base);
      look[n] = await lookups(agent, w.base);
    }
    for (const n of [1, 4] as const) {
      const l = look[n]!;
      rows.push({ name: `GET /healthz, STORE_SHARDS=${n}`, unit: "req/s", value: l.healthz });
      rows.push({ name: `GET /v1/route (isolate), STORE_SHARDS=${n}`, unit: "req/s", value: l.route, baseline: `GET /healthz, STORE_SHARDS=${n}`, baselineValue: l.healthz });
      rows.push({ name: `GET /v1/state?since (object hop), N=${n}`, unit: "req/s", value: l.hop, baseline: `GET /v1/route (isolate), STORE_SHARDS=${n}`, baselineValue: l.route });
    }
    emit(r, "edge route lookups", `Route lookups at the edge (isolate replica, no object hop; ${CONCURRENCY} in flight; goal >= 0.9x /healthz)`, rows);

    const w1 = await writes(agent, one, "w1");
    const w4 = await writes(agent, four, "w4");
    emit(r, "edge writes", `Writes through the store front (batches of ${BATCH} endpoint mappings, ${CONCURRENCY} in flight; one workerd thread)`, [
      { name: "envelopes/s, STORE_SHARDS=1", unit: "env/s", value: w1.envelopesPerS },
      { name: "envelopes/s, STORE_SHARDS=4", unit: "env/s", value: w4.envelopesPerS, baseline: "envelopes/s, STORE_SHARDS=1", baselineValue: w1.envelopesPerS },
      { name: "workerd CPU per envelope, N=1", unit: "us", value: w1.cpuUsPerEnvelope },
      { name: "workerd CPU per envelope, N=4", unit: "us", value: w4.cpuUsPerEnvelope, baseline: "workerd CPU per envelope, N=1", baselineValue: w1.cpuUsPerEnvelope },
    ]);
    // Sharding moves the store's work to N objects; with each object on its own machine (production), the
    // store's capacity is N x one object's, as long as the front is not the limit.

    const f1 = await freshness(agent, one.base);
    const f4 = await freshness(agent, four.base);
    emit(
      r,
      "edge freshness",
      `Acknowledged write -> visible in /v1/route (no ?after; ${FRESH_SAMPLES} writes, lookups every 2 ms; goal < 1000 ms)`,
      [
        { name: "p50, STORE_SHARDS=1", unit: "ms", value: f1.p50 },
        { name: "p99, STORE_SHARDS=1", unit: "ms", value: f1.p99, baseline: "bound (ROUTE_MAX_AGE_MS)", baselineValue: 800 },
        { name: "max, STORE_SHARDS=1", unit: "ms", value: f1.max },
        { name: "p50, STORE_SHARDS=4", unit: "ms", value: f4.p50 },
        { name: "p99, STORE_SHARDS=4", unit: "ms", value: f4.p99, baseline: "bound (ROUTE_MAX_AGE_MS)", baselineValue: 800 },
        { name: "max, STORE_SHARDS=4", unit: "ms", value: f4.max },
        { name: "not visible within 5 s", unit: "writes", value: f1.misses + f4.misses },
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
