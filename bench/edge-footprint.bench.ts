// What one store shard and one isolate's route replica hold per record (issue 13, docs/scaling.md §2):
// the inputs to "how many records does a deployment carry at N shards".
//   - a store shard keeps every record of its part in memory (src/state/store.ts loads all rows at
//     construction) and on SQLite: heap bytes and SQLite bytes per endpoint mapping, and the cold load
//     (a shard object's constructor after an eviction) per 10k records, on node:sqlite with the same SQL
//     layout the Durable Object runs (src/state/sql.ts), and the periodic sweep's scan per 10k records;
//   - every isolate's route replica holds every subnet route of every shard: JS heap + Wasm memory per
//     route, and the time of a first (full) load per 10k routes.
// V8 in Node stands in for V8 in workerd (same engine, same object layout); figures are per record, so
// the record counts only need to be large enough to dwarf fixed costs. The baseline of each table is the
// size of the record's envelope on the wire, measured in the same run.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { RouteReplica, type RouteSync } from "../src/edge/index.ts";
import type { SubnetRoute } from "../src/gossip/index.ts";
import { createWasmLpm } from "../src/hotpath/lpm.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
import { SqliteStateStorage } from "../src/node/sqlite-storage.ts";
import { StateStore } from "../src/state/index.ts";
import type { Reporter } from "./report.ts";

const RECORDS = 50_000;
const ROUTES = 20_000;
const BATCH = 1000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** JS heap + external (ArrayBuffers, Wasm memories) after a full collection. */
function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const now = () => Math.floor(Date.now() / 1000);
const mapping = (i: number) =>
  `{"type":1,"payload":{"v":185,"gravity_vip":"10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}","hadron_vip":"fd15:d710:2:5::${(i & 0xffff).toString(16)}","container_id":"ctr-${i.toString(36).padStart(8, "0")}","machine_id":"machine-${i % 500}","project_id":"proj_${i % 2000}","dns_names":["ctr-${i.toString(36)}.agentuity.run"],"timestamp":${now()},"sni_hostname":"d-${(i * 2654435761 >>> 0).toString(16)}"}}`;
const route = (i: number): SubnetRoute => ({ v: 231, subnet: `${10 + (i >> 14)}.${(i >> 6) & 255}.${(i & 63) * 4}.0/22`, machine_id: `machine-${i % 500}`, ion_id: `10.9.${(i >> 8) & 255}.${i & 255}:7946`, timestamp: now(), action: "add" });

/**
 * One cold load of the shard's database (what an evicted shard object pays on wake) and one periodic
 * sweep (every 5 s while the shard serves; it scans every record, and with nothing expiring it changes
 * nothing, so its cost is the scan). Its own frame: the interpreter keeps a loop's dead locals alive, so
 * the store of an earlier load would count in a later one's baseline.
 */
function loadOnce(file: string): { heap: number; loadMs: number; sweepMs: number } {
  const lpm = () => createWasmLpm(hotpathModule());
  const before = used();
  const t0 = performance.now();
  const storage = new SqliteStateStorage(file, { synchronous: "NORMAL" });
  const store = new StateStore({ storage, lpm });
  const loadMs = performance.now() - t0;
  const heap = used() - before;
  const t1 = performance.now();
  const changed = store.sweep();
  const sweepMs = performance.now() - t1;
  if (changed.length !== 0) throw new Error(`footprint: the sweep changed ${changed.length} records`);
  if (store.snapshot().endpoints.length !== RECORDS) throw new Error("footprint: records missing after reload");
  storage.close();
  return { heap, loadMs, sweepMs };
}

/** Writes RECORDS endpoint mappings into a shard database; returns the envelopes' total size. */
function fill(file: string): number {
  const storage = new SqliteStateStorage(file, { synchronous: "NORMAL" });
  const store = new StateStore({ storage, lpm: () => createWasmLpm(hotpathModule()) });
  let bytes = 0;
  for (let k = 0; k < RECORDS; k += BATCH) {
    const envs = Array.from({ length: BATCH }, (_, j) => mapping(k + j));
    bytes += envs.reduce((s, e) => s + e.length, 0);
    const r = store.applyBatch(`[${envs.join(",")}]`);
    if (r.applied !== BATCH) throw new Error(`footprint: ${BATCH - r.applied} not applied`);
  }
  storage.close();
  return bytes;
}

function shardFootprint(dir: string): { heapPerRecord: number; sqlitePerRecord: number; loadMsPer10k: number; sweepMsPer10k: number; envelopeBytes: number } {
  const file = path.join(dir, "shard.sqlite");
  const envelopeBytes = fill(file);
  const bytesOnDisk = [file, `${file}-wal`].reduce((s, f) => {
    try {
      return s + statSync(f).size;
    } catch {
      return s;
    }
  }, 0);
  // Cold load: a shard object's constructor reading every row (what an evicted shard pays on wake).
  const runs = [loadOnce(file), loadOnce(file), loadOnce(file)];
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const per10k = (ms: number) => (ms * 10_000) / RECORDS;
  const heap = med(runs.map((x) => x.heap));
  const loadMs = med(runs.map((x) => x.loadMs));
  const sweepMs = med(runs.map((x) => x.sweepMs));
  return { heapPerRecord: heap / RECORDS, sqlitePerRecord: bytesOnDisk / RECORDS, loadMsPer10k: per10k(loadMs), sweepMsPer10k: per10k(sweepMs), envelopeBytes: envelopeBytes / RECORDS };
}

/** One first (full) load of a route replica of `routes`; its own frame, as loadOnce. */
async function replicaOnce(routes: SubnetRoute[], module: WebAssembly.Module): Promise<{ bytes: number; loadMs: number }> {
  const before = used();
  const replica = new RouteReplica({
    source: { shards: 1, sync: (): Promise<RouteSync> => Promise.resolve({ cursor: routes.length, full: true, routes, nats: [] }) },
    lpm: () => createWasmLpm(module),
    now: () => performance.now(),
  });
  const t0 = performance.now();
  await replica.refresh();
  const loadMs = performance.now() - t0;
  const bytes = used() - before;
  if (replica.prefixes !== routes.length) throw new Error(`footprint: replica holds ${replica.prefixes} of ${routes.length} routes`);
  return { bytes, loadMs };
}

async function replicaFootprint(): Promise<{ perRoute: number; loadMsPer10k: number; envelopeBytes: number }> {
  const routes = Array.from({ length: ROUTES }, (_, i) => route(i));
  const envelopeBytes = routes.reduce((s, r) => s + JSON.stringify({ type: 5, payload: r }).length, 0) / ROUTES;
  const module = hotpathModule();
  const runs = [await replicaOnce(routes, module), await replicaOnce(routes, module), await replicaOnce(routes, module)];
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  return { perRoute: med(runs.map((x) => x.bytes)) / ROUTES, loadMsPer10k: (med(runs.map((x) => x.loadMs)) * 10_000) / ROUTES, envelopeBytes };
}

export async function run(r: Reporter): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "gossamer-edge-footprint-"));
  try {
    const s = shardFootprint(dir);
    r.table("edge shard footprint", `One store shard per endpoint mapping (${RECORDS} records, node:sqlite with the Durable Object's SQL layout; heap after GC)`, [
      { name: "envelope on the wire", unit: "B/record", value: s.envelopeBytes },
      { name: "shard memory (heap + external)", unit: "B/record", value: s.heapPerRecord, baseline: "envelope on the wire", baselineValue: s.envelopeBytes },
      { name: "shard SQLite (db + wal)", unit: "B/record", value: s.sqlitePerRecord, baseline: "envelope on the wire", baselineValue: s.envelopeBytes },
      { name: "shard cold load", unit: "ms/10k", value: s.loadMsPer10k },
      { name: "shard sweep (scan, nothing expires)", unit: "ms/10k", value: s.sweepMsPer10k },
    ], false);
    const q = await replicaFootprint();
    r.table("edge replica footprint", `One isolate's route replica per subnet route (${ROUTES} routes, Wasm LPM; heap + Wasm memory after GC)`, [
      { name: "envelope on the wire", unit: "B/route", value: q.envelopeBytes },
      { name: "replica memory (heap + Wasm)", unit: "B/route", value: q.perRoute, baseline: "envelope on the wire", baselineValue: q.envelopeBytes },
      { name: "replica full load", unit: "ms/10k", value: q.loadMsPer10k },
    ], false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
