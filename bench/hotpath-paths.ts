// The hot path on the real paths (issue 7, item 2): for every production use of the hot path, Wasm and the TS
// twin measured in THAT path's own call pattern (one message per call, or the batch the path really
// has), and the platform's choice (src/platform/hotpath.ts HOTPATH_CHOICE) checked against the faster.
// Patterns:
//   relay-frames   the relay data path: one message per call (a Durable Object's webSocketMessage) and a
//                  burst per call (what one socket read carries on Node, RelayCore.messages), both as
//                  the bare header check + peer-ID swap and end to end through RelayCore
//   memberlist-crc one UDP packet per call (encode and check), 64 B (probe) and 1400 B (full gossip)
//   ckit-frames    one HTTP/2 body chunk per call (16 KiB of frames of mixed sizes), scanned as it arrives
//   xxh64          one short shard key per call (8-40 bytes)
//   schema-hash    one Gravity struct per call (computed once per schema at start-up)
//   sha256         relay token digests: one HMAC block (64 B key pad + payload) per call
//   lpm            route lookups: one address per request, and a resident batch of 1024
import { HOTPATH_CHOICE } from "../src/platform/hotpath.ts";
import type { HotpathUse } from "../src/platform/types.ts";
import { createHotpath, createTsLpm, createWasmLpm, type Hotpath, type LpmTable, type StructField } from "../src/hotpath/index.ts";
import type { RelayAuthenticator } from "../src/relay/auth.ts";
import { encodeAuth, encodeTransport } from "../src/relay/codec.ts";
import { newConnState, type RelayConn } from "../src/relay/conn.ts";
import { RelayCore } from "../src/relay/core.ts";
import { peerIdFromPublicKey } from "../src/relay/peer-id.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
import type { Measurement, Reporter } from "./report.ts";
import { medianOps } from "./report.ts";

let sink = 0;

interface Pattern {
  use: HotpathUse | "lpm";
  pattern: string;
  wasm: number;
  ts: number;
  unit: string;
  /** Counts for the choice (the path's main pattern); other rows are shown only. */
  decides: boolean;
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + (i >>> 5)) & 0xff;
  return b;
}

/**
 * Runs fn against each implementation, alternating five times, and keeps each one's best round (on a
 * shared machine noise only ever slows a round down).
 */
function both(make: (hp: Hotpath) => () => void, opsPerCall: number, wasm: Hotpath, ts: Hotpath): { wasm: number; ts: number } {
  const fw = make(wasm);
  const ft = make(ts);
  return pairwise(fw, ft, opsPerCall);
}

function pairwise(fw: () => void, ft: () => void, opsPerCall: number): { wasm: number; ts: number } {
  let w = 0;
  let t = 0;
  for (let i = 0; i < 5; i++) {
    w = Math.max(w, medianOps(fw, opsPerCall, 1, 120));
    t = Math.max(t, medianOps(ft, opsPerCall, 1, 120));
  }
  return { wasm: w, ts: t };
}

/** Within this factor either way, the two are tied (the machine's noise between rounds). */
const TIE = 1.1;

// ---- relay: end to end through RelayCore ----------------------------------------------------------

const acceptAll: RelayAuthenticator = { validate: () => Promise.resolve() };

class CountingConn implements RelayConn {
  state = newConnState();
  sent = 0;
  send(b: Uint8Array): void {
    this.sent += b.length;
  }
  close(): void {}
}

/** A core with `peers` authenticated peers; returns a function forwarding one burst of `burst` messages. */
async function relayCore(hotpath: Hotpath, peers: number, burst: number, size: number): Promise<{ oneByOne(): void; asBurst(): void }> {
  const core = new RelayCore({ instanceUrl: "rel://bench", auth: acceptAll, frames: hotpath, healthCheck: false, authTimeoutMs: false });
  const conns: CountingConn[] = [];
  const ids: Uint8Array[] = [];
  for (let i = 0; i < peers; i++) {
    const c = new CountingConn();
    const id = await peerIdFromPublicKey(`bench-peer-${i}`);
    core.open(c);
    core.message(c, encodeAuth(id, Uint8Array.of(1, ...bytes(42, i))));
    conns.push(c);
    ids.push(id);
  }
  await new Promise((r) => setTimeout(r, 10));
  // Each message goes to the next peer; after the swap its slot names the sender, so the same buffers
  // keep bouncing between valid peers on every later run.
  const from = Array.from({ length: burst }, (_, i) => conns[i % peers]!);
  const msgs = Array.from({ length: burst }, (_, i) => encodeTransport(ids[(i + 1) % peers]!, bytes(size, i)));
  return {
    oneByOne: () => {
      for (let i = 0; i < burst; i++) core.message(from[i]!, msgs[i]!);
    },
    asBurst: () => core.messages(from, msgs, burst),
  };
}

export async function runPaths(r: Reporter): Promise<void> {
  const module = hotpathModule();
  const wasm = createHotpath(module);
  const ts = createHotpath();
  const rows: Pattern[] = [];
  const add = (use: Pattern["use"], pattern: string, x: { wasm: number; ts: number }, unit: string, decides = true) => rows.push({ use, pattern, ...x, unit, decides });

  // relay-frames ------------------------------------------------------------------------------
  const sender = bytes(36, 99);
  for (const size of [64, 1400]) {
    const msgs = Array.from({ length: 64 }, (_, i) => encodeTransport(bytes(36, i), bytes(size, i)));
    let k = 0;
    add("relay-frames", `header + swap, 1 msg/call, ${size} B`, both((hp) => () => hp.swapPeerId(msgs[k++ & 63]!, sender), 1, wasm, ts), "msg/s", false);
    const ids = msgs.map(() => sender);
    add("relay-frames", `header + swap, burst of 16/call, ${size} B`, both((hp) => () => void hp.swapPeerIdBurst(msgs, ids, 16), 16, wasm, ts), "msg/s", size === 64);
  }
  const cores = { wasm: await relayCore(wasm, 10, 16, 64), ts: await relayCore(ts, 10, 16, 64) };
  add("relay-frames", "RelayCore, 1 msg/call, 64 B, 10 peers", pairwise(cores.wasm.oneByOne, cores.ts.oneByOne, 16), "msg/s", false);
  add("relay-frames", "RelayCore.messages, burst of 16, 64 B, 10 peers", pairwise(cores.wasm.asBurst, cores.ts.asBurst, 16), "msg/s", true);

  // memberlist-crc ----------------------------------------------------------------------------
  for (const size of [64, 1400]) {
    const pkts = Array.from({ length: 64 }, (_, i) => bytes(size, i));
    let k = 0;
    add("memberlist-crc", `1 packet/call, ${size} B`, both((hp) => () => (sink ^= hp.crc32(pkts[k++ & 63]!)), 1, wasm, ts), "pkt/s");
  }

  // ckit-frames -------------------------------------------------------------------------------
  {
    const parts: number[] = [];
    let n = 0;
    for (let i = 0; parts.length < 16 * 1024; i++, n++) {
      const len = [40, 64, 200, 900, 1400][i % 5]!;
      parts.push(0xcc, len >>> 8, len & 0xff, ...bytes(len, i));
    }
    const chunk = Uint8Array.from(parts);
    add("ckit-frames", `1 body chunk/call (${(chunk.length / 1024).toFixed(0)} KiB, ${n} frames)`, both((hp) => () => (sink ^= hp.scanCkit(chunk).count), n, wasm, ts), "frames/s");
  }

  // xxh64 --------------------------------------------------------------------------------------
  {
    const enc = new TextEncoder();
    const keys = Array.from({ length: 64 }, (_, i) => enc.encode(`tenant-${i % 7}/series/${"x".repeat(i % 24)}${i}`));
    let k = 0;
    add("xxh64", "1 key/call (8-40 B)", both((hp) => () => (sink ^= Number(hp.xxh64(keys[k++ & 63]!) & 1n)), 1, wasm, ts), "keys/s");
  }

  // schema-hash --------------------------------------------------------------------------------
  {
    const fields: StructField[] = [["GravityVIP", "string"], ["HadronVIP", "string"], ["ContainerID", "string"], ["MachineID", "string"], ["ProjectID", "string"], ["DNSNames", "[]string"], ["Timestamp", "int64"], ["SNIHostname", "string"]];
    add("schema-hash", "1 struct/call (8 fields)", both((hp) => () => (sink ^= hp.structHash(fields)), 1, wasm, ts), "structs/s");
  }

  // sha256 -------------------------------------------------------------------------------------
  for (const size of [74, 96]) {
    const blocks = Array.from({ length: 16 }, (_, i) => bytes(size, i));
    let k = 0;
    const label = size === 74 ? "inner HMAC digest (64 B pad + 10 B expiry)" : "outer HMAC digest (64 B pad + 32 B inner)";
    add("sha256", `1 ${label}/call`, both((hp) => () => (sink ^= hp.sha256(blocks[k++ & 15]!)[0]!), 1, wasm, ts), "digests/s");
  }

  // lpm ----------------------------------------------------------------------------------------
  {
    const fill = (t: LpmTable) => {
      for (let i = 0; i < 10_000; i++) {
        const a = (0x0a000000 | ((i * 2654435761) >>> 8)) >>> 0;
        t.insert(Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255), 16 + (i % 17), i);
      }
      t.commit();
      return t;
    };
    const tw = fill(createWasmLpm(module));
    const tt = fill(createTsLpm());
    const addrs = Array.from({ length: 1024 }, (_, i) => {
      const a = (0x0a000000 | ((i * 40503) & 0xffffff)) >>> 0;
      return Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
    });
    for (const t of [tw, tt]) t.keys4(1024).set(addrs.map((a) => ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0));
    let k = 0;
    const one = (t: LpmTable) => () => (sink ^= t.lookup(addrs[k++ & 1023]!));
    add("lpm", "1 lookup/request (address bytes)", pairwise(one(tw), one(tt), 1), "lookups/s");
    const batch = (t: LpmTable) => () => (sink ^= t.lookupBatch4(1024)[0]!);
    add("lpm", "batch of 1024 resident keys", pairwise(batch(tw), batch(tt), 1024), "lookups/s");
  }

  // tables --------------------------------------------------------------------------------------
  const uses = [...new Set(rows.map((x) => x.use))];
  for (const use of uses) {
    const mine = rows.filter((x) => x.use === use);
    r.table(`hotpath path ${use}`, `Hot path on its production path: ${use} (Wasm vs the TS twin in the path's own call pattern)`, mine.map((x): Measurement => ({
      name: `${x.pattern}${x.decides ? " [decides]" : ""}`, unit: x.unit, value: x.wasm, baseline: "ts twin", baselineValue: x.ts,
    })));
  }
  const choice: Measurement[] = [];
  console.log("\nHOTPATH_CHOICE (src/platform/hotpath.ts) against this run, per use: the faster implementation in the");
  console.log("path's deciding pattern (geometric mean of its [decides] rows); Wasm wins when ratio > 1, within");
  console.log(`${TIE}x either way it is a tie (either choice is right). Why each is set as it is: src/platform/hotpath.ts.`);
  for (const use of uses) {
    const d = rows.filter((x) => x.use === use && x.decides);
    const ratio = Math.exp(d.reduce((s, x) => s + Math.log(x.wasm / x.ts), 0) / d.length);
    const faster = ratio >= 1 ? "wasm" : "ts";
    const tie = ratio < TIE && ratio > 1 / TIE;
    const set = use === "lpm" ? "wasm (platform.hotpath.lpm())" : HOTPATH_CHOICE[use];
    const verdict = set.startsWith(faster) ? "ok" : tie ? "ok (a tie in this run)" : "DIFFERS: rerun; if it holds, update HOTPATH_CHOICE";
    console.log(`  ${use.padEnd(15)} ${(tie ? `${faster}~` : faster).padEnd(6)} ${ratio.toFixed(2)}x  set: ${set.padEnd(30)} ${verdict}  (${d.map((x) => x.pattern).join("; ")})`);
    choice.push({ name: `${use}: wasm vs ts (${faster} faster; set ${set.split(" ")[0]})`, unit: "x", value: ratio, baseline: "ts twin = 1", baselineValue: 1 });
  }
  r.table("hotpath choice", "Hot path choice per use (deciding patterns; > 1 = Wasm faster)", choice);
  if (sink === 0.5) console.log(sink);
}
