// A Set through a link whose neighbour closes it (FIN) or resets it (RST) while the Set waits for its
// ACK, over real loopback TCP: how long until the Set fails. Ours fails when the close arrives; minimega
// (the same node with failFast off) waits out the 10 s ACK timeout, measured once in the same run.
// Goal (issue 10, benchmarks): under 100 ms instead of after the 10 s timeout.
// The neighbour is a scripted peer replaying a captured minimega handshake (test/mesh/vectors).
import net from "node:net";
import { readFileSync } from "node:fs";
import { stringBody } from "../src/mesh/index.ts";
import { nodePlatform } from "../src/node/platform.ts";
import { startMeshNode } from "../src/node/mesh-node.ts";
import { nullLogger } from "../src/util/logger.ts";
import type { Reporter } from "./report.ts";

const capture = new Uint8Array(readFileSync(new URL("../test/mesh/vectors/s1a-c1-acceptor-10.200.0.1.bin", import.meta.url)));
// alpha's handshake (3 units), its two type definitions and its first MSA: the first 6 units of the capture
function firstUnits(bytes: Uint8Array, n: number): Uint8Array {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[p]!;
    let len = b;
    let h = 1;
    if (b >= 0x80) {
      const k = 256 - b;
      len = 0;
      for (let j = 0; j < k; j++) len = len * 256 + bytes[p + 1 + j]!;
      h += k;
    }
    p += h + len;
  }
  return bytes.subarray(0, p);
}
const HELLO = firstUnits(capture, 6);
const ack = (id: number) => Uint8Array.of(0x05, 0xff, 0x82, 0x05, id, 0x00);

/** A peer that answers the handshake and ACKs MSAs, never a MESSAGE. */
async function silentPeer(): Promise<{ port: number; next(): Promise<net.Socket>; close(): Promise<void> }> {
  const waiting: ((s: net.Socket) => void)[] = [];
  const server = net.createServer((s) => {
    s.on("error", () => {});
    s.write(HELLO);
    let acked = 0;
    s.on("data", () => {
      while (acked < 20) s.write(ack(++acked));
    });
    waiting.shift()?.(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    next: () => new Promise((r) => waiting.push(r)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function failAfterClose(how: "FIN" | "RST", failFast: boolean): Promise<number> {
  const peer = await silentPeer();
  const n = await startMeshNode(nodePlatform({ logger: nullLogger, wasm: false }), { name: "bravo", msaPeriodMs: 10_000, timeoutMs: 10_000, failFast, transport: { port: 0, host: "127.0.0.1", udp: false } });
  try {
    const sock = peer.next();
    await n.node.dial(`127.0.0.1:${peer.port}`);
    const s = await sock;
    while (n.node.broadcastRecipients().length === 0) await new Promise((r) => setImmediate(r));
    const sent = n.node.set(["alpha"], stringBody("never acked"));
    await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    if (how === "FIN") s.end();
    else s.resetAndDestroy();
    const r = await sent;
    if (r.failed.length !== 1) throw new Error("the Set did not fail");
    return performance.now() - t0;
  } finally {
    await n.close();
    await peer.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(r: Reporter): Promise<void> {
  const ROUNDS = 15;
  const fin: number[] = [];
  const rst: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    fin.push(await failAfterClose("FIN", true));
    rst.push(await failAfterClose("RST", true));
  }
  const minimega = await failAfterClose("FIN", false);
  r.table(
    "mesh link set after close",
    "mesh: a Set through a link that closes while it waits for its ACK (median of 15; goal < 100 ms)",
    [
      { name: "fails after FIN", unit: "ms", value: median(fin), baseline: "minimega: ACK timeout", baselineValue: minimega },
      { name: "fails after RST", unit: "ms", value: median(rst), baseline: "minimega: ACK timeout", baselineValue: minimega },
      { name: "fails after FIN (worst of 15)", unit: "ms", value: Math.max(...fin) },
      { name: "fails after RST (worst of 15)", unit: "ms", value: Math.max(...rst) },
    ],
    false,
  );
}
