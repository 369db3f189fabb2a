// Streaming /message requests (docs/protocols/ckit.md §3.1) against a REAL Go peer (test/interop/ckitpeer:
// memberlist 0.2.2 on golang.org/x/net/http2 h2c, its handler reading frames in a loop as ckit's does):
//  - gossamer's default stream mode carries packets to Go on one long-lived /message request, and Go
//    delivers each frame while that request is still open (before the body ends); Go's one-request-per-
//    packet sends still reach gossamer;
//  - a Go peer started with -require-length answers 411 to a body without a declared length (a peer that
//    does not take streamed bodies): gossamer falls back to one request per batch for it, with a
//    content-length, and messages still arrive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, waitFor } from "./harness.ts";
import { buildCkitPeer, CkitGoPeer } from "./ckit-harness.ts";
import { createMemberlist, defaultConfig, type Memberlist } from "../../src/memberlist/index.ts";
import { createCkitTransport, type CkitHttpTransport } from "../../src/node/ckit-transport.ts";
import { testPlatform } from "../helpers/platform.ts";

const te = new TextEncoder();
const td = new TextDecoder();

interface Member {
  name: string;
  ml: Memberlist;
  t: CkitHttpTransport;
  messages: string[];
}

const started: Member[] = [];

/** An in-process gossamer member on the HTTP/2 transport, with the Go peer's memberlist settings. */
async function member(name: string): Promise<Member> {
  const platform = testPlatform();
  const t = await createCkitTransport(platform, { listen: "127.0.0.1:0" });
  const messages: string[] = [];
  const ml = await createMemberlist(
    platform,
    defaultConfig("local", {
      name,
      disableTcpPings: true,
      udpBufferSize: 10 * 1024 * 1024,
      tcpTimeout: 5_000,
      delegate: { notifyMsg: (b) => void messages.push(td.decode(b)) },
    }),
    t,
  );
  const m = { name, ml, t, messages };
  started.push(m);
  return m;
}

interface GoStats {
  messageRequests: number;
  messageOpen: number;
  messageStreamed: number;
  messageFrames: number;
}

/** Asks the Go peer for its /message counters and waits for the answer. */
async function statsOf(go: CkitGoPeer): Promise<GoStats> {
  const before = go.lines.filter((l) => l["ev"] === "stats").length;
  go.send("stats");
  const l = await waitFor(`${go.name} stats`, 10_000, () => go.lines.filter((x) => x["ev"] === "stats")[before]);
  return l as unknown as GoStats;
}

beforeAll(() => {
  buildCkitPeer();
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((m) => m.ml.shutdown().catch(() => {})));
  await killAll();
});

describe("streamed /message bodies with a Go gossiphttp peer", () => {
  it("gossamer's packets share one open request and Go delivers each before the body ends; Go's reach gossamer", async () => {
    const go = await CkitGoPeer.start("go-s");
    const ts = await member("ts-s");
    expect(await ts.ml.join([go.addr])).toBe(1);
    await waitFor("go-s sees ts-s alive", 10_000, () => go.aliveMembers().includes("ts-s"));
    const before = await statsOf(go);
    const n = 10;
    for (let i = 0; i < n; i++) {
      await ts.ml.sendBestEffort("go-s", te.encode(`streamed-${i}`));
      await go.waitLine(`streamed-${i}`, 10_000, (l) => l["ev"] === "msg" && l["data"] === `streamed-${i}`);
      // The request that carried it is still open on Go's side: delivered before its body ended.
      expect((await statsOf(go)).messageOpen, `after streamed-${i}`).toBeGreaterThanOrEqual(1);
    }
    const after = await statsOf(go);
    expect(after.messageFrames - before.messageFrames).toBeGreaterThanOrEqual(n);
    // Fewer requests than packets: they share the open one (only idle or aged requests are replaced).
    expect(after.messageRequests - before.messageRequests).toBeLessThan(n);
    expect(after.messageStreamed).toBeGreaterThanOrEqual(1);
    expect(ts.t.stats()).toMatchObject({ fallbackPeers: 0 });
    expect(ts.t.stats().packetStreams).toBeGreaterThanOrEqual(1);
    // The other way: Go's one POST per packet, as ckit sends them.
    let last = 0;
    await waitFor("go-s's packet at ts-s", 30_000, () => {
      if (Date.now() - last >= 2_000) {
        last = Date.now();
        go.send("send ts-s from-go-s");
      }
      return ts.messages.includes("from-go-s");
    });
  });

  it("a Go peer that wants a content-length gets one request per batch, and messages still arrive", async () => {
    const go = await CkitGoPeer.start("go-l", ["-require-length"]);
    const ts = await member("ts-l");
    expect(await ts.ml.join([go.addr])).toBe(1);
    // Best-effort packets may be lost (the streamed request that met the 411 counted its packets failed):
    // re-send until seen, as an application would.
    let last = 0;
    await waitFor("ts-l's packet at go-l", 30_000, () => {
      if (Date.now() - last >= 1_000) {
        last = Date.now();
        void ts.ml.sendBestEffort("go-l", te.encode("to-go-l"));
      }
      return go.messages().includes("to-go-l");
    });
    expect(ts.t.stats().fallbackPeers).toBe(1);
    const s = await statsOf(go);
    expect(s.messageStreamed).toBeGreaterThanOrEqual(1);
    expect(s.messageRequests - s.messageStreamed).toBeGreaterThanOrEqual(1);
    // Membership keeps working over the fallback in both directions.
    await waitFor("go-l sees ts-l alive", 15_000, () => go.aliveMembers().includes("ts-l"));
    await waitFor("ts-l sees go-l alive", 15_000, () => ts.ml.members().some((m) => m.name === "go-l" && m.state === "alive"));
  });
});
