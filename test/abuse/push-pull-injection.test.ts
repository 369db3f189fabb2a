// Attack 5: member injection through one push/pull. A stranger on loopback (127.0.0.2) opens one push/pull
// to the node carrying 131,072 invented members (all that the decode limit allows; Go memberlist accepts
// them too), 1,000 more at an address outside --allowed-cidrs (::1: outside 127.0.0.0/8, yet still this
// machine should the check ever regress), and forged states far ahead of what the node knows: the
// healthy peer "left" and the node itself "dead" at incarnations near 2^32 (which could never be refuted).
// Before the fix: ~2-8 KB per injected member, every one probed (a traffic reflector), and a lasting
// false "dead". Now: at most 1,024 new members per peer-opened push/pull, none outside the allowed
// networks, forged incarnation jumps ignored; the healthy peer never marks the node dead.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { encodePushPull } from "../../src/memberlist/codec/index.ts";
import type { PushNodeState } from "../../src/memberlist/messages.ts";
import { BOUNDS, agentProc, members, metric, report, sampleLatency, pace, quietPeriod, stopAll, until, watchAlive } from "./harness.ts";

afterAll(stopAll);

const VSN = Uint8Array.of(1, 5, 2, 0, 0, 0);
const st = (Name: string, Addr: Uint8Array, Port: number, State: number, Incarnation: number): PushNodeState => ({ Name, Addr, Port, Meta: new Uint8Array(0), Incarnation, State, Vsn: VSN });
const LOOPBACK6 = Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0));

function sendPushPull(port: number, msg: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const s = net.connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
    s.on("error", () => {});
    s.on("data", (d) => (got += d.length));
    s.on("connect", () => s.write(msg));
    s.on("close", () => resolve(got));
    setTimeout(() => s.end(), 8_000).unref();
  });
}

describe("abuse: push/pull member injection", () => {
  it("131,072 injected members, addresses outside the allowed CIDRs, forged far-ahead incarnations", async () => {
    // lan timers: reading a 6.5 MB push/pull takes longer than the local profile's 1 s TCP deadline.
    const target = await agentProc("inject-target", ["--profile", "lan"]);
    const healthy = await agentProc("inject-healthy", ["--join", `127.0.0.1:${target.port}`]);
    await until("healthy sees the target", 30_000, async () => (await members(healthy.url)).some((m) => m.name === target.name && m.state === "alive"));
    const healthyPort = healthy.port;

    // Built before the measurements start: the test process blocks ~1 s encoding it.
    const states: PushNodeState[] = [];
    for (let i = 0; i < 131_072; i++) states.push(st(`inj-${i}`, Uint8Array.of(127, 3, i >> 8, i & 255), 40_000 + (i % 1000), 0, 1));
    for (let i = 0; i < 1_000; i++) states.push(st(`out-${i}`, LOOPBACK6, 41_000 + i, 0, 1));
    states.push(st(healthy.name, Uint8Array.of(127, 0, 0, 1), healthyPort, 3, 0xfffffff0)); // "left", unrefutable
    states.push(st(target.name, Uint8Array.of(127, 0, 0, 1), target.port, 2, 0xffffffff)); // "dead" about itself
    // Decode limit: 131,072 states per push/pull; put the forged states and the outsiders first.
    const forged = states.splice(131_072);
    const msg = encodePushPull({ header: { Join: false, Nodes: 0, UserStateLen: 0 }, states: [...forged, ...states.slice(0, 131_072 - forged.length)], userState: new Uint8Array(0) });
    const watch = watchAlive(healthy, target.name);
    const lat = sampleLatency(target.url);
    const rss0 = target.rssKiB();
    const replied = await sendPushPull(target.port, msg);
    expect(replied).toBeGreaterThan(0); // the node answered with its own state

    await quietPeriod(5_000, "probes of the injected members, gossip, refutations: nothing may mark the node dead");
    const view = await members(target.url);
    const capped = await metric(target.url, 'gossamer_memberlist_rejected_total{reason="push_pull_cap"}');
    const cidr = await metric(target.url, 'gossamer_memberlist_rejected_total{reason="cidr"}');
    const jumps = await metric(target.url, 'gossamer_memberlist_rejected_total{reason="incarnation_jump"}');
    const w = await watch.stop();
    const l = await lat.stop();
    const rssGrowth = target.rssKiB() - rss0;
    report("push-pull-injection", { sent: 131_072, added: view.length - 2, capped, cidrRejected: cidr, incarnationJumps: jumps, pushPullBytes: msg.length, membersP50Ms: l.p50, membersP99Ms: l.p99, rssGrowthKiB: rssGrowth, healthyBad: w.bad.length });

    expect(view.length).toBeLessThanOrEqual(2 + 1_024);
    expect(view.filter((m) => !m.address.startsWith("127."))).toEqual([]);
    expect(capped).toBeGreaterThan(129_000);
    expect(cidr).toBeGreaterThanOrEqual(1_000);
    expect(jumps).toBeGreaterThanOrEqual(2);
    expect(view.find((m) => m.name === target.name)?.state).toBe("alive");
    expect(view.find((m) => m.name === healthy.name)?.state).toBe("alive");
    expect(w.bad).toEqual([]);
    expect(w.failedLines).toBe(0);
    expect(l.p99).toBeLessThan(BOUNDS.p99Ms);
    expect(rssGrowth).toBeLessThan(BOUNDS.rssGrowthKiB);
  }, 90_000);
});
