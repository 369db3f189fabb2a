// Hot-path benchmarks (issue 2, deliverable 5): frame scan, CRC-32, xxHash64 and SHA-256, each as Wasm (data
// resident in linear memory, N messages per call), Wasm with a copy-in per call, the TS twin, and the
// best npm / built-in alternative, all in the same run with ratios against that alternative. Then each
// production path's own call pattern, Wasm vs TS, and the platform's choice (bench/hotpath-paths.ts).
import { hash as nodeHash } from "node:crypto";
import { crc32 as zcrc32 } from "node:zlib";
import CRC32 from "crc-32";
import xxhash from "xxhash-wasm";
import { createHotpath } from "../src/hotpath/index.ts";
import type { Hotpath } from "../src/hotpath/index.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
import type { Reporter } from "./report.ts";
import { medianOps } from "./report.ts";
import { runPaths } from "./hotpath-paths.ts";

const BATCH = 1024;

function randomMsgs(n: number, size: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(size);
    for (let j = 0; j < size; j++) b[j] = (i * 31 + j * 7 + (j >>> 3)) & 0xff;
    return b;
  });
}

/** Lays messages back to back in the input window and describes them in the pairs window. */
function residentBatch(hp: Hotpath, msgs: Uint8Array[]): void {
  const total = msgs.reduce((s, m) => s + m.length, 0);
  const win = hp.input(total);
  const pairs = hp.pairs();
  let off = 0;
  msgs.forEach((m, i) => {
    win.set(m, off);
    pairs[2 * i] = off;
    pairs[2 * i + 1] = m.length;
    off += m.length;
  });
}

function ckitStream(frames: number, payload: number): Uint8Array {
  const size = 3 + payload;
  const out = new Uint8Array(frames * size);
  for (let i = 0; i < frames; i++) {
    out[i * size] = 0xcc;
    out[i * size + 1] = payload >>> 8;
    out[i * size + 2] = payload & 0xff;
  }
  return out;
}

let sink = 0;

export async function run(r: Reporter): Promise<void> {
  const wasm = createHotpath(hotpathModule(), { maxPairs: 16384 });
  const ts = createHotpath(undefined, { maxPairs: 16384 });
  const { h64Raw } = await xxhash();

  // --- frame scan: 64-byte ckit frames (3-byte header + 61-byte payload), 4096 frames (256 KiB) per batch.
  {
    const N = 4096;
    const stream = ckitStream(N, 61);
    for (const hp of [wasm, ts]) hp.input(stream.length).set(stream);
    const naive = (): number => {
      // what hand-written JS usually does: a DataView read and a subarray per frame
      const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
      let p = 0, n = 0;
      const frames: Uint8Array[] = [];
      while (p + 3 <= stream.length) {
        const len = dv.getUint16(p + 1);
        frames.push(stream.subarray(p + 3, p + 3 + len));
        p += 3 + len;
        n++;
      }
      return n + frames.length;
    };
    const base = medianOps(naive, N);
    const row = (name: string, v: number) => ({ name, unit: "frames/s", value: v, baseline: "JS DataView+subarray", baselineValue: base });
    r.table("hotpath ckit scan 64B", "ckit frame scan, 64-byte frames, batch of 4096", [
      row("wasm, resident batch", medianOps(() => { sink += wasm.scanCkitWindow(0, stream.length).count; }, N)),
      row("wasm, copy-in per batch", medianOps(() => { sink += wasm.scanCkit(stream).count; }, N)),
      row("ts twin", medianOps(() => { sink += ts.scanCkitWindow(0, stream.length).count; }, N)),
      { name: "JS DataView+subarray", unit: "frames/s", value: base },
    ]);
  }

  // --- CRC-32 at 64 B and 1400 B vs crc-32 (SheetJS) and node:zlib.
  for (const size of [64, 1400]) {
    const msgs = randomMsgs(BATCH, size);
    const one = msgs[0]!;
    residentBatch(wasm, msgs);
    residentBatch(ts, msgs);
    let k = 0;
    const base = medianOps(() => { sink += CRC32.buf(msgs[k++ & (BATCH - 1)]!); });
    const row = (name: string, v: number) => ({ name, unit: "msg/s", value: v, baseline: "crc-32", baselineValue: base });
    r.table(`hotpath crc32 ${size}B`, `CRC-32, ${size} B messages`, [
      row("wasm, resident batch of 1024", medianOps(() => { sink += wasm.crc32Frames(BATCH)[0]!; }, BATCH)),
      row("wasm, copy 1024 in + 1 call", medianOps(() => { residentBatch(wasm, msgs); sink += wasm.crc32Frames(BATCH)[0]!; }, BATCH)),
      row("wasm, copy-in per call", medianOps(() => { sink += wasm.crc32(msgs[k++ & (BATCH - 1)]!); })),
      row("ts twin", medianOps(() => { sink += ts.crc32(msgs[k++ & (BATCH - 1)]!); })),
      row("node:zlib crc32", medianOps(() => { sink += zcrc32(one); })),
      { name: "crc-32", unit: "msg/s", value: base },
    ]);
  }

  // --- xxHash64 at 64 B vs xxhash-wasm h64Raw.
  for (const size of [64, 1400]) {
    const msgs = randomMsgs(BATCH, size);
    residentBatch(wasm, msgs);
    residentBatch(ts, msgs);
    let k = 0;
    const base = medianOps(() => { sink += Number(h64Raw(msgs[k++ & (BATCH - 1)]!, 0n) & 1n); });
    const row = (name: string, v: number) => ({ name, unit: "msg/s", value: v, baseline: "xxhash-wasm h64Raw", baselineValue: base });
    r.table(`hotpath xxh64 ${size}B`, `xxHash64, ${size} B messages`, [
      row("wasm, resident batch of 1024", medianOps(() => { sink += wasm.xxh64Frames(BATCH).length; }, BATCH)),
      row("wasm, copy 1024 in + 1 call", medianOps(() => { residentBatch(wasm, msgs); sink += wasm.xxh64Frames(BATCH).length; }, BATCH)),
      row("wasm, copy-in per call", medianOps(() => { sink += Number(wasm.xxh64(msgs[k++ & (BATCH - 1)]!) & 1n); })),
      row("ts twin", medianOps(() => { sink += Number(ts.xxh64(msgs[k++ & (BATCH - 1)]!) & 1n); })),
      { name: "xxhash-wasm h64Raw", unit: "msg/s", value: base },
    ]);
  }

  // --- SHA-256 vs node:crypto one-shot hash.
  for (const size of [64, 1400]) {
    const msgs = randomMsgs(256, size);
    residentBatch(wasm, msgs);
    residentBatch(ts, msgs);
    let k = 0;
    const base = medianOps(() => { sink += nodeHash("sha256", msgs[k++ & 255]!, "buffer")[0]!; });
    const row = (name: string, v: number) => ({ name, unit: "msg/s", value: v, baseline: "node:crypto hash", baselineValue: base });
    r.table(`hotpath sha256 ${size}B`, `SHA-256, ${size} B messages`, [
      row("wasm, resident batch of 256", medianOps(() => { sink += wasm.sha256Frames(256)[0]!; }, 256)),
      row("wasm, copy-in per call", medianOps(() => { sink += wasm.sha256(msgs[k++ & 255]!)[0]!; })),
      row("ts twin", medianOps(() => { sink += ts.sha256(msgs[k++ & 255]!)[0]!; })),
      { name: "node:crypto hash", unit: "msg/s", value: base },
    ]);
  }
  await runPaths(r);
  if (sink === 0.5) console.log(sink);
}
