// Attack 4: subscription floods on the Node relay. Before the fix subscriptions were unbounded and every
// subscribe message copied the connection's whole presence set (quadratic): one peer drove the relay past
// 1.4 GB. Now a connection holds at most 8,192 subscriptions (the relay 500,000), each message costs
// O(its IDs), and memory per subscription is bounded (measured and reported here).
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { encodePeerList, issueToken, peerIdFromPublicKey, RelayClient, type WebSocketLike } from "../../src/relay/index.ts";
import { BOUNDS, report, pace, quietPeriod, spawnGossamer, stopAll, until, type Proc } from "./harness.ts";

afterAll(stopAll);

const SECRET = "abuse-subscriptions-secret";

async function relayProc(extra: string[] = []): Promise<Proc & { url: string; http: string }> {
  const p = spawnGossamer(["relay", "--listen", "127.0.0.1:0", "--auth-secret", SECRET, ...extra]);
  const up = await until("relay listening", 20_000, () => {
    if (p.child.exitCode !== null) throw new Error(`relay exited ${p.child.exitCode}: ${p.stderr()}`);
    return p.lines.find((l) => l.msg === "relay listening");
  });
  const listen = String(up["listen"]);
  return Object.assign(p, { url: `ws://${listen}/relay`, http: `http://${listen}` });
}

async function metric(http: string, series: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Raw authenticated socket (the client library is not needed to flood). */
async function rawPeer(url: string, name: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  const id = await peerIdFromPublicKey(name);
  const c = await RelayClient.connect(ws as unknown as WebSocketLike, { peerId: id, token: await issueToken(SECRET), serverSilenceMs: false });
  void c;
  return ws;
}

function ids(from: number, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const id = new Uint8Array(36);
    id.set(new TextEncoder().encode("sha-"));
    new DataView(id.buffer).setUint32(4, from + i);
    return id;
  });
}

describe("abuse: relay subscription floods", () => {
  it("one peer subscribing 250,000 IDs holds 8,192; ten peers hold 8,192 each; memory per subscription is bounded", async () => {
    const r = await relayProc();
    const rss0 = r.rssKiB();
    const flooder = await rawPeer(r.url, "abuse-sub-flooder");
    for (const m of encodePeerList("subscribe", ids(0, 250_000))) flooder.send(m);
    await until("flood applied", 20_000, async () => (await metric(r.http, "relay_subscriptions_refused_total")) >= 250_000 - 8_192);
    expect(await metric(r.http, "relay_subscriptions")).toBe(8_192);
    const oneGrowth = r.rssKiB() - rss0;

    const peers: WebSocket[] = [];
    for (let p = 0; p < 10; p++) {
      const ws = await rawPeer(r.url, `abuse-sub-${p}`);
      for (const m of encodePeerList("subscribe", ids(1_000_000 * (p + 1), 8_192))) ws.send(m);
      peers.push(ws);
    }
    await until("all subscriptions applied", 20_000, async () => (await metric(r.http, "relay_subscriptions")) === 11 * 8_192);
    await quietPeriod(500, "the relay settles before its RSS is read");
    const growth = r.rssKiB() - rss0;
    const held = await metric(r.http, "relay_subscriptions");
    const perSub = Math.round((growth * 1024) / held);
    // Still serving: a fresh peer connects.
    const late = await rawPeer(r.url, "abuse-sub-late");
    for (const ws of [flooder, late, ...peers]) ws.close();
    report("relay-subscriptions", { floodIds: 250_000, held, refused: await metric(r.http, "relay_subscriptions_refused_total"), rssGrowthKiB: growth, rssAfterOneFlooderKiB: oneGrowth, bytesPerSubscription: perSub });

    expect(held).toBe(11 * 8_192);
    expect(growth).toBeLessThan(BOUNDS.rssGrowthKiB);
    expect(perSub).toBeLessThan(1024); // RSS-based (heap measured in-process: ~200 B)
  }, 90_000);
});
