// In-memory network: packet delivery with latency, loss, partitions, crashed nodes; streams in order,
// EOF on close, deadlines, refused dials.
import { describe, expect, it } from "vitest";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { seededRandom, systemClock } from "../../src/util/clock.ts";
import { transportConformance } from "./conformance.ts";
import type { Packet, StreamConn } from "../../src/transport/transport.ts";

function setup(opts = {}) {
  const clock = new SimClock();
  const net = new MemoryNetwork(clock, { latencyMs: 5, ...opts });
  const a = net.transport("10.0.0.1:7946");
  const b = net.transport("10.0.0.2:7946");
  const got: Packet[] = [];
  b.onPacket((p) => got.push(p));
  return { clock, net, a, b, got };
}

describe("MemoryNetwork packets", () => {
  it("delivers after the latency with the sender's address", async () => {
    const { clock, a, got } = setup();
    expect(a.advertise()).toEqual({ host: "10.0.0.1", port: 7946 });
    a.sendPacket("10.0.0.2:7946", Uint8Array.of(1, 2, 3));
    await clock.advance(4);
    expect(got).toHaveLength(0);
    await clock.advance(1);
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toBe("10.0.0.1:7946");
    expect(got[0]!.timestamp).toBe(5);
    expect([...got[0]!.buf]).toEqual([1, 2, 3]);
  });

  it("delays packets to a slow receiver", async () => {
    const { clock, net, a, got } = setup();
    net.setReceiveDelay("10.0.0.2:7946", 100);
    a.sendPacket("10.0.0.2:7946", Uint8Array.of(1));
    await clock.advance(104);
    expect(got).toHaveLength(0);
    await clock.advance(1);
    expect(got).toHaveLength(1);
    expect(got[0]!.timestamp).toBe(105);
  });

  it("drops by loss rate, partition and crash", async () => {
    const { clock, net, a, got } = setup({ loss: 0.5, random: seededRandom(42) });
    for (let i = 0; i < 1000; i++) a.sendPacket("10.0.0.2:7946", Uint8Array.of(i & 255));
    await clock.advance(10);
    expect(got.length).toBeGreaterThan(400);
    expect(got.length).toBeLessThan(600);
    expect(net.stats.packetsLost + net.stats.packetsDelivered).toBe(1000);
    net.loss = 0;
    got.length = 0;
    net.partition(["10.0.0.1:7946"], ["10.0.0.2:7946"]);
    a.sendPacket("10.0.0.2:7946", Uint8Array.of(1));
    await clock.advance(10);
    expect(got).toHaveLength(0);
    net.heal();
    net.setDown("10.0.0.2:7946", true);
    a.sendPacket("10.0.0.2:7946", Uint8Array.of(1));
    await clock.advance(10);
    expect(got).toHaveLength(0);
    net.setDown("10.0.0.2:7946", false);
    a.sendPacket("10.0.0.2:7946", Uint8Array.of(1));
    await clock.advance(10);
    expect(got).toHaveLength(1);
  });
});

describe("MemoryNetwork streams", () => {
  it("carries ordered chunks both ways and EOF on close", async () => {
    const { clock, a, b } = setup();
    const server: Uint8Array[] = [];
    b.onStream(async (s: StreamConn) => {
      for (;;) {
        const c = await s.read();
        if (c === null) break;
        server.push(c);
        await s.write(Uint8Array.of(c[0]! * 2));
      }
      s.close();
    });
    const pending = a.dialStream("10.0.0.2:7946", 1000);
    await clock.advance(20);
    const conn = await pending;
    await conn.write(Uint8Array.of(1));
    await conn.write(Uint8Array.of(2));
    const r1 = conn.read();
    const r2 = conn.read().catch((e: unknown) => e);
    await clock.advance(40);
    expect([...(await r1)!]).toEqual([2]);
    expect(await r2).toBeInstanceOf(Error); // concurrent read rejected
    expect([...(await conn.read())!]).toEqual([4]);
    conn.close();
    await clock.advance(20);
    expect(server.map((c) => c[0])).toEqual([1, 2]);
  });

  it("refuses dials to nobody and times out reads past the deadline", async () => {
    const { clock, a, b, net } = setup();
    const refused = a.dialStream("10.0.0.9:7946", 1000).catch((e: unknown) => e);
    await clock.advance(20);
    expect(String(await refused)).toMatch(/refused/);
    b.onStream(() => {});
    const p = a.dialStream("10.0.0.2:7946", 1000);
    await clock.advance(20);
    const conn = await p;
    conn.setDeadline(clock.now() + 100);
    const r = conn.read().catch((e: unknown) => e);
    await clock.advance(99);
    await clock.advance(1);
    expect(String(await r)).toMatch(/timeout/);
    net.partition(["10.0.0.1:7946"], ["10.0.0.2:7946"]);
    const t = a.dialStream("10.0.0.2:7946", 500).catch((e: unknown) => e);
    await clock.advance(500);
    expect(String(await t)).toMatch(/timeout/);
  });
});

// The in-memory network on real time (the suite waits on real timers), 1 ms latency, no loss.
transportConformance("in-memory network", () => {
  const net = new MemoryNetwork(systemClock, { latencyMs: 1 });
  let n = 0;
  return {
    create: async () => net.transport(`10.0.${(++n >> 8) & 255}.${n & 255}:7946`),
    now: () => systemClock.now(),
    deadAddress: async () => "10.255.255.254:7946",
  };
});
