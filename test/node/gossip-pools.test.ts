// The pools API (euforia/gossip's, weaknesses fixed) over real sockets: pools isolated on one port,
// added and removed at run time, application listeners by u16 id, non-muxed connections with their two
// bytes replayed, non-gossip datagrams, and one test per fixed upstream weakness (docs/protocols/pool-mux.md §3.2):
// a prefix split into single bytes, a stalled prefix, a slow consumer, a broadcast flood.
import dgram from "node:dgram";
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { dial, Gossip, PoolError } from "../../src/node/pools.ts";

const FAST = { probeInterval: 200, probeTimeout: 100, gossipInterval: 50, pushPullInterval: 2_000 };
const open: Gossip[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.shutdown(500);
});

async function gossip(name: string, extra = {}): Promise<Gossip> {
  const g = await Gossip.create({ name, bind: "127.0.0.1:0", ...extra });
  open.push(g);
  return g;
}
const addr = (g: Gossip) => `127.0.0.1:${g.transport.bound().port}`;
const names = (g: Gossip, id: number) => g.getPool(id)!.memberlist.liveMembers().map((m) => m.name).sort();
const td = new TextDecoder();

async function readN(s: net.Socket, n: number): Promise<Buffer> {
  let buf = Buffer.alloc(0);
  for await (const chunk of s) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    if (buf.length >= n) break;
  }
  return buf;
}

describe("Gossip: pools and listeners on one port", () => {
  it("runs isolated pools, adds and removes pools at run time", async () => {
    const got: Record<string, string[]> = { a1: [], a2: [] };
    const a = await gossip("a");
    const b = await gossip("b");
    await a.registerPool({ id: 1, profile: "local", config: FAST, delegate: { notifyMsg: (m) => void got["a1"]!.push(td.decode(m)) } });
    await a.registerPool({ id: 2, profile: "local", config: FAST, delegate: { notifyMsg: (m) => void got["a2"]!.push(td.decode(m)) } });
    await b.registerPool({ id: 1, profile: "local", config: FAST });
    expect(a.listPools()).toEqual([1, 2]);
    expect(a.getPool(1)).toBeUndefined(); // created by start()
    await a.start();
    await b.start();
    expect(await b.getPool(1)!.join([addr(a)])).toBe(1);
    await expect.poll(() => names(a, 1), { timeout: 5_000 }).toEqual(["a", "b"]);
    expect(names(a, 2)).toEqual(["a"]); // pool 2 never saw b
    // A pool added after start joins at once; then it is removed and its traffic is refused.
    const b2 = (await b.registerPool({ id: 2, profile: "local", config: FAST }))!;
    expect(await b2.join([addr(a)])).toBe(1);
    b2.memberlist.sendBestEffort("a", new TextEncoder().encode("to pool 2"));
    b.getPool(1)!.memberlist.sendBestEffort("a", new TextEncoder().encode("to pool 1"));
    await expect.poll(() => [got["a1"], got["a2"]], { timeout: 5_000 }).toEqual([["to pool 1"], ["to pool 2"]]);
    await b.removePool(2);
    expect(b.listPools()).toEqual([1]);
    await expect.poll(() => names(a, 2), { timeout: 5_000 }).toEqual(["a"]);
    await expect(b.registerPool({ id: 1 })).rejects.toThrow(PoolError);
    await expect(b.registerPool({ id: 256 })).rejects.toMatchObject({ code: "pool.bad_id" });
    await expect(b.removePool(9)).rejects.toMatchObject({ code: "pool.unknown" });
  });

  it("serves application listeners by id, non-muxed TCP with its bytes replayed, and non-gossip UDP", async () => {
    const a = await gossip("a");
    await a.start();
    expect(() => a.listen(0xfe01)).toThrow(/reserved for pools/);
    const echo = a.listen(7);
    expect(() => a.listen(7)).toThrow(PoolError);
    void (async () => {
      for await (const s of echo) s.pipe(s);
    })();
    const c = await dial(addr(a), 7);
    c.write("ping");
    expect((await readN(c, 4)).toString()).toBe("ping");
    c.destroy();
    // An HTTP/1 client is "native": its request line arrives whole on listenTCP.
    const web = http.createServer((req, res) => res.end(`hello ${req.url}`));
    const native = a.listenTCP();
    void (async () => {
      for await (const s of native) web.emit("connection", s);
    })();
    const body = await (await fetch(`http://${addr(a)}/page`)).text();
    expect(body).toBe("hello /page");
    web.close();
    // A datagram that is not FE-prefixed is the application's.
    const u = dgram.createSocket("udp4");
    u.send(Buffer.from("app datagram"), a.transport.bound().port, "127.0.0.1");
    const p = await a.udpPackets().next();
    u.close();
    expect(td.decode(p.buf)).toBe("app datagram");
    expect(p.from).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("shutdown closes listeners, queued connections and the port", async () => {
    const a = await gossip("a");
    await a.start();
    const l = a.listen(9);
    const s = await dial(addr(a), 9);
    await expect.poll(() => l.pending).toBe(1);
    const closed = new Promise<void>((r) => s.once("close", () => r()));
    await a.shutdown();
    await closed;
    await expect(l.accept()).rejects.toMatchObject({ code: "pool.closed" });
    await expect(dial(addr(a), 9, 1_000)).rejects.toMatchObject({ code: expect.stringMatching(/^transport\./) });
  });
});

describe("upstream weaknesses, fixed", () => {
  it("1: a prefix sent one byte at a time is still routed (pool and listener)", async () => {
    const a = await gossip("a");
    await a.start();
    const l = a.listen(0x0102);
    const s = net.connect(a.transport.bound().port, "127.0.0.1");
    await new Promise<void>((r) => s.once("connect", () => r()));
    s.setNoDelay(true);
    s.write(Uint8Array.of(0x01));
    await new Promise((r) => setTimeout(r, 50));
    s.write(Uint8Array.of(0x02));
    await new Promise((r) => setTimeout(r, 50));
    s.write("payload");
    const got = await l.accept();
    expect((await readN(got, 7)).toString()).toBe("payload");
    s.destroy();
    // Pool streams split the same way: a split FE / id still reaches pool 3 (a join works).
    const b = await gossip("b");
    await a.registerPool({ id: 3, profile: "local", config: FAST });
    const pb = (await (await b.start(), b.registerPool({ id: 3, profile: "local", config: FAST })))!;
    expect(await pb.join([addr(a)])).toBe(1);
  });

  it("2: a connection that stalls inside its prefix is closed at the deadline; others are served", async () => {
    const a = await gossip("a");
    await a.start();
    const l = a.listen(5);
    const stalled = net.connect(a.transport.bound().port, "127.0.0.1");
    await new Promise<void>((r) => stalled.once("connect", () => r()));
    stalled.write(Uint8Array.of(0x00)); // one byte, then nothing
    const closed = new Promise<number>((r) => {
      const t0 = Date.now();
      stalled.once("close", () => r(Date.now() - t0));
    });
    const ok = await dial(addr(a), 5);
    expect(await l.accept()).toBeInstanceOf(net.Socket);
    ok.destroy();
    expect(await closed).toBeLessThan(8_000); // PREFIX_TIMEOUT_MS is 5 s
  }, 15_000);

  it("3: a consumer that never accepts fills only its own backlog; accept goes on for the rest", async () => {
    const a = await gossip("a", { listenerBacklog: 8 });
    await a.start();
    const slow = a.listen(1); // never accepted
    const fast = a.listen(2);
    const clients = await Promise.all(Array.from({ length: 20 }, () => dial(addr(a), 1)));
    await expect.poll(() => slow.pending + slow.refused, { timeout: 5_000 }).toBe(20);
    expect(slow.pending).toBe(8);
    expect(slow.refused).toBe(12);
    const t0 = Date.now();
    const c = await dial(addr(a), 2);
    await fast.accept();
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (const x of [...clients, c]) x.destroy();
  });

  it("4: a broadcast flood never blocks, stays bounded, and packets stay under the size limit", async () => {
    const a = await gossip("a");
    const b = await gossip("b");
    const seen: string[] = [];
    await a.registerPool({ id: 1, profile: "local", config: FAST, broadcastQueue: 64 });
    await b.registerPool({ id: 1, profile: "local", config: FAST, delegate: { notifyMsg: (m) => void seen.push(td.decode(m)) } });
    await a.start();
    await b.start();
    const pa = a.getPool(1)!;
    expect(await b.getPool(1)!.join([addr(a)])).toBe(1);
    // Record every datagram pool 1 of node a puts on the wire.
    const sizes: number[] = [];
    const t = pa.memberlist.core.transport;
    const send = t.sendPacket.bind(t);
    t.sendPacket = (to, buf) => {
      sizes.push(buf.length);
      send(to, buf);
    };
    const t0 = Date.now();
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) if (pa.broadcast(new TextEncoder().encode(`m${i}-${"x".repeat(200)}`))) accepted++;
    expect(Date.now() - t0).toBeLessThan(5_000); // never blocks
    expect(pa.queued).toBe(64);
    expect(accepted).toBe(64); // the rest each pushed the most-transmitted one out
    expect(pa.dropped).toBe(20_000 - 64);
    // The newest broadcasts survive and reach the peer; no datagram exceeds memberlist's packet size.
    await expect.poll(() => seen.includes(`m19999-${"x".repeat(200)}`), { timeout: 10_000 }).toBe(true);
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(pa.memberlist.config.udpBufferSize);
  });
});
