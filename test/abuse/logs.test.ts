// Attacks 8 and 10: log floods and log keys. Before the fix every bad packet and refused connection wrote
// a warn line (42.5 MB of log for 260k packets), agent lines carried two `node` keys, and a dead member
// was logged as "member left". Now warn/error lines are rate-limited per message (5 per 10 s, then one
// line with the suppressed count), the member a line is about is `member`, and a failed member is
// logged as "member failed".
import dgram from "node:dgram";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { agentProc, members, report, pace, quietPeriod, stopAll, until } from "./harness.ts";

afterAll(stopAll);

describe("abuse: log floods and log keys", () => {
  it("20,000 bad datagrams and 2,000 bad connections make a handful of lines, then one with the suppressed count", async () => {
    const a = await agentProc("logs-target");
    const before = a.raw.length;
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const junk = Buffer.from([0x02, 0xff, 0xfe, 0xfd, 0x00, 0x01]); // an indirect ping that is not msgpack
    for (let i = 0; i < 20_000; i++) {
      udp.send(junk, a.port, "127.0.0.1");
      if (i % 1000 === 999) await pace(20);
    }
    const conns: Promise<void>[] = [];
    for (let i = 0; i < 2_000; i++) {
      conns.push(
        new Promise((r) => {
          const s = net.connect({ port: a.port, host: "127.0.0.1", localAddress: `127.0.2.${1 + (i % 200)}` });
          s.on("error", () => r());
          s.on("close", () => r());
          s.resume(); // read the errResp, so the close arrives
          s.on("connect", () => s.end(Buffer.from([0x06, 0xc1, 0xc1, 0xc1])));
        }),
      );
      if (i % 200 === 199) await Promise.all(conns.splice(0));
    }
    await Promise.all(conns);
    await until("the target read the flood", 30_000, async () => /gossamer_memberlist_dropped_total\{transport="udp"[^}]*\} [1-9]/.test(await (await fetch(`${a.url}/metrics`)).text()));
    const flood = a.raw.length - before;
    await quietPeriod(10_200, "the 10 s limiter window passes: the next bad packet's line reports what was dropped");
    udp.send(junk, a.port, "127.0.0.1");
    const summary = await until("a line with the suppressed count", 20_000, () => a.lines.slice(before).find((l) => typeof l["suppressed"] === "number" && (l["suppressed"] as number) > 1000));
    udp.close();
    report("log-flood", { datagrams: 20_000, connections: 2_000, linesDuringFlood: flood, suppressedReported: summary["suppressed"], message: summary.msg });
    expect(flood).toBeLessThan(100);
    expect(summary.level).toBe("warn");
  }, 120_000);

  it("one `node` key per line; a killed member is logged as failed, a leaving one as left", async () => {
    const a = await agentProc("keys-target");
    const dies = await agentProc("keys-dies", ["--join", `127.0.0.1:${a.port}`]);
    const leaves = await agentProc("keys-leaves", ["--join", `127.0.0.1:${a.port}`]);
    await until("all three see each other", 30_000, async () => (await members(a.url)).filter((m) => m.state === "alive").length === 3);
    dies.child.kill("SIGKILL");
    leaves.child.kill("SIGTERM");
    // Two of three gone at once: no one confirms the suspicion, so it runs to its maximum (Lifeguard, ~18 s).
    const failed = await until("member failed", 60_000, () => a.lines.find((l) => l.msg === "member failed"));
    const left = await until("member left", 20_000, () => a.lines.find((l) => l.msg === "member left"));
    expect(failed).toMatchObject({ level: "warn", member: "keys-dies", state: "dead", node: "keys-target" });
    expect(left).toMatchObject({ level: "info", member: "keys-leaves", state: "left", node: "keys-target" });
    expect(a.lines.some((l) => l.msg === "member left" && l["member"] === "keys-dies")).toBe(false);
    // Every line of every agent: at most one "node" key (JSON.parse would silently keep the last one).
    for (const p of [a, dies, leaves]) for (const line of p.raw) expect(line.match(/"node":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
    // Lines about other members carry them as `member` (e.g. the suspicion that preceded the failure).
    expect(a.lines.filter((l) => l["member"] === "keys-dies").length).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
