// gossamer against REAL Go memberlist 0.2.2 peers (our test peer built from Debian's sources), on
// loopback: joins both ways, user messages and broadcasts both ways, push/pull user state, and failure
// detection both ways within the suspicion timeout the "local" profile implies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import os from "node:os";
import { AgentProc, GoPeer, buildGoPeer, killAll, requireGo, requireSerf, waitFor } from "./harness.ts";
import { startTs, stopAllTs, type TsNode } from "./util.ts";
import { defaultConfig } from "../../src/memberlist/config.ts";

const te = new TextEncoder();

/** Upper bound for "failed node detected": a full probe round, the Lifeguard max suspicion timeout, slack. */
function detectionBoundMs(n: number): number {
  const c = defaultConfig("local", { name: "x" });
  const min = c.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * c.probeInterval;
  const max = c.suspicionMaxTimeoutMult * min;
  return n * c.probeInterval * c.awarenessMaxMultiplier + c.probeTimeout + max + 5_000;
}

beforeAll(() => {
  buildGoPeer();
});
afterAll(async () => {
  await stopAllTs();
  await killAll();
});

describe("gossamer <-> Go memberlist 0.2.2", () => {
  let goA: GoPeer;
  let goB: GoPeer;
  let ts: TsNode;

  it("a gossamer node joins a Go cluster, a Go node joins the gossamer node, and all see each other alive", async () => {
    goA = await GoPeer.start("go-a", ["-userstate", "state-from-go-a"]);
    ts = await startTs("ts-1", { userState: te.encode("state-from-ts-1") });
    const contacted = await ts.agent.memberlist.join([goA.addr]);
    expect(contacted).toBe(1);
    goB = await GoPeer.start("go-b", ["-join", ts.addr, "-userstate", "state-from-go-b"]);
    const joinLine = await goB.waitLine("join result", 10_000, (l) => l["ev"] === "join");
    expect(joinLine["err"]).toBe("");
    expect(joinLine["contacted"]).toBe(1);

    const names = ["go-a", "go-b", "ts-1"];
    await waitFor("gossamer sees go-a and go-b alive", 10_000, () => names.every((n) => ts.member(n)?.state === "alive"));
    for (const go of [goA, goB]) {
      await waitFor(`${go.name} sees all three alive`, 10_000, () => {
        const ms = go.members();
        return names.every((n) => ms.some((m) => m.name === n && m.state === 0));
      });
    }
    // What Go sees of us: our advertised address/port, and a 6-byte version vector [1,5,2,0,0,0].
    const seen = goA.members().find((m) => m.name === "ts-1")!;
    expect(seen.addr).toBe("127.0.0.1");
    expect(seen.port).toBe(ts.agent.transport.bound().port);
    expect(seen.vsn).toEqual([1, 5, 2, 0, 0, 0]);
    // What we see of Go.
    const a = ts.member("go-a")!;
    expect(a.port).toBe(goA.port);
    expect(Array.from(a.vsn)).toEqual([1, 5, 2, 0, 0, 0]);
  });

  it("exchanges push/pull user state on join, both ways", async () => {
    // ts-1 joined go-a: go-a merged our state, we merged go-a's.
    await goA.waitLine("merge of ts-1 state", 10_000, (l) => l["ev"] === "merge" && l["state"] === "state-from-ts-1" && l["join"] === true);
    await waitFor("ts-1 merged go-a state", 10_000, () => ts.states.some((s) => s.state === "state-from-go-a" && s.join));
    // go-b joined ts-1: same in the other direction.
    await goB.waitLine("merge of ts-1 state", 10_000, (l) => l["ev"] === "merge" && l["state"] === "state-from-ts-1");
    await waitFor("ts-1 merged go-b state", 10_000, () => ts.states.some((s) => s.state === "state-from-go-b"));
  });

  it("carries user messages both ways, best-effort (UDP) and reliable (TCP)", async () => {
    goA.send("send ts-1 udp-from-go-a");
    goB.send("sendrel ts-1 tcp-from-go-b");
    await waitFor("ts-1 got both Go messages", 10_000, () => ts.messages.includes("udp-from-go-a") && ts.messages.includes("tcp-from-go-b"));

    ts.agent.memberlist.sendBestEffort("go-a", te.encode("udp-from-ts-1"));
    await ts.agent.memberlist.sendReliable("go-b", te.encode("tcp-from-ts-1"));
    await waitFor("go-a got the UDP message", 10_000, () => goA.messages().includes("udp-from-ts-1"));
    await waitFor("go-b got the TCP message", 10_000, () => goB.messages().includes("tcp-from-ts-1"));
  });

  it("disseminates user broadcasts both ways", async () => {
    // memberlist broadcasts are best-effort: with 3 members the local profile's retransmit limit is
    // RetransmitMult(2) x ceil(log10(4)) = 2 transmits, and a ping that piggy-backs the broadcast to one
    // peer can spend both on that peer (Go behaves the same). So a broadcast that has not reached every
    // peer is queued again, as an application re-gossips; each arrival is still a gossiped broadcast
    // decoded by the other implementation, never a direct send.
    const until = async (what: string, queue: () => void, got: () => boolean) => {
      queue();
      let last = Date.now();
      await waitFor(what, 15_000, () => {
        if (got()) return true;
        if (Date.now() - last > 2_000) {
          queue();
          last = Date.now();
        }
        return false;
      });
    };
    await until("ts-1 got go-a's broadcast", () => goA.send("bcast bcast-from-go-a"), () => ts.messages.includes("bcast-from-go-a"));
    await until(
      "both Go peers got ts-1's broadcast",
      () => ts.agent.broadcast(te.encode("bcast-from-ts-1")),
      () => goA.messages().includes("bcast-from-ts-1") && goB.messages().includes("bcast-from-ts-1"),
    );
  });

  it("detects a killed Go node as failed within the suspicion timeout", async () => {
    const bound = detectionBoundMs(3);
    await goB.kill("SIGKILL");
    await waitFor("ts-1 marks go-b dead", bound, () => {
      const m = ts.member("go-b");
      return m === undefined || m.state === "dead";
    });
    // Go agrees, and the survivors are still alive to each other.
    await goA.waitLine("go-a sees go-b leave", bound, (l) => l["ev"] === "node" && l["kind"] === "leave" && l["name"] === "go-b");
    expect(ts.member("go-a")?.state).toBe("alive");
    expect(goA.members().find((m) => m.name === "ts-1")?.state).toBe(0);
  });

  it("a killed gossamer agent process is detected as failed by Go", async () => {
    const agent = await new AgentProc("ts-proc", ["--bind", "127.0.0.1:0", "--profile", "local", "--delegate-versions", "0,0,0", "--join", goA.addr]).running(15_000);
    await waitFor("go-a sees ts-proc alive", 10_000, () => goA.members().some((m) => m.name === "ts-proc" && m.state === 0));
    await agent.kill("SIGKILL");
    await goA.waitLine("go-a declares ts-proc failed", detectionBoundMs(3), (l) => l["ev"] === "node" && l["kind"] === "leave" && l["name"] === "ts-proc");
    await waitFor("go-a's member list drops ts-proc", 5_000, () => !goA.members().some((m) => m.name === "ts-proc"));
    expect(goA.alive).toBe(true);
  });
});

describe("a mixed cluster", () => {
  it("4 Go + 4 gossamer members converge, and agree on two failures (one of each kind)", async () => {
    const gos: GoPeer[] = [await GoPeer.start("mix-go-0")];
    const tss: TsNode[] = [];
    for (let i = 0; i < 4; i++) {
      // Alternate: each new member joins a random earlier member of the other implementation.
      const t = await startTs(`mix-ts-${i}`);
      expect(await t.agent.memberlist.join([gos[Math.floor(Math.random() * gos.length)]!.addr])).toBe(1);
      tss.push(t);
      if (i < 3) {
        const g = await GoPeer.start(`mix-go-${i + 1}`, ["-join", tss[Math.floor(Math.random() * tss.length)]!.addr]);
        expect((await g.waitLine("join", 10_000, (l) => l["ev"] === "join"))["err"]).toBe("");
        gos.push(g);
      }
    }
    const all = [...gos.map((g) => g.name), ...tss.map((t) => t.name)];
    const tsSees = (t: TsNode, names: string[], state: string) => names.every((n) => t.member(n)?.state === state);
    const goSees = (g: GoPeer, names: string[]) => names.every((n) => g.members().some((m) => m.name === n && m.state === 0));
    await waitFor("8 members everywhere", 40_000, () => tss.every((t) => tsSees(t, all, "alive")) && gos.every((g) => goSees(g, all)));

    await gos[1]!.kill("SIGKILL");
    await tss[1]!.agent.shutdown(); // no leave: looks like a crash to the others
    const gone = [gos[1]!.name, tss[1]!.name];
    const live = all.filter((n) => !gone.includes(n));
    const bound = detectionBoundMs(8);
    await waitFor("survivors agree on the two failures", bound, () =>
      [tss[0]!, tss[2]!, tss[3]!].every((t) => gone.every((n) => t.member(n) === undefined || t.member(n)!.state === "dead") && tsSees(t, live, "alive")) &&
      [gos[0]!, gos[2]!, gos[3]!].every((g) => goSees(g, live) && !g.members().some((m) => gone.includes(m.name))),
    );
  }, 240_000);
});

describe("gossamer <-> Go over IPv6 loopback", () => {
  it("joins both ways on [::1] (16-byte addresses on the wire), when the host has ::1", async () => {
    const has = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket("udp6");
      s.once("error", () => resolve(false));
      s.bind(0, "::1", () => {
        s.close();
        resolve(true);
      });
    });
    // The detection agrees with the interfaces the OS lists; a host without ::1 has nothing more to test.
    const listed = Object.values(os.networkInterfaces()).some((l) => (l ?? []).some((a) => a.address === "::1"));
    expect(has).toBe(listed);
    if (!has) return;
    const go6 = await GoPeer.start("go-v6", [], "::1");
    const ts6 = await startTs("ts-v6", { bind: "[::1]:0" });
    expect(await ts6.agent.memberlist.join([go6.addr])).toBe(1);
    const go6b = await GoPeer.start("go-v6b", ["-join", `[::1]:${ts6.agent.transport.bound().port}`], "::1");
    expect((await go6b.waitLine("join", 10_000, (l) => l["ev"] === "join"))["err"]).toBe("");
    await waitFor("all alive over IPv6", 10_000, () =>
      ["go-v6", "go-v6b"].every((n) => ts6.member(n)?.state === "alive") &&
      [go6, go6b].every((g) => g.members().some((m) => m.name === "ts-v6" && m.state === 0 && m.addr === "::1")),
    );
    expect(ts6.member("go-v6")!.addr).toBe("::1");
    go6.send("send ts-v6 hello-v6");
    await waitFor("IPv6 user message", 10_000, () => ts6.messages.includes("hello-v6"));
  });
});

describe("harness", () => {
  it("a missing Go toolchain or serf is a clear failure, not a skip", () => {
    const noPath = { ...process.env, PATH: "/nonexistent" };
    expect(() => requireGo(noPath)).toThrow(/Go toolchain is missing.*apt-get install/);
    expect(() => requireSerf(noPath)).toThrow(/serf agent is missing.*apt-get install/);
  });
});
