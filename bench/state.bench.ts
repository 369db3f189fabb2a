// Gossip state store: merges/s (a batch of wire envelopes decoded and applied) against plain JSON.parse
// of the same envelopes, and route lookups/s (store.route over the Wasm / TS LPM) against a naive scan of
// the same prefixes. Indicative on a shared machine: ratios matter more than absolute numbers.
import { encodeToString, type GossipMessage } from "../src/gossip/index.ts";
import { decode } from "../src/gossip/decode.ts";
import { createTsLpm, createWasmLpm } from "../src/hotpath/lpm.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
import { seededRandom } from "../src/util/clock.ts";
import { MemoryStorage, StateStore, type LpmFactory } from "../src/state/index.ts";
import { medianOps, type Reporter } from "./report.ts";

const T0 = 1_700_000_000;

function envelopes(n: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const int = (k: number) => Math.floor(rnd.next() * k);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = `ctr-${int(n / 2)}`;
    const ts = T0 + int(1000);
    const kind = int(10);
    let m: GossipMessage;
    if (kind < 5) {
      m = {
        type: 1,
        payload: {
          v: 0,
          gravity_vip: `10.${int(256)}.${int(256)}.${int(256)}`,
          hadron_vip: `fd15:d710:2:5::${int(65536).toString(16)}`,
          container_id: c,
          machine_id: `machine-${int(20)}`,
          project_id: `proj_${int(50)}`,
          dns_names: [`${c}.agentuity.run`],
          timestamp: ts,
          sni_hostname: `d-${int(1e6).toString(16)}`,
        },
      };
    } else if (kind < 6) m = { type: 2, payload: { v: 0, container_id: c, machine_id: `machine-${int(20)}`, timestamp: ts } };
    else if (kind < 8) {
      m = {
        type: 3,
        payload: { v: 0, key: `nat-${int(n / 2)}`, original_dst: `10.1.${int(256)}.${int(256)}`, original_src: "10.9.0.1", src_port: int(65536), dst_port: 443, timestamp: ts },
      };
    } else if (kind < 9) {
      m = { type: 4, payload: { v: 0, vip: `10.0.0.${int(50)}`, owners: { [`machine-${int(20)}`]: ts, [`machine-${int(20)}`]: ts - 5 }, timestamp: ts, new_nats: null, new_endpoints: null } };
    } else {
      m = {
        type: 5,
        payload: { v: 0, subnet: `fd15:d710:2:${int(4096).toString(16)}::/64`, machine_id: `machine-${int(20)}`, ion_id: `10.0.0.${int(8)}:7946`, timestamp: ts, action: int(5) ? "add" : "remove" },
      };
    }
    out.push(encodeToString(m));
  }
  return out;
}

function store(lpm: LpmFactory): StateStore {
  return new StateStore({ lpm, storage: new MemoryStorage(), now: () => T0 * 1000, sweepIntervalMs: 0 });
}

export async function run(r: Reporter): Promise<void> {
  const N = 1000;
  const batch = envelopes(N, 1);
  const batchText = `[${batch.join(",")}]`;

  const parse = medianOps(() => {
    for (const e of batch) JSON.parse(e);
  }, N);
  const dec = medianOps(() => {
    for (const e of batch) decode(e);
  }, N);
  const applyOne = medianOps(() => {
    const s = store(createTsLpm);
    for (const e of batch) s.apply(e);
  }, N, 5, 300);
  const applyBatch = medianOps(() => {
    store(createTsLpm).applyBatch(batchText);
  }, N, 5, 300);
  const warm = store(createTsLpm);
  warm.applyBatch(batchText);
  const reapply = medianOps(() => {
    warm.applyBatch(batchText);
  }, N, 5, 300);
  r.table("state merges", `state store merges (${N} envelopes: mappings, tombstones, NATs, heartbeats, routes)`, [
    { name: "JSON.parse only", unit: "msg/s", value: parse },
    { name: "gossip decode (Go semantics)", unit: "msg/s", value: dec, baseline: "JSON.parse only", baselineValue: parse },
    { name: "decode + apply, one by one", unit: "msg/s", value: applyOne, baseline: "JSON.parse only", baselineValue: parse },
    { name: "decode + applyBatch (1 commit)", unit: "msg/s", value: applyBatch, baseline: "JSON.parse only", baselineValue: parse },
    { name: "re-apply known batch (no-op)", unit: "msg/s", value: reapply, baseline: "JSON.parse only", baselineValue: parse },
  ]);

  // Routes: 10k IPv4 subnet routes (/8 to /32) + 1k NAT host routes; 1024 lookup addresses.
  const rnd = seededRandom(7);
  const int = (k: number) => Math.floor(rnd.next() * k);
  const routeMsgs: string[] = [];
  const naive: { net: number; mask: number; len: number }[] = [];
  for (let i = 0; i < 10_000; i++) {
    const len = 8 + int(25);
    const a = ((10 << 24) | int(1 << 24)) >>> 0;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const net = (a & mask) >>> 0;
    routeMsgs.push(
      JSON.stringify({ type: 5, payload: { v: 231, subnet: `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${len}`, machine_id: `m${i}`, ion_id: "i", timestamp: T0, action: "add" } }),
    );
    naive.push({ net, mask, len });
  }
  for (let i = 0; i < 1000; i++) {
    const a = ((10 << 24) | int(1 << 24)) >>> 0;
    routeMsgs.push(JSON.stringify({ type: 3, payload: { v: 56, key: `n${i}`, original_dst: `10.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`, timestamp: T0 } }));
    naive.push({ net: a, mask: 0xffffffff, len: 32 });
  }
  const keys = Array.from({ length: 1024 }, () => ((10 << 24) | int(1 << 24)) >>> 0);
  const keyBytes = keys.map((k) => new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]));
  const keyText = keys.map((k) => `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`);
  const module = hotpathModule();
  const wasmStore = store(() => createWasmLpm(module));
  const tsStore = store(createTsLpm);
  wasmStore.applyBatch(routeMsgs);
  tsStore.applyBatch(routeMsgs);
  let sink = 0;
  const naiveScan = medianOps(() => {
    for (let i = 0; i < 64; i++) {
      const k = keys[i]!;
      let best = -1;
      for (const p of naive) if (((k & p.mask) >>> 0) === p.net && p.len > best) best = p.len;
      sink += best;
    }
  }, 64, 3, 200);
  const viaWasm = medianOps(() => {
    for (const b of keyBytes) if (wasmStore.routeAddr(b) !== null) sink++;
  }, keyBytes.length);
  const viaTs = medianOps(() => {
    for (const b of keyBytes) if (tsStore.routeAddr(b) !== null) sink++;
  }, keyBytes.length);
  const viaText = medianOps(() => {
    for (const t of keyText) if (wasmStore.route(t) !== null) sink++;
  }, keyText.length);
  r.table("state routes", `state store route lookups (10k IPv4 subnet routes /8-/32 + 1k NAT host routes)`, [
    { name: "naive scan (11k prefixes)", unit: "lookup/s", value: naiveScan },
    { name: "store.routeAddr (Wasm LPM)", unit: "lookup/s", value: viaWasm, baseline: "naive scan (11k prefixes)", baselineValue: naiveScan },
    { name: "store.routeAddr (TS LPM)", unit: "lookup/s", value: viaTs, baseline: "naive scan (11k prefixes)", baselineValue: naiveScan },
    { name: "store.route(text) (Wasm)", unit: "lookup/s", value: viaText, baseline: "naive scan (11k prefixes)", baselineValue: naiveScan },
  ]);
  if (sink === 0.5) console.log(sink);
}
