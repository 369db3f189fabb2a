// Attacks 4 and 9 on the worker relay, inside workerd. Subscriptions: before the fix a shard copied every
// connection's whole presence set into its attachment or a JSON row on every message (quadratic, far past
// a Durable Object's 128 MB for one peer); now one connection holds at most RELAY_MAX_SUBSCRIPTIONS_PER_PEER
// (8,192), each is one SQLite row written incrementally, and the attachment stays small. Backpressure:
// workerd's sockets report no send buffer (measured: no `bufferedAmount`, send() never throws), so a fast
// sender could queue without bound into a receiver that does not read; now each socket has an ack-clocked
// window (health-check echoes acknowledge) and transport past it is dropped and counted.
import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeAuth, encodePeerList, issueToken, peerIdFromPublicKey, RelayClient, whenOpen, type WebSocketLike } from "../../../src/relay/index.ts";
import type { RelayShard } from "../../../worker/relay-shard.ts";
import { quietPeriod } from "../../helpers/wait.ts";

async function socket(shard: number): Promise<WebSocket> {
  const res = await SELF.fetch(`http://relay.test/relay?shard=${shard}`, { headers: { Upgrade: "websocket" } });
  const ws = res.webSocket!;
  ws.accept();
  return ws;
}

async function client(shard: number, name: string): Promise<{ c: RelayClient; id: Uint8Array; got: number[]; ws: WebSocket }> {
  const ws = await socket(shard);
  await whenOpen(ws as unknown as WebSocketLike);
  const id = await peerIdFromPublicKey(name);
  const c = await RelayClient.connect(ws as unknown as WebSocketLike, { peerId: id, token: await issueToken(env.RELAY_AUTH_SECRET), serverSilenceMs: false });
  const got: number[] = [];
  c.onMessage((_from, payload) => got.push(payload.length));
  return { c, id, got, ws };
}

/** An authenticated socket that reads but never echoes health checks (a receiver that does not keep up). */
async function deafPeer(shard: number, name: string): Promise<{ ws: WebSocket; id: Uint8Array; bytes: () => number }> {
  const ws = await socket(shard);
  (ws as unknown as { binaryType: string }).binaryType = "arraybuffer";
  const id = await peerIdFromPublicKey(name);
  let bytes = 0;
  let authed!: () => void;
  const ok = new Promise<void>((r) => (authed = r));
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") return;
    const b = new Uint8Array(e.data as ArrayBuffer);
    if (b.length === 2) return; // health check: never echoed
    const m = decodeMessage(b);
    if (m.type === "authResponse") authed();
    if (m.type === "transport") bytes += b.length;
  });
  ws.send(encodeAuth(id, await issueToken(env.RELAY_AUTH_SECRET)));
  await ok;
  return { ws, id, bytes: () => bytes };
}

function shard(i: number): DurableObjectStub<RelayShard> {
  return env.RELAY_SHARD.getByName(`shard-${i}`);
}

async function metric(stub: DurableObjectStub<RelayShard>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const f = (await stub.metricsSnapshot()).find((x) => x.name === name);
  let sum = 0;
  for (const s of f?.samples ?? []) if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fakeIds = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const id = new Uint8Array(36);
    id.set(new TextEncoder().encode("sha-"));
    new DataView(id.buffer).setUint32(4, from + i);
    return id;
  });

describe("abuse (worker): subscription floods", () => {
  it("one peer's 20,000 subscriptions: 8,192 held, one row each, written incrementally, restored after eviction", async () => {
    const a = await client(1, "worker-abuse-sub");
    for (const m of encodePeerList("subscribe", fakeIds(0, 20_000))) a.ws.send(m);
    // (Counters restart when the object hibernates, so the held subscriptions and their rows are what is checked.)
    const rows = () => runInDurableObject(shard(1), (_i, state) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sub`).one().n);
    await waitFor(async () => (await rows()) === 8_192, "8,192 rows", 40_000);
    a.ws.send(encodePeerList("subscribe", fakeIds(50_000, 244))[0]!); // more: still refused
    await quietPeriod(300, "the extra subscriptions are refused, not stored");
    expect(await rows()).toBe(8_192);
    expect(await metric(shard(1), "relay_subscriptions")).toBe(8_192);
    const attachment = await runInDurableObject(shard(1), (_i, state) => JSON.stringify(state.getWebSockets().map((w) => w.deserializeAttachment())));
    expect(attachment.length).toBeLessThan(1024); // no lists in the attachment
    for (const m of encodePeerList("unsubscribe", fakeIds(0, 100))) a.ws.send(m);
    await waitFor(async () => (await rows()) === 8_092, "100 rows removed");
    await evictDurableObject(shard(1));
    a.ws.send(encodePeerList("subscribe", fakeIds(100, 1))[0]!); // an event wakes the object (already held: no change)
    await waitFor(async () => (await metric(shard(1), "relay_subscriptions")) === 8_092, "subscriptions restored after eviction");
    a.c.close();
    await waitFor(async () => (await rows()) === 0, "rows deleted at close");
  }, 120_000);
});

describe("abuse (worker): backpressure", () => {
  it("a receiver that never echoes gets at most about one 4 MiB window; the rest is dropped and counted", async () => {
    const sender = await client(2, "worker-abuse-sender");
    const deaf = await deafPeer(2, "worker-abuse-deaf");
    const payload = new Uint8Array(8000);
    for (let i = 0; i < 1500; i++) sender.c.send(deaf.id, payload); // 12 MB
    await waitFor(async () => (await metric(shard(2), "relay_dropped_packets_total", { reason: "backpressure" })) > 0, "backpressure drops");
    const drops = await metric(shard(2), "relay_dropped_packets_total", { reason: "backpressure" });
    await waitFor(() => deaf.bytes() + drops * (8000 + 38) >= 1500 * (8000 + 38) * 0.99, "every packet delivered or dropped");
    expect(deaf.bytes()).toBeLessThanOrEqual(4 * 1024 * 1024 + 2 * 8038);
    expect(drops).toBeGreaterThan(900);
    deaf.ws.close();
    sender.c.close();
  }, 120_000);

  it("a receiver that echoes (every NetBird client) keeps receiving: paced bursts pass without a drop", async () => {
    const sender = await client(3, "worker-abuse-sender-2");
    const good = await client(3, "worker-abuse-good");
    const payload = new Uint8Array(8000);
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 250; i++) sender.c.send(good.id, payload); // 2 MB per burst, 12 MB in all
      await waitFor(() => good.got.length === (burst + 1) * 250, `burst ${burst}`);
    }
    expect(await metric(shard(3), "relay_dropped_packets_total", { reason: "backpressure" })).toBe(0);
    sender.c.close();
    good.c.close();
  }, 120_000);
});
