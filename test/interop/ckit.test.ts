// gossamer's HTTP/2 gossiphttp transport against a REAL Go peer: Debian's memberlist 0.2.2 on
// golang.org/x/net/http2 (h2c), written from docs/protocols/ckit.md (test/interop/ckitpeer).
// Joins both ways, user messages both ways over /message and /stream, ckit State gossip and push/pull
// state both ways (Go encodes them with go-msgpack as ckit does), failure detection both ways, the
// check order (HTTP/1.1 -> 505, wrong content type -> 400) on both implementations, and a
// `gossamer agent --transport http2 --peer-state participant` process with GET /v1/peers.
import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProc, killAll, waitFor } from "./harness.ts";
import { buildCkitPeer, CkitGoPeer } from "./ckit-harness.ts";
import { startTs, stopAllTs, type TsNode } from "./util.ts";
import { decodeMessage, encodeStateMessage, PeerState } from "../../src/ckit/index.ts";
import { defaultConfig } from "../../src/memberlist/index.ts";

const te = new TextEncoder();

/** Upper bound for "failed member detected" with the local profile (as memberlist.test.ts). */
function detectionBoundMs(n: number): number {
  const c = defaultConfig("local", { name: "x" });
  const min = c.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * c.probeInterval;
  return n * c.probeInterval * c.awarenessMaxMultiplier + c.probeTimeout + c.suspicionMaxTimeoutMult * min + 5_000;
}

beforeAll(() => {
  buildCkitPeer();
});
afterAll(async () => {
  await stopAllTs();
  await killAll();
});

function h1status(addr: string, path: string): Promise<number> {
  const [host, port] = addr.split(":");
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path, method: "POST", headers: { "content-type": "application/x.ckit" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(Buffer.from("cc000141", "hex"));
  });
}

async function h2status(addr: string, path: string, contentType: string): Promise<number> {
  const c = http2.connect(`http://${addr}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = c.request({ ":method": "POST", ":path": path, "content-type": contentType });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.on("error", reject);
      req.resume();
      req.end(Buffer.from("cc000141", "hex"));
    });
  } finally {
    c.close();
  }
}

describe("gossamer <-> Go gossiphttp peer (memberlist 0.2.2, x/net/http2 h2c)", () => {
  let goA: CkitGoPeer;
  let goB: CkitGoPeer;
  let ts: TsNode;

  it("joins both ways over HTTP/2; members' addresses are their HTTP host:port", async () => {
    goA = await CkitGoPeer.start("go-a");
    ts = await startTs("ts-1", { transport: "http2", peerState: "participant" });
    expect(await ts.agent.memberlist.join([goA.addr])).toBe(1);
    goB = await CkitGoPeer.start("go-b", ["-join", ts.addr]);
    const j = await goB.waitLine("join result", 10_000, (l) => l["ev"] === "join");
    expect(j).toMatchObject({ err: "", contacted: 1 });
    const names = ["go-a", "go-b", "ts-1"];
    await waitFor("gossamer sees both Go peers alive", 10_000, () => names.every((n) => ts.member(n)?.state === "alive"));
    for (const go of [goA, goB]) await waitFor(`${go.name} sees all alive`, 10_000, () => names.every((n) => go.aliveMembers().includes(n)));
    expect(goA.members().find((m) => m.name === "ts-1")!.addr).toBe(ts.addr);
    expect(`127.0.0.1:${ts.member("go-b")!.port}`).toBe(goB.addr);
  });

  it("carries user messages both ways, over /message and /stream", async () => {
    // Reliable messages go once each and every one must arrive: a stream closed right after its write
    // still delivers what was written (as a TCP close does). Best-effort ones are re-sent until seen,
    // as an application would (a packet is allowed to be lost, and a loaded machine can make a POST
    // miss its 5 s timeout).
    const n = 20;
    const fromGo = Array.from({ length: n }, (_, i) => `stream-from-go-b-${i}`);
    const fromTs = Array.from({ length: n }, (_, i) => `stream-from-ts-1-${i}`);
    for (const m of fromGo) goB.send(`sendrel ts-1 ${m}`);
    for (const m of fromTs) await ts.agent.memberlist.sendReliable("go-b", te.encode(m));
    const sent = await waitFor("go-b's reliable sends", 20_000, () => {
      const s = goB.lines.filter((l) => l["ev"] === "sent");
      return s.length >= n ? s : undefined;
    });
    expect(sent.map((l) => l["err"])).toEqual(fromGo.map(() => ""));
    let lastSend = 0;
    await waitFor("best-effort packets both ways", 30_000, () => {
      if (Date.now() - lastSend >= 2_000) {
        lastSend = Date.now();
        if (!ts.messages.includes("packet-from-go-a")) goA.send("send ts-1 packet-from-go-a");
        if (!goA.messages().includes("packet-from-ts-1")) ts.agent.memberlist.sendBestEffort("go-a", te.encode("packet-from-ts-1"));
      }
      return ts.messages.includes("packet-from-go-a") && goA.messages().includes("packet-from-ts-1");
    });
    await waitFor("the stream messages", 20_000, () => fromGo.every((m) => ts.messages.includes(m)) && fromTs.every((m) => goB.messages().includes(m)));
  });

  it("ckit State gossip and push/pull state interoperate both ways, byte for byte", async () => {
    // Ours reached Go: ts-1 became participant after joining; Go decoded it with go-msgpack.
    const st = await goA.waitLine("state of ts-1", 10_000, (l) => l["ev"] === "state" && l["node"] === "ts-1" && l["state"] === 1);
    const sent = decodeMessage(Buffer.from(String(st["hex"]), "hex")).state;
    expect(Buffer.from(encodeStateMessage(sent)).toString("hex")).toBe(st["hex"]);
    expect(sent).toMatchObject({ nodeName: "ts-1", newState: PeerState.participant });
    // Go's reaches us: a State encoded by go-msgpack, decoded by our node layer.
    goA.send("state 1");
    const q = await goA.waitLine("state queued", 5_000, (l) => l["ev"] === "statequeued");
    expect(decodeMessage(Buffer.from(String(q["hex"]), "hex")).state).toMatchObject({ nodeName: "go-a", newState: 1 });
    await waitFor("ts-1 sees go-a as participant", 10_000, () => ts.agent.ckit!.state.peers().find((p) => p.name === "go-a")?.state === 1);
    // Push/pull: go-b joined through ts-1 and merged our {CurrentTime, NodeStates}.
    const rs = await goB.waitLine("remote state with ts-1", 10_000, (l) => l["ev"] === "remotestate" && (l["states"] as { node: string }[]).some((s) => s.node === "ts-1"));
    expect((rs["states"] as { node: string; state: number }[]).find((s) => s.node === "ts-1")!.state).toBe(1);
    expect(Number(rs["time"])).toBeGreaterThan(0);
  });

  it("both implementations answer HTTP/1.1 with 505 and a wrong content type with 400", async () => {
    for (const addr of [goA.addr, ts.addr]) {
      for (const path of ["/api/v1/ckit/transport/message", "/api/v1/ckit/transport/stream"]) {
        expect(await h1status(addr, path), `${addr} ${path}`).toBe(505);
        expect(await h2status(addr, path, "text/plain"), `${addr} ${path}`).toBe(400);
      }
      expect(await h2status(addr, "/api/v1/ckit/transport/message", "application/x.ckit")).toBe(200);
    }
  });

  // Before the failure test: a leave is gossiped to a few random members, and members dead for less than
  // the gossip-to-the-dead window still count among them, so with two fresh deaths the leave could miss go-a.
  it("a `gossamer agent --transport http2 --peer-state participant` process joins Go and serves /v1/peers", async () => {
    const agent = new AgentProc("agent-h2", ["--transport", "http2", "--peer-state", "participant", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--profile", "local", "--join", goA.addr]);
    await agent.running();
    // The state travels as a broadcast, which goes out only its retransmit count, each time to random
    // members; one that missed it gets it by push/pull (anti-entropy). Our own push/pull from go-a stands in
    // for the periodic one when the broadcast has not arrived within 2 s.
    const participant = (l: Record<string, unknown>) =>
      (l["ev"] === "state" && l["node"] === "agent-h2" && l["state"] === 1) ||
      (l["ev"] === "remotestate" && (l["states"] as { node: string; state: number }[]).some((s) => s.node === "agent-h2" && s.state === 1));
    let asked = Date.now();
    await waitFor("go-a learns the agent is a participant", 20_000, () => {
      if (goA.lines.some(participant)) return true;
      if (Date.now() - asked >= 2_000) {
        asked = Date.now();
        goA.send(`pushpull ${agent.addr}`);
      }
      return false;
    });
    const peers = await waitFor("agent sees go-a as participant", 10_000, async () => {
      const r = await fetch(`http://127.0.0.1:${agent.httpPort}/v1/peers`);
      const list = (await r.json()) as { name: string; addr: string; isSelf: boolean; state: string }[];
      return list.find((p) => p.name === "go-a")?.state === "participant" ? list : undefined;
    });
    expect(peers.find((p) => p.isSelf)).toEqual({ name: "agent-h2", addr: agent.addr, isSelf: true, state: "participant" });
    expect(peers.find((p) => p.name === "go-a")!.addr).toBe(goA.addr);
    await agent.kill("SIGTERM");
    // Terminating cannot be repaired by push/pull once the agent is gone: it is broadcast and also sent
    // directly to a few alive members (src/node/ckit-agent.ts).
    await goA.waitLine("agent terminating", 10_000, (l) => l["ev"] === "state" && l["node"] === "agent-h2" && l["state"] === 2);
    // memberlist's leave is a broadcast too (best-effort, Go's and ours alike); a member it missed drops
    // the agent by failure detection instead (memberlist 0.2.2 reports both as NotifyLeave).
    await goA.waitLine("agent gone from go-a", detectionBoundMs(4), (l) => l["ev"] === "node" && l["kind"] === "leave" && l["name"] === "agent-h2");
  }, 120_000);

  it("detects failures both ways", async () => {
    await goB.kill("SIGKILL");
    await waitFor("gossamer marks go-b dead", detectionBoundMs(3), () => ts.member("go-b") === undefined || ts.member("go-b")!.state === "dead");
    await waitFor("go-b leaves ts-1's peers", 5_000, () => !ts.agent.ckit!.state.peers().some((p) => p.name === "go-b"));
    const ts2 = await startTs("ts-2", { transport: "http2" });
    expect(await ts2.agent.memberlist.join([goA.addr])).toBe(1);
    await waitFor("go-a sees ts-2", 10_000, () => goA.aliveMembers().includes("ts-2"));
    await ts2.agent.memberlist.shutdown(); // crash: no leave
    await waitFor("go-a marks ts-2 dead", detectionBoundMs(3), () => !goA.aliveMembers().includes("ts-2"));
  }, 120_000);
});
