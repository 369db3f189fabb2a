// The cluster fabric with REAL TCP streams between relays and real `ws` clients: two and three relays
// act as one (packets cross with the ID slot rewritten to the sender, subscriptions see remote peers
// online and offline), a relay going away invalidates the cache and packets to its peers are dropped
// and counted (the sender is unaffected), HELLO rejections by reason, and de-duplication of crossed dials.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encodeWhoHas } from "../../src/relay/fabric/codec.ts";
import { HelloAuth } from "../../src/relay/fabric/hello.ts";
import type { RelayServer } from "../../src/node/relay-server.ts";
import { clusterRelay, metrics, sample, testPeer, until } from "./relay-cluster-harness.ts";
import { quietPeriod } from "../helpers/wait.ts";

const enc = new TextEncoder();
let relays: RelayServer[] = [];
afterEach(async () => {
  await Promise.all(relays.map((r) => r.close()));
  relays = [];
});

async function cluster(n: number, opts: { secret?: string } = {}): Promise<RelayServer[]> {
  const out: RelayServer[] = [];
  for (let i = 0; i < n; i++) {
    const r = await clusterRelay({ ...opts, peers: out.map((o) => o.cluster!.addr) });
    relays.push(r);
    out.push(r);
  }
  await until("full mesh of streams", () => out.every((r) => r.cluster!.fabric.streamCount === n - 1));
  return out;
}

describe("relay cluster fabric over TCP", () => {
  it("two relays: peers on different relays exchange packets with the ID slot rewritten to the sender", async () => {
    const [A, B] = await cluster(2, { secret: "fabric-secret" });
    const a = await testPeer(A!);
    const b = await testPeer(B!);
    a.c.send(b.id, enc.encode("hello b"));
    await until("b receives", () => b.log.includes(`msg:${a.key}:hello b`));
    b.c.send(a.id, enc.encode("hello a"));
    await until("a receives", () => a.log.includes(`msg:${b.key}:hello a`));
    for (let i = 0; i < 50; i++) a.c.send(b.id, enc.encode(`n${i}`));
    await until("50 more at b", () => b.log.includes(`msg:${a.key}:n49`));
    expect(b.log.filter((e) => e.startsWith(`msg:${a.key}:n`))).toEqual(Array.from({ length: 50 }, (_, i) => `msg:${a.key}:n${i}`));
    const mA = await metrics(A!);
    expect(sample(mA, `relay_cluster_forwards_total{result="ok"}`)).toBeGreaterThanOrEqual(51);
    expect(sample(mA, "relay_cluster_streams")).toBe(1);
    expect(mA).toMatch(/relay_cluster_hello_rejects_total\{reason="hmac_mismatch"\} 0/);
    expect(sample(await metrics(B!), "relay_cluster_streams")).toBe(1);
  });

  it("three relays: every pair forwards, and subscriptions see remote peers online and offline", async () => {
    const rs = await cluster(3);
    const ps = await Promise.all(rs.map((r) => testPeer(r)));
    for (const from of ps) for (const to of ps) if (from !== to) from.c.send(to.id, enc.encode(`from ${from.key}`));
    for (const to of ps) for (const from of ps) if (from !== to) await until("pairwise delivery", () => to.log.includes(`msg:${from.key}:from ${from.key}`));

    // Subscribing to a peer online on another relay answers online (located through the fabric) ...
    const [a, b, c] = ps as [typeof ps[0], typeof ps[0], typeof ps[0]];
    a.c.subscribe([c.id]);
    await until("c online at a", () => a.log.includes(`on:${c.key}`));
    // ... a peer that connects later to another relay is announced (PRESENCE extension) ...
    const later = await peerLaterSubscribed(a, rs[0]!, rs[1]!);
    // ... and peers going offline remotely are reported (upstream has no cross-pod offline).
    c.c.close();
    await until("c offline at a", () => a.log.includes(`off:${c.key}`));
    later.c.close();
    await until("later offline at a", () => a.log.includes(`off:${later.key}`));
    expect(b.c.isOpen).toBe(true);
  });

  it("a relay going away invalidates the cache; packets to its peers are dropped and counted, never erroring the sender", async () => {
    const [A, B, C] = await cluster(3);
    const a = await testPeer(A!);
    const a2 = await testPeer(A!);
    const b = await testPeer(B!);
    a.c.subscribe([b.id]);
    await until("b online at a", () => a.log.includes(`on:${b.key}`));
    a.c.send(b.id, enc.encode("before"));
    await until("b receives", () => b.log.includes(`msg:${a.key}:before`));
    expect(A!.cluster!.fabric.cache.get(b.key)).toBe(B!.cluster!.addr);

    await B!.close();
    await until("A loses the stream", () => A!.cluster!.fabric.streamCount === 1);
    expect(A!.cluster!.fabric.cache.get(b.key)).toBe(null);
    await until("b offline at a", () => a.log.includes(`off:${b.key}`));

    const before = sample(await metrics(A!), `relay_dropped_packets_total{reason="peer_not_found"}`);
    for (let i = 0; i < 5; i++) a.c.send(b.id, enc.encode(`lost ${i}`));
    a.c.send(a2.id, enc.encode("still works"));
    await until("local delivery continues", () => a2.log.includes(`msg:${a.key}:still works`));
    await until("drops counted", async () => sample(await metrics(A!), `relay_dropped_packets_total{reason="peer_not_found"}`) >= before + 5);
    expect(sample(await metrics(A!), `relay_cluster_forwards_total{result="peer_not_found"}`)).toBeGreaterThanOrEqual(5);
    expect(a.c.isOpen).toBe(true);
    expect(C!.cluster!.fabric.streamCount).toBe(1);
  });

  it("rejects a wrong cluster secret, an unsigned HELLO to a signed cluster, a signed one to an unsigned cluster", async () => {
    const A = await clusterRelay({ secret: "right" });
    relays.push(A);
    const wrong = await clusterRelay({ secret: "wrong", peers: [A.cluster!.addr] });
    const unsigned = await clusterRelay({ peers: [A.cluster!.addr] });
    const U = await clusterRelay({});
    const signedToU = await clusterRelay({ secret: "right", peers: [U.cluster!.addr] });
    relays.push(wrong, unsigned, U, signedToU);
    const m = () => metrics(A);
    await until("hmac_mismatch", async () => sample(await m(), `relay_cluster_hello_rejects_total{reason="hmac_mismatch"}`) >= 1);
    await until("unsigned_but_required", async () => sample(await m(), `relay_cluster_hello_rejects_total{reason="unsigned_but_required"}`) >= 1);
    await until("signed_but_unsupported", async () => sample(await metrics(U), `relay_cluster_hello_rejects_total{reason="signed_but_unsupported"}`) >= 1);
    expect(A.cluster!.fabric.streamCount).toBe(0);
    expect(U.cluster!.fabric.streamCount).toBe(0);
    // Nothing crosses: a packet from the wrong-secret relay to a peer of A is dropped.
    const a = await testPeer(A);
    const w = await testPeer(wrong);
    w.c.send(a.id, enc.encode("must not arrive"));
    a.c.send(w.id, enc.encode("nor this"));
    await until("both drops counted", async () => {
      const [x, y] = await Promise.all([metrics(A), metrics(wrong)]);
      return sample(x, `relay_dropped_packets_total{reason="peer_not_found"}`) >= 1 && sample(y, `relay_dropped_packets_total{reason="peer_not_found"}`) >= 1;
    });
    expect(a.log.filter((e) => e.startsWith("msg:"))).toEqual([]);
  });

  it("rejects a stream whose first frame is not HELLO, and one that sends no HELLO in time", async () => {
    const A = await clusterRelay({ helloDeadlineMs: 300 });
    relays.push(A);
    const { host, port } = { host: "127.0.0.1", port: Number(A.cluster!.addr.split(":")[1]) };
    const notHello = connect({ host, port });
    notHello.on("connect", () => notHello.write(encodeWhoHas(new Uint8Array(36))));
    const silent = connect({ host, port });
    const closed = (s: typeof silent) => new Promise<void>((r) => s.once("close", () => r()));
    notHello.on("error", () => {});
    silent.on("error", () => {});
    await Promise.all([closed(notHello), closed(silent)]);
    const text = await metrics(A);
    expect(sample(text, `relay_cluster_hello_rejects_total{reason="first_frame_not_hello"}`)).toBe(1);
    expect(sample(text, `relay_cluster_hello_rejects_total{reason="timeout"}`)).toBe(1);
    // A stale HELLO (hand-made, 10 minutes old) is refused as well.
    const stale = connect({ host, port });
    stale.on("error", () => {});
    stale.on("connect", () => void new HelloAuth("", () => Math.floor(Date.now() / 1000) - 600).encode("127.0.0.1:1").then((h) => stale.write(h)));
    await closed(stale);
    expect(sample(await metrics(A), `relay_cluster_hello_rejects_total{reason="stale_timestamp"}`)).toBe(1);
  });

  it("crossed dials collapse to one stream per pair, and forwarding works over it", async () => {
    const A = await clusterRelay({ secret: "x" });
    const B = await clusterRelay({ secret: "x" });
    relays.push(A, B);
    A.cluster!.dial(B.cluster!.addr);
    B.cluster!.dial(A.cluster!.addr);
    await until("one stream each", () => A.cluster!.fabric.streamCount === 1 && B.cluster!.fabric.streamCount === 1);
    // The subject here is an absence: closing the duplicate must not take the survivor down later.
    await quietPeriod(100, "a late close of the duplicate stream would drop the surviving one");
    expect(A.cluster!.fabric.streamAddrs()).toEqual([B.cluster!.addr]);
    expect(B.cluster!.fabric.streamAddrs()).toEqual([A.cluster!.addr]);
    const a = await testPeer(A);
    const b = await testPeer(B);
    a.c.send(b.id, enc.encode("over the survivor"));
    await until("delivery", () => b.log.includes(`msg:${a.key}:over the survivor`));
  });
});

/** A peer connecting to `relay` after `sub` subscribed to it is reported online at `sub`. */
async function peerLaterSubscribed(sub: Awaited<ReturnType<typeof testPeer>>, subRelay: RelayServer, relay: RelayServer) {
  const { peerIdFromPublicKey, peerIdToString } = await import("../../src/relay/peer-id.ts");
  const name = `later-${Math.random()}`;
  const id = await peerIdFromPublicKey(name);
  const lookups = subRelay.cluster!.stats.lookups;
  sub.c.subscribe([id]);
  await until("the subscribe's lookup to find nobody", () => subRelay.cluster!.stats.lookups > lookups);
  const later = await testPeer(relay, name);
  await until("later online at subscriber", () => sub.log.includes(`on:${peerIdToString(id)}`));
  return later;
}

describe("relay cluster reconnects", () => {
  it("a peer reconnecting through another relay replaces its old connection there; traffic follows it", async () => {
    const [A, B] = await cluster(2);
    const name = `mover-${Math.random()}`;
    const old = await testPeer(A, name);
    const a = await testPeer(A);
    a.c.send(old.id, enc.encode("to old"));
    await until("old receives", () => old.log.includes(`msg:${a.key}:to old`));
    const moved = await testPeer(B, name); // same peer ID, now behind B
    const closed = await old.c.closed;
    expect(closed.code).toBe(4000); // CLOSE_REPLACED
    await until("A forgot the stale connection", () => !A.core.has(moved.key));
    a.c.send(moved.id, enc.encode("to new"));
    await until("moved receives through the fabric", () => moved.log.includes(`msg:${a.key}:to new`));
    expect(A.cluster!.fabric.stats.evictions).toBe(1);
  });
});

describe("relay cluster DNS discovery", () => {
  it("dials the A records of --cluster-headless at the cluster port, skipping its own address", async () => {
    // "localhost" resolves to 127.0.0.1 through getaddrinfo (/etc/hosts); B lives on 127.0.0.2.
    const A = await clusterRelay({});
    relays.push(A);
    const port = Number(A.cluster!.addr.split(":")[1]);
    const B = await clusterRelay({ listen: "127.0.0.2:0", headless: "localhost", clusterPort: port });
    relays.push(B);
    await until("B found A through DNS", () => B.cluster!.fabric.hasStream(`127.0.0.1:${port}`) && A.cluster!.fabric.hasStream(B.cluster!.addr));
    const a = await testPeer(A);
    const b = await testPeer(B);
    b.c.send(a.id, enc.encode("via dns"));
    await until("delivery", () => a.log.includes(`msg:${b.key}:via dns`));
  });
});
