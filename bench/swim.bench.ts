// SWIM + Lifeguard simulation benchmark (issue 3, deliverable 7): LAN-profile clusters of 100, 1000 and 5000 members
// on the in-memory network under a simulated clock. Every figure has a same-run baseline:
//  - dissemination to 99.9% of members of (a) memberlist's own alive broadcast (a meta update) and (b) a
//    user event re-broadcast by every receiver as Serf does, vs Serf's convergence model
//    (the formula of Serf's convergence simulator, serfModel below, computed here for the same n, fanout and interval);
//  - failure detection vs SWIM's expected first-detection time and the profile's suspicion bound;
//  - false positives per node-hour under 10% packet loss, Lifeguard vs plain SWIM (same code with
//    Lifeguard off: no awareness, no nacks, fixed suspicion timeout, no buddy suspect);
//  - packets and bytes per member per second vs the Serf simulator's max-bandwidth model;
//  - simulated member-seconds per wall-clock second vs real time (how many members one core could run).
// Compression is off (memberlist would LZW only when smaller; the bytes figure is uncompressed) and TCP
// fallback pings are off in the loss runs (our simulated streams are lossless, which would hide UDP loss).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Measurement, Reporter } from "./report.ts";
import { SimCluster } from "../src/memberlist/simulation.ts";
import type { MemberInfo } from "../src/memberlist/config.ts";

const FANOUT = 3;
const INTERVAL_S = 0.2;
const PROBE_S = 1;

/** Serf convergence model: rounds x = ln((n+1)p/(1-p)) / k, k = fanout(1-loss)(1-fail)/2; time = x·interval. */
function serfModel(n: number, p = 0.999, loss = 0): number {
  const k = (FANOUT * (1 - loss)) / 2;
  return (Math.log(((n + 1) * p) / (1 - p)) / k) * INTERVAL_S;
}

interface Sizing {
  n: number;
  warmMs: number;
  windowMs: number;
  detect: boolean;
}

interface Table {
  /** Reporter group key (see bench/report.ts). */
  group: string;
  title: string;
  rows: Measurement[];
  higherIsBetter: boolean;
}

async function lanCluster(s: Sizing): Promise<Table[]> {
  const n = s.n;
  let reached = 0;
  let deadSeen = 0;
  let victim = "";
  let eventReached = 0;
  const seenEvent = new Uint8Array(n);
  const c: SimCluster = new SimCluster({
    profile: "lan",
    seed: n,
    network: { latencyMs: 1, jitterMs: 1 },
    config: (i) => ({
      enableCompression: false,
      delegate: {
        // Serf-style user event: each member re-broadcasts an event the first time it sees it.
        notifyMsg: (b: Uint8Array) => {
          if (seenEvent[i]) return;
          seenEvent[i] = 1;
          eventReached++;
          c.members[i]!.broadcasts.queue(b.slice(), "event");
        },
      },
      events: {
        notifyUpdate: (m: MemberInfo) => {
          if (m.name === "node-0") reached++;
        },
        notifyLeave: (m: MemberInfo) => {
          if (m.name === victim && m.state === "dead") deadSeen++;
        },
      },
    }),
  });
  const setup0 = performance.now();
  await c.startConverged(n);
  const setupMs = performance.now() - setup0;
  await c.run(s.warmMs);

  // Steady state: traffic and simulation speed.
  const sent0 = c.net.stats.packetsSent;
  const bytes0 = c.net.stats.bytesSent;
  const w0 = performance.now();
  await c.run(s.windowMs);
  const wallS = (performance.now() - w0) / 1000;
  const simS = s.windowMs / 1000;
  const pktsPerNode = (c.net.stats.packetsSent - sent0) / n / simS;
  const bytesPerNode = (c.net.stats.bytesSent - bytes0) / n / simS;
  const nodeSecPerSec = (n * simS) / wallS;

  // Dissemination: node-0 re-advertises its meta; every receiver re-gossips the alive message.
  const target = Math.ceil(0.999 * (n - 1));
  const d0 = c.clock.now();
  const dp0 = c.net.stats.packetsSent;
  const db0 = c.net.stats.bytesSent;
  await c.members[0]!.updateMeta(new TextEncoder().encode("v2"));
  await c.clock.runUntilTrue(() => reached >= target, 15_000, 10);
  const dissem = (c.clock.now() - d0) / 1000;
  const dissemOk = reached >= target;
  const busyPkts = (c.net.stats.packetsSent - dp0) / n / dissem;
  const busyBytes = (c.net.stats.bytesSent - db0) / n / dissem;

  // A user event (Serf-style: re-broadcast by every receiver), 64 bytes.
  const e0 = c.clock.now();
  seenEvent[0] = 1;
  c.members[0]!.broadcasts.queue(new Uint8Array(64).fill(3), "event");
  await c.clock.runUntilTrue(() => eventReached >= target, 15_000, 10);
  const eventT = (c.clock.now() - e0) / 1000;
  const eventOk = eventReached >= target;

  const falseDeaths = c.members.reduce((a, m) => a + m.stats().deathsDeclared, 0);
  const hours = (n * (c.clock.now() / 1000)) / 3600;

  const rows: Measurement[] = [
    {
      name: `n=${n} alive (meta update) to 99.9%${dissemOk ? "" : " (NOT reached)"}`,
      unit: "s",
      value: dissem,
      baseline: "Serf model t(99.9%)",
      baselineValue: serfModel(n),
    },
    {
      name: `n=${n} user event (re-broadcast) to 99.9%${eventOk ? "" : " (NOT reached)"}`,
      unit: "s",
      value: eventT,
      baseline: "Serf model t(99.9%)",
      baselineValue: serfModel(n),
    },
  ];

  if (s.detect) {
    const vi = n - 1 - (n >> 2);
    victim = `node-${vi}`;
    const sus0 = c.members.reduce((a, m) => a + m.stats().suspicionsStarted, 0);
    const t0 = c.clock.now();
    c.net.setDown(c.members[vi]!.core.transport.advertise().host + ":7946", true);
    await c.members[vi]!.shutdown();
    let firstSuspect = -1;
    await c.clock.runUntilTrue(() => {
      if (firstSuspect < 0 && c.members.reduce((a, m) => a + m.stats().suspicionsStarted, 0) > sus0) firstSuspect = c.clock.now() - t0;
      return deadSeen >= Math.ceil(0.999 * (n - 1));
    }, 120_000, 50);
    const allDead = (c.clock.now() - t0) / 1000;
    const minTimeout = 4 * Math.max(1, Math.log10(n)) * PROBE_S;
    rows.push(
      {
        name: `n=${n} crash -> first suspicion`,
        unit: "s",
        value: firstSuspect / 1000,
        baseline: "SWIM E[first detection] e/(e-1)·T",
        baselineValue: (Math.E / (Math.E - 1)) * PROBE_S,
      },
      {
        name: `n=${n} crash -> dead at 99.9%`,
        unit: "s",
        value: allDead,
        baseline: "T + max suspicion timeout",
        baselineValue: PROBE_S + 6 * minTimeout,
      },
    );
  }
  rows.push(
    { name: `n=${n} packets sent per member (steady)`, unit: "pkt/s", value: pktsPerNode, baseline: "Serf model max (2·fanout/interval)", baselineValue: (2 * FANOUT) / INTERVAL_S },
    { name: `n=${n} bytes sent per member (steady)`, unit: "B/s", value: bytesPerNode, baseline: "Serf model max 1400·fanout/interval·2", baselineValue: (1400 * FANOUT * 2) / INTERVAL_S },
    { name: `n=${n} packets/member while disseminating`, unit: "pkt/s", value: busyPkts, baseline: "Serf model max (2·fanout/interval)", baselineValue: (2 * FANOUT) / INTERVAL_S },
    { name: `n=${n} bytes/member while disseminating`, unit: "B/s", value: busyBytes, baseline: "Serf model max 1400·fanout/interval·2", baselineValue: (1400 * FANOUT * 2) / INTERVAL_S },
    { name: `n=${n} false positives @0% loss`, unit: "/node-h", value: falseDeaths / hours },
  );
  await c.shutdown();
  return [
    { group: `swim lan ${n}`, title: `SWIM/Lifeguard simulation, LAN profile, ${n} members (lower is better)`, rows, higherIsBetter: false },
    {
      group: `swim speed ${n}`,
      title: `Simulation speed, ${n} members (setup ${(setupMs / 1000).toFixed(1)} s wall, ${simS} s window)`,
      rows: [
        { name: `n=${n} simulated member-seconds per second`, unit: "member-s/s", value: nodeSecPerSec, baseline: `real time (${n} members)`, baselineValue: n },
      ],
      higherIsBetter: true,
    },
  ];
}

const CHILD_ENV = "GOSSAMER_SWIM_CHILD";
const MARK = "@@swim-tables@@";

/**
 * 5000 members hold 25 M member-table entries (about 3.5 GB): run them in a child process with a larger
 * heap and young generation so the main bench process stays small.
 */
function inChild(s: Sizing): Promise<Table[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--max-old-space-size=7000", "--max-semi-space-size=64", fileURLToPath(import.meta.url)],
      { env: { ...process.env, [CHILD_ENV]: JSON.stringify(s) }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) reject(new Error(`swim child exited with ${code}`));
      else resolve(JSON.parse(line.slice(MARK.length)) as Table[]);
    });
  });
}

if (process.env[CHILD_ENV]) {
  const tables = await lanCluster(JSON.parse(process.env[CHILD_ENV]) as Sizing);
  process.stdout.write(`${MARK}${JSON.stringify(tables)}\n`);
}

function report(r: Reporter, tables: Table[]): void {
  for (const t of tables) r.table(t.group, t.title, t.rows, t.higherIsBetter);
}

async function falsePositives(
  lifeguard: boolean,
  n: number,
  loss: number,
  simMs: number,
  slow: { count: number; delayMs: number } = { count: 0, delayMs: 0 },
): Promise<{ perNodeHour: number; deaths: number }> {
  const c = new SimCluster({
    profile: "lan",
    seed: 17,
    network: { latencyMs: 1, jitterMs: 1, loss },
    config: () => ({ enableCompression: false, lifeguard, disableTcpPings: true }),
  });
  await c.startConverged(n);
  for (let i = 0; i < slow.count; i++) c.net.setReceiveDelay(c.members[i * 7]!.core.transport.advertise().host + ":7946", slow.delayMs);
  await c.run(simMs);
  const deaths = c.members.reduce((a, m) => a + m.stats().deathsDeclared, 0);
  await c.shutdown();
  return { perNodeHour: deaths / ((n * simMs) / 1000 / 3600), deaths };
}

export async function run(r: Reporter): Promise<void> {
  const t0 = performance.now();
  report(r, await lanCluster({ n: 100, warmMs: 2_000, windowMs: 20_000, detect: true }));
  report(r, await lanCluster({ n: 1000, warmMs: 2_000, windowMs: 10_000, detect: true }));
  report(r, await inChild({ n: 5000, warmMs: 500, windowMs: 2_000, detect: false }));

  // Window lengths keep the whole bench near 2–3 minutes on a 2-core machine.
  const n = 100;
  const rows: Measurement[] = [];
  for (const [loss, minutes] of [
    [0.1, 20],
    [0.2, 10],
  ] as const) {
    const simMs = minutes * 60_000;
    const lg = await falsePositives(true, n, loss, simMs);
    const swim = await falsePositives(false, n, loss, simMs);
    rows.push({
      name: `n=${n} loss=${loss * 100}% Lifeguard (${lg.deaths} in ${minutes} min)`,
      unit: "/node-h",
      value: lg.perNodeHour,
      baseline: `plain SWIM (${swim.deaths})`,
      baselineValue: swim.perNodeHour,
    });
  }
  // Lifeguard's own scenario: a few overloaded members that process packets late (here 5 of 100, 1.5 s).
  const slow = { count: 5, delayMs: 1_500 };
  const slowMs = 10 * 60_000;
  const lgSlow = await falsePositives(true, n, 0, slowMs, slow);
  const swimSlow = await falsePositives(false, n, 0, slowMs, slow);
  rows.push({
    name: `n=${n} 5 slow members (+1.5 s) Lifeguard (${lgSlow.deaths} in ${slowMs / 60_000} min)`,
    unit: "/node-h",
    value: lgSlow.perNodeHour,
    baseline: `plain SWIM (${swimSlow.deaths})`,
    baselineValue: swimSlow.perNodeHour,
  });
  r.table("swim false positives", "False positives per node-hour, no TCP fallback (lower is better)", rows, false);
  console.log(`swim bench total ${((performance.now() - t0) / 1000).toFixed(1)} s wall`);
}
