// Real UDP/TCP sockets on loopback: the one-port transport, incremental stream reads and deadlines,
// advertise vs bind, IPv6 (when this host has ::1), the pool mux, and typed errors.
import { afterEach, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import { createTransport, POOL_MAGIC, type NodeTransport } from "../../src/node/transport.ts";
import { TransportNetError, TransportTimeoutError } from "../../src/transport/index.ts";
import { formatHostPort, parseHostPort } from "../../src/net/index.ts";
import type { Packet, StreamConn } from "../../src/transport/transport.ts";
import { testPlatform } from "../helpers/platform.ts";
import { transportConformance } from "../transport/conformance.ts";
import { waitUntil } from "../helpers/wait.ts";

const open: NodeTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});
async function make(bind = "127.0.0.1:0", advertise?: string): Promise<NodeTransport> {
  const t = await createTransport(testPlatform(), advertise ? { bind, advertise } : { bind });
  open.push(t);
  return t;
}
function nextPacket(t: { onPacket(h: (p: Packet) => void): void }): Promise<Packet> {
  return new Promise((resolve) => t.onPacket(resolve));
}
function nextStream(t: { onStream(h: (s: StreamConn) => void): void }): Promise<StreamConn> {
  return new Promise((resolve) => t.onStream(resolve));
}
async function readExactly(s: StreamConn, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const c = await s.read();
    if (c === null) break;
    parts.push(c);
    have += c.length;
  }
  return Buffer.concat(parts);
}
const addr = (t: NodeTransport) => `${t.bound().host.includes(":") ? `[${t.bound().host}]` : t.bound().host}:${t.bound().port}`;

/** Whether this host can bind ::1 (the IPv6 tests run only then; detection itself is asserted). */
async function hasIpv6Loopback(): Promise<boolean> {
  const s = dgram.createSocket("udp6");
  try {
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(0, "::1", () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      s.close();
    } catch {
      /* not bound */
    }
  }
}

describe("node transport (UDP + TCP on one port)", () => {
  it("binds UDP and TCP on the same kernel-chosen port", async () => {
    const t = await make();
    const { port } = t.bound();
    expect(port).toBeGreaterThan(0);
    // TCP accepts on that port...
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, "127.0.0.1", () => {
        c.destroy();
        resolve();
      });
      c.on("error", reject);
    });
    // ...and UDP receives on it.
    const got = nextPacket(t);
    const s = dgram.createSocket("udp4");
    s.send(Uint8Array.of(1, 2, 3), port, "127.0.0.1");
    const p = await got;
    s.close();
    expect(Array.from(p.buf)).toEqual([1, 2, 3]);
    expect(t.udpRecvBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
  });

  it("sends packets between two transports, reporting the sender's address", async () => {
    const a = await make();
    const b = await make();
    const got = nextPacket(b);
    a.sendPacket(addr(b), Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    const p = await got;
    expect(Array.from(p.buf)).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(p.from).toBe(addr(a));
    expect(typeof p.timestamp).toBe("number");
  });

  it("carries a stream request written in pieces without half-close, and the reply", async () => {
    const a = await make();
    const b = await make();
    const accepted = nextStream(b);
    const c = await a.dialStream(addr(b), 1000);
    await c.write(Uint8Array.of(1, 2));
    await c.write(Uint8Array.of(3, 4, 5));
    const s = await accepted;
    s.setDeadline(performance.now() + 2000);
    const req = await readExactly(s, 5);
    expect(Array.from(req)).toEqual([1, 2, 3, 4, 5]);
    await s.write(Uint8Array.of(9, 8, 7));
    s.close();
    c.setDeadline(performance.now() + 2000);
    const reply = await readExactly(c, 3);
    expect(Array.from(reply)).toEqual([9, 8, 7]);
    expect(await c.read()).toBeNull(); // server closed after its reply
    c.close();
  });

  it("rejects a read past its deadline with a typed timeout error", async () => {
    const a = await make();
    const b = await make();
    const accepted = nextStream(b);
    const c = await a.dialStream(addr(b), 1000);
    const s = await accepted;
    s.setDeadline(performance.now() + 50);
    await expect(s.read()).rejects.toBeInstanceOf(TransportTimeoutError);
    s.setDeadline(performance.now() - 1);
    await expect(s.read()).rejects.toMatchObject({ code: "transport.timeout" });
    c.close();
    s.close();
  });

  it("fails dials to a closed port with a typed error", async () => {
    const a = await make();
    const b = await make();
    const dead = addr(b);
    await b.close();
    await expect(a.dialStream(dead, 1000)).rejects.toBeInstanceOf(TransportNetError);
  });

  it("advertises an address separate from the bind address", async () => {
    const t = await make("127.0.0.1:0", "10.1.2.3:7946");
    expect(t.advertise()).toEqual({ host: "10.1.2.3", port: 7946 });
    const u = await make("127.0.0.1:0", "10.9.9.9:0");
    expect(u.advertise()).toEqual({ host: "10.9.9.9", port: u.bound().port });
    const v = await make("127.0.0.1:0");
    expect(v.advertise()).toEqual(v.bound());
  });

  it("detects IPv6 loopback and, where present, speaks UDP and TCP over ::1", async () => {
    const has = await hasIpv6Loopback();
    const listed = Object.values(os.networkInterfaces()).some((l) => (l ?? []).some((a) => a.address === "::1"));
    // The detection agrees with what the OS lists for its interfaces.
    expect(has).toBe(listed);
    if (!has) return;
    const a = await make("[::1]:0");
    const b = await make("[::1]:0");
    expect(a.bound().host).toBe("::1");
    const got = nextPacket(b);
    a.sendPacket(addr(b), Uint8Array.of(6, 6));
    const p = await got;
    expect(p.from).toBe(`[::1]:${a.bound().port}`);
    const accepted = nextStream(b);
    const c = await a.dialStream(addr(b), 1000);
    await c.write(Uint8Array.of(42));
    const s = await accepted;
    s.setDeadline(performance.now() + 2000);
    expect(Array.from(await readExactly(s, 1))).toEqual([42]);
    s.close();
    c.close();
  });

  it("a dual-stack '::' bind reports IPv4 senders as plain IPv4", async () => {
    if (!(await hasIpv6Loopback())) {
      expect(await hasIpv6Loopback()).toBe(false);
      return;
    }
    const d = await make("[::]:0");
    const v4 = await make("127.0.0.1:0");
    const got = nextPacket(d);
    v4.sendPacket(`127.0.0.1:${d.bound().port}`, Uint8Array.of(4));
    expect((await got).from).toBe(`127.0.0.1:${v4.bound().port}`);
    const back = nextPacket(v4);
    d.sendPacket(`127.0.0.1:${v4.bound().port}`, Uint8Array.of(5));
    expect(Array.from((await back).buf)).toEqual([5]);
  });

  it("muxes pools and native memberlist on one port (FE + pool id)", async () => {
    const a = await make();
    const b = await make();
    const a1 = a.pool(1);
    const b1 = b.pool(1);
    const b2 = b.pool(2);
    const nat = nextPacket(b);
    const p1 = nextPacket(b1);
    const p2 = nextPacket(b2);
    a.sendPacket(addr(b), Uint8Array.of(0));
    a1.sendPacket(addr(b), Uint8Array.of(1, 1));
    a.pool(2).sendPacket(addr(b), Uint8Array.of(2, 2));
    expect(Array.from((await nat).buf)).toEqual([0]);
    expect(Array.from((await p1).buf)).toEqual([1, 1]);
    expect(Array.from((await p2).buf)).toEqual([2, 2]);

    // A raw datagram with the mux prefix reaches the pool with the prefix stripped.
    const raw = dgram.createSocket("udp4");
    const p1b = nextPacket(b1);
    raw.send(Uint8Array.of(POOL_MAGIC, 1, 7), b.bound().port, "127.0.0.1");
    expect(Array.from((await p1b).buf)).toEqual([7]);
    raw.close();

    // Streams: pool stream and native stream on the same TCP port.
    const accPool = nextStream(b1);
    const accNative = nextStream(b);
    const cp = await a1.dialStream(addr(b), 1000);
    await cp.write(Uint8Array.of(0x06, 1));
    const cn = await a.dialStream(addr(b), 1000);
    await cn.write(Uint8Array.of(0x00, 2));
    const sp = await accPool;
    const sn = await accNative;
    sp.setDeadline(performance.now() + 2000);
    sn.setDeadline(performance.now() + 2000);
    expect(Array.from(await readExactly(sp, 2))).toEqual([0x06, 1]);
    expect(Array.from(await readExactly(sn, 2))).toEqual([0x00, 2]);
    for (const x of [cp, cn, sp, sn]) x.close();
  });

  it("refuses streams past maxStreams (once every open one has spoken) and closes open streams on close()", async () => {
    const t = await createTransport(testPlatform(), { bind: "127.0.0.1:0", maxStreams: 2 });
    const accepted: StreamConn[] = [];
    t.onStream((s) => accepted.push(s));
    const closed: Promise<void>[] = [];
    const socks: net.Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const c = net.connect(t.bound().port, "127.0.0.1");
      c.on("error", () => {});
      closed.push(new Promise<void>((r) => c.once("close", () => r())));
      socks.push(c);
      await new Promise<void>((r) => c.once("connect", () => r()));
      if (i < 2) {
        c.write(Uint8Array.of(0)); // spoken: never evicted
        await waitUntil(`stream ${i + 1} accepted and spoken`, () => accepted.length === i + 1 && t.admission!().silent === 0);
      }
    }
    await closed[2]; // the third is over the cap and closed by the server
    expect(accepted).toHaveLength(2);
    expect(t.admission!().refused.capacity).toBe(1);
    await t.close();
    await Promise.all(closed.slice(0, 2));
    expect(socks.every((s) => s.destroyed)).toBe(true);
  });

  it("delivers a large stream intact through a slow reader (bounded buffering)", async () => {
    const a = await make();
    const b = await make();
    const accepted = nextStream(b);
    const c = await a.dialStream(addr(b), 1000);
    const big = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const writing = c.write(big);
    const s = await accepted;
    s.setDeadline(performance.now() + 20_000);
    // Let the writer run ahead of the reader: the receiver holds unread bytes (its socket pauses past
    // 1 MiB queued; the rest waits in the kernel and in the writer).
    await waitUntil("the writer to run ahead of the reader", () => b.streamBudget().used >= 512 * 1024);
    const got = await readExactly(s, big.length);
    await writing;
    expect(got.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0);
    c.close();
    s.close();
  }, 30_000);

  it("parses and formats transport addresses", () => {
    expect(parseHostPort("[::1]:7946")).toEqual({ host: "::1", port: 7946 });
    expect(parseHostPort("10.0.0.1", 7946)).toEqual({ host: "10.0.0.1", port: 7946 });
    expect(parseHostPort("::ffff:127.0.0.1", 1)).toEqual({ host: "127.0.0.1", port: 1 });
    expect(() => parseHostPort("1.2.3.4:99999")).toThrow(/range/);
    expect(() => parseHostPort("[::1")).toThrow(/unterminated/);
    expect(() => parseHostPort("host")).toThrow(/missing port/);
    expect(formatHostPort("::1", 7946)).toBe("[::1]:7946");
    expect(formatHostPort("::ffff:10.0.0.1", 1)).toBe("10.0.0.1:1");
  });
});

/** A loopback port that was free a moment ago (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

transportConformance("node UDP/TCP on one port", () => {
  const platform = testPlatform();
  return {
    create: () => createTransport(platform, { bind: "127.0.0.1:0" }),
    now: () => platform.clock.now(),
    deadAddress: async () => `127.0.0.1:${await freePort()}`,
  };
});
