// The portable relay conformance suite (test/relay/conformance.ts) against the worker, inside workerd:
// real WebSockets through the Hono app into RelayShard Durable Objects. Connections without a shard
// land on a random one of the 4 shards, so replacement and subscriptions also cross shards there.
// Plus worker-specific cases: cross-shard batching keeps order, hibernation restore, health checks
// from the alarm, the peer directory's bookkeeping, and placement hints.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient, whenOpen, type WebSocketLike } from "../../src/relay/client.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import { relayConformance } from "../relay/conformance.ts";
import { waitUntil } from "../helpers/wait.ts";
import { LINK_TAG, type RelayShard } from "../../worker/relay-shard.ts";

const SHARDS = Number(env.RELAY_SHARDS);

async function connect(opts?: { shard?: number; query?: string }): Promise<WebSocketLike> {
  const q = opts?.shard !== undefined ? `?shard=${opts.shard}` : (opts?.query ?? "");
  const res = await SELF.fetch(`http://relay.test/relay${q}`, { headers: { Upgrade: "websocket" } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket in the upgrade response (status ${res.status})`);
  ws.accept();
  return ws as unknown as WebSocketLike;
}

relayConformance("worker (Durable Object shards)", {
  secret: env.RELAY_AUTH_SECRET,
  shards: SHARDS,
  instanceUrl: env.RELAY_INSTANCE_URL,
  connect,
});

const enc = new TextEncoder();
const dec = new TextDecoder();

async function newPeer(shard: number, who?: Uint8Array): Promise<{ c: RelayClient; id: Uint8Array; key: string }> {
  const id = who ?? (await peerIdFromPublicKey(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))));
  const ws = await connect({ shard });
  await whenOpen(ws);
  const c = await RelayClient.connect(ws, { peerId: id, token: await issueToken(env.RELAY_AUTH_SECRET), serverSilenceMs: false });
  return { c, id, key: peerIdToString(id) };
}

function shardStub(i: number): DurableObjectStub<RelayShard> {
  return env.RELAY_SHARD.getByName(`shard-${i}`);
}

async function metric(stub: DurableObjectStub<RelayShard>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const fams = await stub.metricsSnapshot();
  const f = fams.find((x) => x.name === name);
  let sum = 0;
  for (const s of f?.samples ?? []) if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

/**
 * Evicts a shard the way the runtime would once cross-shard traffic is idle: a link's opening end is an
 * ordinary WebSocket whose upgrade request stays open (and keeps the opener in memory) until the alarm's
 * idle sweep closes it. So first every shard closes its idle links, and the evicted shard has seen its
 * accepted links close.
 */
async function evictShard(i: number): Promise<void> {
  for (let j = 0; j < SHARDS; j++) {
    await runInDurableObject(shardStub(j), (obj: RelayShard) => (obj as unknown as { forwarder: { closeIdle(ms: number): number } }).forwarder.closeIdle(0));
  }
  await waitUntil("the links to close", () =>
    runInDurableObject(shardStub(i), (_obj, state) => state.getWebSockets(LINK_TAG).every((ws) => ws.readyState !== WebSocket.OPEN)),
  );
  await evictDurableObject(shardStub(i));

}

describe("worker relay: cross-shard forwarding", () => {
  it("forwards a burst across shards completely and in order, in no more link messages than packets", async () => {
    const a = await newPeer(2);
    const b = await newPeer(3);
    const got: string[] = [];
    b.c.onMessage((_from, payload) => got.push(dec.decode(payload)));
    // warm the location cache with one packet, then a burst
    a.c.send(b.id, enc.encode("warm"));
    await waitUntil("the warm-up packet", () => got.length === 1);
    const before = await metric(shardStub(2), "relay_forward_batches_total");
    const N = 300;
    for (let i = 0; i < N; i++) a.c.send(b.id, enc.encode(`p${i}`));
    await waitUntil(`${N} packets`, () => got.length === N + 1);
    expect(got.slice(1)).toEqual(Array.from({ length: N }, (_, i) => `p${i}`));
    const batches = (await metric(shardStub(2), "relay_forward_batches_total")) - before;
    // how much coalesces depends on scheduling (test/worker/forwarder.test.ts pins the rule down)
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(N);
    expect(await metric(shardStub(2), "relay_cluster_forwards_total", { result: "ok" })).toBeGreaterThanOrEqual(N + 1);
    // the link from shard 2 is a socket of shard 3, but not a relay connection
    const sockets = await runInDurableObject(shardStub(3), (_obj, state) => ({ all: state.getWebSockets().length, links: state.getWebSockets(LINK_TAG).length }));
    expect(sockets.links).toBeGreaterThanOrEqual(1);
    expect(await metric(shardStub(3), "relay_websockets")).toBe(sockets.all - sockets.links);
    a.c.close();
    b.c.close();
  });

  it("re-locates a peer that moved to another shard (stale cache entry is invalidated)", async () => {
    const a = await newPeer(0);
    const b = await newPeer(1);
    const got: string[] = [];
    b.c.onMessage((_f, p) => got.push(dec.decode(p)));
    a.c.send(b.id, enc.encode("one"));
    await waitUntil("first packet", () => got.length === 1);
    // b reconnects on shard 2: shard 1 evicts the old socket, the directory points at shard 2
    const b2 = await newPeer(2, b.id);
    await b.c.closed;
    const got2: string[] = [];
    b2.c.onMessage((_f, p) => got2.push(dec.decode(p)));
    // shard 0 still caches "shard-1"; the first packets may be dropped there, later ones arrive
    await waitUntil(
      "a packet at the moved peer",
      () => {
        if (got2.length > 0) return true;
        a.c.send(b.id, enc.encode("again"));
        return false;
      },
      { interval: 20 },
    );
    expect(got2[0]).toBe("again");
    a.c.close();
    b2.c.close();
  });
});

describe("worker relay: directory and placement", () => {
  it("registers authenticated peers with the directory and forgets them on close", async () => {
    const p = await newPeer(1);
    const dir = env.PEER_DIRECTORY.getByName("dir-0");
    await waitUntil("registration", async () => (await dir.locate(p.key)) === "shard-1");
    p.c.close();
    await waitUntil("unregistration", async () => (await dir.locate(p.key)) === null);
  });

  it("places a peer by the ?peer= hint deterministically", async () => {
    const id = await peerIdFromPublicKey("placement-test-key");
    const key = peerIdToString(id);
    const dir = env.PEER_DIRECTORY.getByName("dir-0");
    const shards = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      const ws = await connect({ query: `?peer=${encodeURIComponent(key)}` });
      await whenOpen(ws);
      const c = await RelayClient.connect(ws, { peerId: id, token: await issueToken(env.RELAY_AUTH_SECRET), serverSilenceMs: false });
      await waitUntil("registration", async () => (await dir.locate(key)) !== null);
      shards.add(await dir.locate(key));
      c.close();
      await c.closed;
      await waitUntil("unregistration", async () => (await dir.locate(key)) === null);
    }
    expect(shards.size).toBe(1);
  });

  it("rejects non-WebSocket requests and other methods on /relay", async () => {
    const r1 = await SELF.fetch("http://relay.test/relay");
    expect(r1.status).toBe(426);
    const r2 = await SELF.fetch("http://relay.test/relay", { method: "POST", body: "x" });
    expect(r2.status).toBe(405);
  });
});

describe("worker relay: hibernation and health checks", () => {
  it("keeps relaying after the shard object is evicted (sockets hibernate, state restored)", async () => {
    const a = await newPeer(3);
    const b = await newPeer(3);
    const got: string[] = [];
    b.c.onMessage((_f, p) => got.push(dec.decode(p)));
    await evictShard(3);
    a.c.send(b.id, enc.encode("after eviction"));
    await waitUntil("a packet after eviction", () => got.length === 1);
    expect(got[0]).toBe("after eviction");
    const n = await runInDurableObject(shardStub(3), (obj: RelayShard) => (obj as unknown as { core: { peerCount: number } }).core.peerCount);
    expect(n).toBeGreaterThanOrEqual(2);
    a.c.close();
    b.c.close();
  });

  it("restores long subscription lists (kept outside the 16 KiB attachment) after eviction", async () => {
    const a = await newPeer(1);
    const online: string[] = [];
    a.c.onPeersOnline((ids) => online.push(...ids));
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => peerIdFromPublicKey(`sub-${i}`)));
    a.c.subscribe(ids);
    a.c.subscribe([a.id]); // barrier: answered at once, after the 300
    await waitUntil("the barrier", () => online.includes(a.key));
    await evictShard(1);
    const late = await newPeer(1, ids[299]);
    await waitUntil("online for a subscribed peer after eviction", () => online.includes(late.key));
    late.c.close();
    a.c.close();
  });

  it("answers a text 'ping' with 'pong' through the auto-response, without closing the relay socket", async () => {
    const ws = await connect({ shard: 2 });
    await whenOpen(ws);
    const got: unknown[] = [];
    ws.addEventListener("message", (ev: { data: unknown }) => {
      got.push(ev.data);
    });
    ws.send("ping" as unknown as Uint8Array);
    await waitUntil("the auto-response", () => got.length > 0);
    expect(got[0]).toBe("pong");
    // still a relay socket: it can authenticate afterwards
    const id = await peerIdFromPublicKey("auto-response-test");
    const c = await RelayClient.connect(ws, { peerId: id, token: await issueToken(env.RELAY_AUTH_SECRET), serverSilenceMs: false });
    expect(c.instanceUrl).toBe(env.RELAY_INSTANCE_URL);
    c.close();
  });

  it("pings from the alarm; the client echoes; a silent socket is closed after 45 s", async () => {
    const a = await newPeer(0);
    expect(await runDurableObjectAlarm(shardStub(0))).toBe(true);
    await waitUntil("a server ping", () => a.c.healthChecks >= 1);
    // the echo refreshed the attachment's echoAt; now pretend it was 46 s ago
    await runInDurableObject(shardStub(0), (_obj, state) => {
      for (const ws of state.getWebSockets()) {
        const st = ws.deserializeAttachment() as { peer: string | null; echoAt?: number } | null; // null: a link
        if (st?.peer === a.key) ws.serializeAttachment({ ...st, echoAt: Date.now() - 46_000 });
      }
    });
    await evictShard(0); // the object reloads attachments on wake-up
    await runDurableObjectAlarm(shardStub(0));
    const closed = await a.c.closed;
    expect(closed.code).toBe(4001);
    // gone for good: not a peer of the shard any more (no phantom rebuilt from its attachment), and
    // the directory forgot it
    const dir = env.PEER_DIRECTORY.getByName("dir-0");
    await waitUntil("unregistration", async () => (await dir.locate(a.key)) === null);
    const still = await runInDurableObject(shardStub(0), (obj: RelayShard) => (obj as unknown as { core: { has(k: string): boolean } }).core.has(a.key));
    expect(still).toBe(false);
  });
});
