// Worker bench: bundles the worker once (`wrangler deploy --dry-run --outdir`, so edits to the tree
// during the run cannot reload it), serves that bundle with `wrangler dev --no-bundle` (local mode,
// loopback, a free port, a throw-away state dir) and measures over real sockets:
//   - relay messages/s through one shard and across two shards, with cross-shard batching on and off
//     (RELAY_BATCHING=off needs its own wrangler instance);
//   - state-store merges/s over HTTP (batched and one envelope per request) and route lookups/s.
// Baselines from the same run: batching off for cross-shard, one shard for cross-shard, a request per
// envelope for batched merges, GET /healthz (the HTTP floor through the worker) for route lookups.
// Bounded: every phase is timed (4 s), wrangler is stopped in `finally`; under a minute in all.
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { issueToken } from "../src/relay/auth.ts";
import { RelayClient, whenOpen, type WebSocketLike } from "../src/relay/client.ts";
import { peerIdFromPublicKey } from "../src/relay/peer-id.ts";
import type { Reporter } from "./report.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const RELAY_SECRET = "dev-relay-secret"; // wrangler.toml [vars] development defaults
const STORE_TOKEN = "dev-store-token";
const PHASE_MS = 4000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Dev {
  base: string;
  stop(): Promise<void>;
}

const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_D1_WARNING: "true" };

/** Bundles the worker as `wrangler deploy` would, into a temporary directory; returns the entry file. */
function bundle(outdir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: WRANGLER_ENV });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const t = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", (code) => {
      clearTimeout(t);
      if (code === 0) resolve(join(outdir, "index.js"));
      else reject(new Error(`wrangler deploy --dry-run failed (${code}): ${err}`));
    });
  });
}

async function startWrangler(script: string, vars: Record<string, string>): Promise<Dev> {
  const port = await freePort();
  const inspector = await freePort();
  const state = mkdtempSync(join(tmpdir(), "gossamer-bench-"));
  const args = ["dev", script, "--no-bundle", "--config", join(ROOT, "wrangler.toml"), "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state,
    "--show-interactive-dev-session=false", "--log-level", "warn", "--var", "LOG_LEVEL:error"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(WRANGLER, args, {
    cwd: ROOT,
    detached: true, // own process group, so stop() ends workerd too
    stdio: ["ignore", "ignore", "pipe"],
    env: WRANGLER_ENV,
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // If the bench itself is interrupted, take wrangler (and its workerd) down with it.
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  const onSignal = () => {
    kill();
    process.exit(130);
  };
  process.once("exit", kill);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const stop = async () => {
    process.off("exit", kill);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(state, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early: ${stderr}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not come up: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, stop };
}

async function relayPeer(base: string, shard: number): Promise<{ c: RelayClient; id: Uint8Array }> {
  const id = await peerIdFromPublicKey(crypto.randomUUID());
  const ws = new WebSocket(`${base.replace("http", "ws")}/relay?shard=${shard}`) as unknown as WebSocketLike;
  ws.binaryType = "arraybuffer";
  await whenOpen(ws);
  const c = await RelayClient.connect(ws, { peerId: id, token: await issueToken(RELAY_SECRET), serverSilenceMs: false });
  return { c, id };
}

/**
 * Relay throughput: `pairs` sender->receiver pairs, sender on shard `from`, receiver on shard `to`.
 * Closed loop: each sender keeps at most `window` packets unaccounted for (sent - received), so the
 * offered load follows what the relay delivers and no backlog outlives a phase; after a second without
 * progress the outstanding packets are written off as dropped. Returns packets received per second.
 */
async function relayRate(base: string, from: number, to: number, pairs = 2, size = 64, window = 256): Promise<number> {
  const ps = await Promise.all(Array.from({ length: pairs }, async () => ({ a: await relayPeer(base, from), b: await relayPeer(base, to) })));
  await new Promise((r) => setTimeout(r, 200)); // directory registrations land
  const payload = new Uint8Array(size);
  let received = 0;
  let counting = false;
  const run = ps.map(({ a, b }) => {
    let sent = 0;
    let got = 0;
    let wake: (() => void) | null = null;
    b.c.onMessage(() => {
      got++;
      if (counting) received++;
      if (wake && sent - got <= window / 2) {
        const w = wake;
        wake = null;
        w();
      }
    });
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        while (sent - got < window) {
          a.c.send(b.id, payload);
          sent++;
        }
        const before = got;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 1000);
        });
        wake = null;
        if (got === before) got = sent; // nothing for a second: count the window as lost
      }
    })();
    return { loop, halt: () => (stop = true) };
  });
  await new Promise((r) => setTimeout(r, 500)); // warm-up: locations cached, objects awake
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, PHASE_MS));
  counting = false;
  const rate = received / ((performance.now() - t0) / 1000);
  for (const r of run) r.halt();
  await Promise.all(run.map((r) => r.loop));
  for (const { a, b } of ps) (a.c.close(), b.c.close());
  await new Promise((r) => setTimeout(r, 300));
  return rate;
}

/** Cross-shard packets forwarded and deliver RPCs spent on them, summed over shards, from /metrics. */
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

export async function run(r: Reporter): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "gossamer-bundle-"));
  try {
    await measure(r, await bundle(out));
  } finally {
    agent.destroy();
    rmSync(out, { recursive: true, force: true });
  }
}

async function measure(r: Reporter, script: string): Promise<void> {
  let dev = await startWrangler(script, { RELAY_BATCHING: "on" });
  let oneShard: number, crossOn: number, crossOff: number;
  let mergesBatched: number, mergesSingle: number, routes: number, healthz: number;
  let batchesOn: { packets: number; batches: number };
  try {
    const BATCH = 100;
    mergesBatched = await httpRate(async () => {
      const body = `[${Array.from({ length: BATCH }, () => envelope(seq++)).join(",")}]`;
      await postMessages(dev.base, body);
      return BATCH;
    }, 4);
    mergesSingle = await httpRate(async () => {
      await postMessages(dev.base, envelope(seq++));
      return 1;
    }, 8);

    // route table: 2000 IPv4 subnets, 500 IPv6 /64s, 1000 NAT host entries
    const routesBody: string[] = [];
    for (let i = 0; i < 2000; i++) routesBody.push(JSON.stringify({ type: 5, payload: { subnet: `10.${i >> 8}.${i & 255}.0/24`, machine_id: "m", ion_id: "i", timestamp: 1700000000, action: "add", v: 231 } }));
    for (let i = 0; i < 500; i++) routesBody.push(JSON.stringify({ type: 5, payload: { subnet: `fd15:d710:${i.toString(16)}:5::/64`, machine_id: "m", ion_id: "i", timestamp: 1700000000, action: "add", v: 231 } }));
    for (let i = 0; i < 1000; i++) routesBody.push(JSON.stringify({ type: 3, payload: { key: `n${i}`, original_dst: `10.${i >> 8}.${i & 255}.7`, original_src: "10.200.0.1", src_port: 1000, dst_port: 443, timestamp: 1700000000, v: 56 } }));
    for (let i = 0; i < routesBody.length; i += 500) await postMessages(dev.base, `[${routesBody.slice(i, i + 500).join(",")}]`);
    let k = 0;
    routes = await httpRate(async () => {
      const i = k++;
      const ip = i % 3 === 0 ? `fd15:d710:${(i % 500).toString(16)}:5::${(i % 9999).toString(16)}` : `10.${(i >> 8) % 8}.${i & 255}.${i % 250}`;
      const res = await http(dev.base, "GET", `/v1/route?ip=${encodeURIComponent(ip)}`, undefined, { authorization: `Bearer ${STORE_TOKEN}` });
      if (res.status !== 200) throw new Error(`GET /v1/route: ${res.status}`);
      return 1;
    }, 8);
    healthz = await httpRate(async () => {
      const res = await http(dev.base, "GET", "/healthz");
      if (res.status !== 200) throw new Error(`GET /healthz: ${res.status}`);
      return 1;
    }, 8);

    oneShard = await relayRate(dev.base, 0, 0);
    crossOn = await relayRate(dev.base, 0, 1);
    batchesOn = await relayBatches(dev.base);
  } finally {
    await dev.stop();
  }

  dev = await startWrangler(script, { RELAY_BATCHING: "off" });
  try {
    crossOff = await relayRate(dev.base, 0, 1);
  } finally {
    await dev.stop();
  }

  r.table("worker relay under wrangler dev (64 B packets, 2 pairs, window 256)", [
    { name: "relay one shard", unit: "msg/s", value: oneShard },
    { name: "relay across shards, batching off", unit: "msg/s", value: crossOff, baseline: "one shard", baselineValue: oneShard },
    { name: "relay across shards, batching on", unit: "msg/s", value: crossOn, baseline: "batching off", baselineValue: crossOff },
    {
      name: "packets per deliver RPC, batching on",
      unit: "pkt/RPC",
      value: batchesOn.batches ? batchesOn.packets / batchesOn.batches : 0,
      baseline: "batching off",
      baselineValue: 1,
    },
  ]);
  r.table("worker state store over HTTP (wrangler dev)", [
    { name: "store merges, 100 per request", unit: "merges/s", value: mergesBatched, baseline: "1 per request", baselineValue: mergesSingle },
    { name: "store merges, 1 per request", unit: "merges/s", value: mergesSingle },
    { name: "route lookups (3500 prefixes)", unit: "lookups/s", value: routes, baseline: "GET /healthz", baselineValue: healthz },
    { name: "GET /healthz (HTTP floor)", unit: "req/s", value: healthz },
  ]);
}
