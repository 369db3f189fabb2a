// The relay conformance suite against the Node relay with real `ws` sockets: once against a single
// relay, once against two relays joined by an in-process directory + forwarder (the same seams the
// Durable Object shards use), so the cross-shard cases run on Node too. Plus the Node-only surface:
// /healthz, /metrics names, graceful shutdown, the 404 for other upgrade paths.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RelayForwardError } from "../../src/relay/errors.ts";
import type { RelayForwarder, RelayHooks } from "../../src/relay/conn.ts";
import type { RelayCore } from "../../src/relay/core.ts";
import { RelayClient } from "../../src/relay/client.ts";
import { issueToken } from "../../src/relay/auth.ts";
import { peerIdFromPublicKey } from "../../src/relay/peer-id.ts";
import { serveRelay } from "../../src/node/relay-server.ts";
import type { RelayServer } from "../../src/node/relay-server.ts";
import { relayConformance } from "../relay/conformance.ts";
import type { WebSocketLike } from "../../src/relay/client.ts";
import { testPlatform } from "../helpers/platform.ts";

const secret = "conformance-secret";

function connectTo(url: string): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws as unknown as WebSocketLike));
    ws.once("error", reject);
  });
}

/** A toy directory joining relay cores: peer -> owning core, interest -> notify. */
function cluster(n: number): { hooks: RelayHooks[]; forwarders: RelayForwarder[]; attach(cores: RelayCore[]): void } {
  let cores: RelayCore[] = [];
  const owner = new Map<string, number>();
  const hooks = Array.from({ length: n }, (_, i): RelayHooks => ({
    onPeerOnline(id) {
      const prev = owner.get(id);
      owner.set(id, i);
      if (prev !== undefined && prev !== i) cores[prev]!.evict(id);
      cores.forEach((c, j) => j !== i && c.notifyRemoteOnline([id]));
    },
    onPeerOffline(id) {
      if (owner.get(id) !== i) return;
      owner.delete(id);
      cores.forEach((c, j) => j !== i && c.notifyRemoteOffline([id]));
    },
  }));
  const forwarders = Array.from({ length: n }, (): RelayForwarder => ({
    async locate(id) {
      const o = owner.get(id);
      return o === undefined ? null : `relay-${o}`;
    },
    forward(dst, msg) {
      const o = owner.get(dst);
      if (o === undefined || !cores[o]!.deliverForwarded(dst, msg)) throw new RelayForwardError("peer_not_found", "nowhere");
    },
  }));
  return { hooks, forwarders, attach: (cs) => (cores = cs) };
}

let single: RelayServer;
let pair: RelayServer[] = [];

beforeAll(async () => {
  single = await serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: secret, instanceUrl: "rels://relay.example.com:443" });
  const c = cluster(2);
  pair = await Promise.all([0, 1].map((i) => serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: secret, hooks: c.hooks[i]!, forwarder: c.forwarders[i]! })));
  c.attach(pair.map((s) => s.core));
});
afterAll(async () => {
  await Promise.all([single, ...pair].map((s) => s?.close()));
});

relayConformance("node relay", {
  connect: () => connectTo(single.url),
  secret,
  instanceUrl: "rels://relay.example.com:443",
});

relayConformance("two node relays with a forwarder", {
  connect: (o) => connectTo(pair[o?.shard ?? 0]!.url),
  secret,
  shards: 2,
});

describe("node relay server", () => {
  it("serves /healthz and upstream metric names on /metrics", async () => {
    const base = single.url.replace("ws://", "http://").replace("/relay", "");
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "healthy", listeners: ["ws"] });
    const text = await (await fetch(`${base}/metrics`)).text();
    // The relay families are declared once (src/relay/metrics.ts) for both runtimes. Compared with the
    // earlier prom-client declaration the Node relay keeps every name and gains
    // relay_transfer_{sent,received}_packets_total and relay_peer_authentications_total, which the worker
    // already exported; HELP texts are the shared ones. (The worker's relay_peers gains transport="ws".)
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(families).toEqual([
      "relay_peers gauge",
      "relay_peers_active gauge",
      "relay_peers_idle gauge",
      "relay_transfer_sent_bytes_total counter",
      "relay_transfer_received_bytes_total counter",
      "relay_transfer_sent_packets_total counter",
      "relay_transfer_received_packets_total counter",
      "relay_forwarded_out_total counter",
      "relay_forwarded_in_total counter",
      "relay_peer_reconnections_total counter",
      "relay_peer_authentications_total counter",
      "relay_subscriptions gauge",
      "relay_subscriptions_refused_total counter",
      "relay_dropped_packets_total counter",
      "relay_connection_closes_total counter",
      "relay_peer_authentication_time_milliseconds histogram",
    ]);
    expect(text).toMatch(/^relay_peers\{transport="ws"\} \d+$/m);
    expect(text).toMatch(/relay_peer_authentication_time_milliseconds_bucket\{le="0.1"\} \d+/);
    expect(text).toMatch(/relay_dropped_packets_total\{reason="peer_not_found"\} [1-9]/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("rejects WebSocket upgrades on other paths", async () => {
    const base = single.url.replace("/relay", "/other");
    await expect(connectTo(base)).rejects.toThrow();
  });

  it("graceful shutdown sends close to every peer", async () => {
    const s = await serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: secret });
    const clients = await Promise.all(
      [0, 1, 2].map(async (i) =>
        RelayClient.connect(await connectTo(s.url), { peerId: await peerIdFromPublicKey(`k${i}`), token: await issueToken(secret), serverSilenceMs: false }),
      ),
    );
    expect(s.core.peerCount).toBe(3);
    await s.close();
    const closed = await Promise.all(clients.map((c) => c.closed));
    for (const c of closed) expect(c.byServer).toBe(true);
    expect(s.core.peerCount).toBe(0);
  });
});
