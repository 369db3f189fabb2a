import { instantiateHotpath } from "../src/hotpath/wasm.ts";
import { hotpathModule } from "../src/node/hotpath.ts";
const ex = instantiateHotpath(hotpathModule()) as any;
const N = Number(process.argv[2] ?? 4096), PAY = Number(process.argv[3] ?? 61);
const size = 3 + PAY;
const inp = ex.hpAlloc(N * size) >>> 0, out = ex.hpAlloc(8 * N) >>> 0;
const u8 = new Uint8Array(ex.memory.buffer);
for (let i = 0; i < N; i++) { u8[inp + i * size] = 0xcc; u8[inp + i * size + 1] = PAY >> 8; u8[inp + i * size + 2] = PAY & 255; }
for (let r = 0; r < 7; r++) {
  const t0 = performance.now(); let k = 0, s = 0;
  while (performance.now() - t0 < 300) { for (let j = 0; j < 64; j++) s += ex.scanCkit(inp, 0, N * size, out, N, -1); k += 64; }
  const dt = performance.now() - t0;
  console.log((k * N / dt / 1e3).toFixed(1), "M frames/s", s === k * N);
}
