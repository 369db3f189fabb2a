// The HTTP/2 gossiphttp transport against the UDP/TCP transport, measured in the same run on loopback
// (issue 9, benchmarks). Goal: the HTTP/2 path within 3x of UDP per packet. HTTP/2 runs in both packet
// modes (docs/protocols/ckit.md §3.1): "stream" (the default: frames on one long-lived POST /message per
// peer) and "request" (one POST per batch, as ckit sends them; the fallback for peers that refuse
// streamed bodies).
//  - packets/s, 64 B and 1400 B: a keeps at most WINDOW packets in flight to b (so UDP does not just
//    overflow its socket buffer) until COUNT are delivered; delivered packets per second;
//  - round trip p50/p99: a sends one packet, b echoes it to a's advertised address, sequentially;
//  - memory per peer session: heap + external bytes after GC for SESSIONS peers that each received a
//    packet from one client (both ends of each HTTP/2 session), vs one UDP/TCP transport per peer;
//  - a 50-member cluster in one process: ckit nodes over HTTP/2 vs the same memberlist settings over
//    UDP/TCP, CPU per member in steady state, time to converge and the CPU time spent converging (on a
//    shared machine the wall time follows the CPU share the process gets; the CPU time much less so).
import v8 from "node:v8";
import vm from "node:vm";
import { CkitNode, ckitMemberlistConfig } from "../src/ckit/index.ts";
import { createMemberlist, type Memberlist } from "../src/memberlist/index.ts";
import { createCkitTransport } from "../src/node/ckit-transport.ts";
import { createTransport } from "../src/node/transport.ts";
import type { Transport } from "../src/transport/transport.ts";
import { testNodePlatform } from "../test/helpers/node-platform.ts";
import type { Measurement, Reporter } from "./report.ts";
import { emit } from "./ckit-shard.bench.ts";

const COUNT = 20_000;
const WINDOW = 256;
const RTTS = 1_000;
const SESSIONS = 100;
const MEMBERS = 50;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const addr = (t: Transport) => `${t.advertise().host}:${t.advertise().port}`;

type Kind = "udp" | "http2" | "http2-request";
const LABEL: Record<Kind, string> = { udp: "UDP", http2: "HTTP/2", "http2-request": "HTTP/2 request mode" };

async function pair(kind: Kind): Promise<[Transport, Transport]> {
  if (kind === "udp") return [await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" }), await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" })];
  const p = testNodePlatform();
  const packetMode = kind === "http2" ? "stream" : "request";
  return [await createCkitTransport(p, { listen: "127.0.0.1:0", packetMode }), await createCkitTransport(p, { listen: "127.0.0.1:0", packetMode })];
}

async function throughput(kind: Kind, size: number): Promise<number> {
  const [a, b] = await pair(kind);
  const to = addr(b);
  const buf = new Uint8Array(size).fill(7);
  let sent = 0;
  let got = 0;
  let lost = 0;
  const pump = () => {
    while (sent - got - lost < WINDOW && sent < COUNT) {
      a.sendPacket(to, buf);
      sent++;
    }
  };
  const t0 = performance.now();
  const rate = await new Promise<number>((resolve) => {
    let last = 0;
    // Event-driven: each delivery refills the window once half of it has drained.
    b.onPacket(() => {
      got++;
      if (got + lost >= COUNT) return resolve(got / ((performance.now() - t0) / 1000));
      if (sent - got - lost <= WINDOW / 2) pump();
    });
    // A window that stops moving (UDP drops under load) is counted lost and refilled.
    const watch = setInterval(() => {
      if (got === last && sent > got + lost) {
        lost = sent - got;
        if (got + lost >= COUNT) return resolve(got / ((performance.now() - t0) / 1000));
        pump();
      }
      last = got;
    }, 200);
    watch.unref();
    pump();
  });
  await Promise.all([a.close(), b.close()]);
  return rate;
}

async function roundTrips(kind: Kind, size: number): Promise<{ p50: number; p99: number }> {
  const [a, b] = await pair(kind);
  const back = addr(a);
  b.onPacket((p) => b.sendPacket(back, p.buf));
  let wake: (() => void) | undefined;
  a.onPacket(() => wake?.());
  const to = addr(b);
  const buf = new Uint8Array(size).fill(1);
  const rtts: number[] = [];
  for (let i = 0; i < RTTS + 50; i++) {
    const t0 = performance.now();
    const done = new Promise<boolean>((r) => {
      wake = () => r(true);
      setTimeout(() => r(false), 1_000).unref();
    });
    a.sendPacket(to, buf);
    if ((await done) && i >= 50) rtts.push((performance.now() - t0) * 1000);
  }
  await Promise.all([a.close(), b.close()]);
  rtts.sort((x, y) => x - y);
  return { p50: rtts[Math.floor(rtts.length * 0.5)]!, p99: rtts[Math.floor(rtts.length * 0.99)]! };
}

/** JS heap + external memory after GC (nghttp2's allocations are reported to V8 as external memory). */
function usedBytes(): { js: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { js: m.heapUsed + m.external };
}

async function memoryPerPeer(kind: "http2" | "udp"): Promise<{ js: number }> {
  const p = testNodePlatform();
  const client = kind === "http2" ? await createCkitTransport(p, { listen: "127.0.0.1:0" }) : await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" });
  const before = usedBytes();
  const peers: Transport[] = [];
  let got = 0;
  for (let i = 0; i < SESSIONS; i++) {
    const t = kind === "http2" ? await createCkitTransport(p, { listen: "127.0.0.1:0" }) : await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" });
    t.onPacket(() => void got++);
    peers.push(t);
  }
  for (const t of peers) client.sendPacket(addr(t), new Uint8Array(64));
  const t0 = performance.now();
  while (got < SESSIONS && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 10));
  const after = usedBytes();
  const perPeer = { js: (after.js - before.js) / SESSIONS };
  await Promise.all([client.close(), ...peers.map((t) => t.close())]);
  return perPeer;
}

async function cluster(kind: "http2" | "udp"): Promise<{ cpuPct: number; convergeS: number; convergeCpuS: number }> {
  const p = testNodePlatform();
  const members: { ml: Memberlist; stop(): Promise<void> }[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const name = `m${String(i).padStart(2, "0")}`;
    if (kind === "http2") {
      const t = await createCkitTransport(p, { listen: "127.0.0.1:0", metricsLabels: { member: name } });
      const n = await CkitNode.create(p, { name, transport: t, metricsLabels: { member: name }, leaveTimeoutMs: 200 });
      members.push({ ml: n.memberlist, stop: () => n.stop() });
    } else {
      const t = await createTransport(p, { bind: "127.0.0.1:0" });
      const ml = await createMemberlist(p, ckitMemberlistConfig(name, "", { disableTcpPings: false, udpBufferSize: 1400 }), t);
      members.push({ ml, stop: () => ml.shutdown() });
    }
  }
  const seed = addr(members[0]!.ml.core.transport);
  const c0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const m of members.slice(1)) await m.ml.join([seed]);
  while (!members.every((m) => m.ml.numMembers() === MEMBERS) && performance.now() - c0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  const convergeS = (performance.now() - c0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const convergeCpuS = (cpu.user + cpu.system) / 1e6;
  await new Promise((r) => setTimeout(r, 2_000));
  const u0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const u = process.cpuUsage(u0);
  const wallUs = (performance.now() - w0) * 1000;
  await Promise.all(members.map((m) => m.stop().catch(() => {})));
  return { cpuPct: ((u.user + u.system) / wallUs / MEMBERS) * 100, convergeS, convergeCpuS };
}

export async function run(r: Reporter): Promise<void> {
  const rate: Measurement[] = [];
  const rtt: Measurement[] = [];
  for (const size of [64, 1400]) {
    const udp = await throughput("udp", size);
    rate.push({ name: `UDP ${size} B`, unit: "packets/s", value: udp });
    const ru = await roundTrips("udp", size);
    rtt.push({ name: `UDP ${size} B p50`, unit: "us", value: ru.p50 });
    rtt.push({ name: `UDP ${size} B p99`, unit: "us", value: ru.p99 });
    for (const kind of ["http2", "http2-request"] as const) {
      const h2 = await throughput(kind, size);
      rate.push({ name: `${LABEL[kind]} ${size} B`, unit: "packets/s", value: h2, baseline: `UDP ${size} B`, baselineValue: udp });
      const rh = await roundTrips(kind, size);
      rtt.push({ name: `${LABEL[kind]} ${size} B p50`, unit: "us", value: rh.p50, baseline: `UDP ${size} B p50`, baselineValue: ru.p50 });
      rtt.push({ name: `${LABEL[kind]} ${size} B p99`, unit: "us", value: rh.p99, baseline: `UDP ${size} B p99`, baselineValue: ru.p99 });
    }
  }
  emit(r, "ckit transport packets", `gossip packets/s on loopback, window ${WINDOW} (goal: HTTP/2 within 3x of UDP)`, rate);
  emit(r, "ckit transport rtt", "gossip packet round trip on loopback (goal: HTTP/2 within 3x of UDP, ratio >= 0.33x)", rtt, false);
  const memU = await memoryPerPeer("udp");
  const memH = await memoryPerPeer("http2");
  emit(r, "ckit transport memory", `memory per peer after GC (${SESSIONS} peers in one process; HTTP/2: a listener and both ends of one session)`, [
    { name: "UDP/TCP transport per peer, heap+external", unit: "bytes", value: memU.js },
    { name: "HTTP/2 per peer session, heap+external", unit: "bytes", value: memH.js, baseline: "UDP/TCP transport per peer, heap+external", baselineValue: memU.js },
  ], false);
  const cu = await cluster("udp");
  const ch = await cluster("http2");
  emit(r, "ckit cluster 50", `${MEMBERS} members in one process, ckit's memberlist settings (probe 5 s, gossip 200 ms)`, [
    { name: "UDP/TCP CPU per member", unit: "% core", value: cu.cpuPct },
    { name: "HTTP/2 CPU per member", unit: "% core", value: ch.cpuPct, baseline: "UDP/TCP CPU per member", baselineValue: cu.cpuPct },
    { name: "UDP/TCP converge", unit: "s", value: cu.convergeS },
    { name: "HTTP/2 converge", unit: "s", value: ch.convergeS, baseline: "UDP/TCP converge", baselineValue: cu.convergeS },
    { name: "UDP/TCP CPU time to converge", unit: "s", value: cu.convergeCpuS },
    { name: "HTTP/2 CPU time to converge", unit: "s", value: ch.convergeCpuS, baseline: "UDP/TCP CPU time to converge", baselineValue: cu.convergeCpuS },
  ], false);
}
