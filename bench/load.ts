// WebSocket load generator shared by the relay benches (Node relay and worker relay), so a relay and its
// bare baseline always see the same traffic from the same client code. Messages are relay transport
// messages [1][3][dst ID 36][payload]; the payload starts with the send time (f64). Against a relay
// (`kind: "relay"`) a peer authenticates with a real token first and the relay rewrites the ID slot to the
// sender; against a bare forwarder (`kind: "bare"`) a peer registers its 36-byte ID with its first message
// (answered with anything) and messages travel unchanged. Relay health checks ([1][5]) are echoed.
import WebSocket from "ws";
import { encodeAuth } from "../src/relay/codec.ts";

export type PeerKind = "relay" | "bare";

export interface Endpoint {
  kind: PeerKind;
  /** ws:// URL a peer connects to (the worker bench picks a shard per peer). */
  url: string;
}

export interface LoadResult {
  msgsPerSec: number;
  /** Server CPU time per delivered message (from the `cpu` probe), NaN without one. */
  cpuUsPerMsg: number;
  p50us: number;
  p99us: number;
  /** Messages given up as lost (a stall of stallMs with messages in flight). */
  lost: number;
}

let idSeq = 0;
/** A fresh 36-byte peer ID ("sha-" + counter + pid; the relay does not check the hash part). */
export function makeId(): Buffer {
  const id = Buffer.alloc(36);
  id.write("sha-", "latin1");
  id.writeUInt32BE(++idSeq, 4);
  id.writeUInt32BE(process.pid, 8);
  id.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 12);
  return id;
}

/** Opens a peer: authenticated (relay) or registered (bare); resolves once the server answered. */
export async function openPeer(ep: Endpoint, id: Uint8Array, token: Uint8Array): Promise<WebSocket> {
  const ws = new WebSocket(ep.url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
  const ready = new Promise<void>((resolve, reject) => (ws.once("message", () => resolve()), ws.once("close", (c) => reject(new Error(`closed ${c} before ready`)))));
  ws.send(ep.kind === "relay" ? encodeAuth(id, token) : id);
  await ready;
  return ws;
}

export function closeAll(socks: WebSocket[], timeoutMs = 2000): Promise<void> {
  return Promise.all(
    socks.map(
      (ws) =>
        new Promise<void>((r) => {
          if (ws.readyState === WebSocket.CLOSED) return r();
          const t = setTimeout(() => (ws.terminate(), r()), timeoutMs);
          ws.once("close", () => (clearTimeout(t), r()));
          ws.close();
        }),
    ),
  ).then(() => undefined);
}

function transport(dst: Uint8Array, size: number): Buffer {
  const m = Buffer.allocUnsafe(38 + size);
  m[0] = 1;
  m[1] = 3;
  m.set(dst, 2);
  m.writeDoubleLE(performance.now(), 38);
  return m;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadOptions {
  /** Sender and receiver endpoints per pair (the worker bench puts them on different shards). */
  pairs: Array<{ from: Endpoint; to: Endpoint }>;
  token: Uint8Array;
  /** Payload bytes after the 38-byte header (at least 8: the send time). */
  size: number;
  /** Messages in flight per pair (closed loop). */
  window: number;
  warmupMs: number;
  measureMs: number;
  /** Server CPU time in microseconds (cumulative), sampled around the measured window. */
  cpu?: () => Promise<number>;
  /** In-flight messages are written off as lost after this long without a delivery. */
  stallMs?: number;
  /** Pause between opening the peers and the first message (lets presence registrations land). */
  settleMs?: number;
}

/**
 * Closed loop: each sender keeps `window` messages in flight; each delivery lets it send one more.
 * Latency is measured per message (send time in the payload, same process). Returns after the drain.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const lat = new Float64Array(4_000_000);
  let nLat = 0;
  let received = 0;
  let lost = 0;
  let measuring = false;
  let sending = true;
  const socks: WebSocket[] = [];
  const inFlight: number[] = [];
  const lastRx: number[] = [];
  const pumps: Array<() => void> = [];
  for (let p = 0; p < o.pairs.length; p++) {
    const { from, to } = o.pairs[p]!;
    const aId = makeId();
    const bId = makeId();
    const a = await openPeer(from, aId, o.token);
    const b = await openPeer(to, bId, o.token);
    socks.push(a, b);
    inFlight[p] = 0;
    lastRx[p] = performance.now();
    const pump = () => {
      while (sending && inFlight[p]! < o.window) {
        inFlight[p]!++;
        a.send(transport(bId, Math.max(8, o.size)));
      }
    };
    pumps.push(pump);
    for (const ws of [a, b]) {
      ws.on("message", (data: Buffer) => {
        if (data[1] === 5) return ws.send(data); // health-check echo
        if (data[1] !== 3 || ws !== b) return;
        inFlight[p] = Math.max(0, inFlight[p]! - 1);
        lastRx[p] = performance.now();
        if (measuring) {
          received++;
          if (nLat < lat.length) lat[nLat++] = performance.now() - data.readDoubleLE(38);
        }
        pump();
      });
    }
  }
  const stallMs = o.stallMs ?? 1000;
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (let p = 0; p < pumps.length; p++) {
      if (inFlight[p]! > 0 && now - lastRx[p]! > stallMs) {
        lost += inFlight[p]!;
        inFlight[p] = 0;
        lastRx[p] = now;
        pumps[p]!();
      }
    }
  }, Math.max(50, stallMs / 4));
  if (o.settleMs) await sleep(o.settleMs);
  for (const pump of pumps) pump();
  await sleep(o.warmupMs);
  const cpu0 = o.cpu ? await o.cpu() : NaN;
  measuring = true;
  const t0 = performance.now();
  await sleep(o.measureMs);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUs = o.cpu ? (await o.cpu()) - cpu0 : NaN;
  sending = false;
  const drainUntil = performance.now() + 2000;
  while (inFlight.some((n) => n > 0) && performance.now() < drainUntil) await sleep(10);
  clearInterval(watchdog);
  await closeAll(socks);
  const sorted = lat.subarray(0, nLat).sort();
  const q = (f: number) => (nLat ? sorted[Math.min(nLat - 1, Math.floor(f * nLat))]! * 1000 : NaN);
  return { msgsPerSec: received / elapsed, cpuUsPerMsg: cpuUs / Math.max(1, received), p50us: q(0.5), p99us: q(0.99), lost };
}

/**
 * Unloaded round trips: A sends `size` payload bytes to B, B sends them straight back to A, one message
 * in flight; returns the round-trip time percentiles in microseconds (after `warmup` round trips).
 */
export async function roundTrips(from: Endpoint, to: Endpoint, token: Uint8Array, size: number, count: number, warmup = 200): Promise<{ p50us: number; p99us: number; meanUs: number }> {
  const aId = makeId();
  const bId = makeId();
  const a = await openPeer(from, aId, token);
  const b = await openPeer(to, bId, token);
  const rtt = new Float64Array(count);
  let n = -warmup;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  b.on("message", (data: Buffer) => {
    if (data[1] === 5) return b.send(data);
    if (data[1] !== 3) return;
    data.set(aId, 2); // back to A (a relay overwrites the slot with B's ID on the way)
    b.send(data);
  });
  let t0 = 0;
  const ping = () => {
    const m = transport(bId, size);
    t0 = performance.now();
    a.send(m);
  };
  a.on("message", (data: Buffer) => {
    if (data[1] === 5) return a.send(data);
    if (data[1] !== 3) return;
    const t = performance.now() - t0;
    if (n >= 0) rtt[n] = t;
    if (++n >= count) return done();
    ping();
  });
  ping();
  await Promise.race([finished, sleep(60_000)]);
  await closeAll([a, b]);
  const got = rtt.subarray(0, Math.max(0, Math.min(n, count))).sort();
  const q = (f: number) => (got.length ? got[Math.min(got.length - 1, Math.floor(f * got.length))]! * 1000 : NaN);
  const mean = got.length ? (got.reduce((s, x) => s + x, 0) / got.length) * 1000 : NaN;
  return { p50us: q(0.5), p99us: q(0.99), meanUs: mean };
}
