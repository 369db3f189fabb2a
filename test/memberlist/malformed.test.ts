// The UDP and TCP entry points under hostile input (fast-check): random bytes, truncated and bit-flipped
// real packets, absurd compound counts, a compression bomb, garbage streams. The node drops what it
// cannot read without throwing, its view of the cluster is not corrupted, and it keeps working.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SimCluster, simAddress } from "../../src/memberlist/simulation.ts";
import { ingestPacket } from "../../src/memberlist/packet.ts";
import { encodeCompressed } from "../../src/memberlist/codec/index.ts";
import type { Core } from "../../src/memberlist/core.ts";
import type { Packet } from "../../src/transport/transport.ts";

function snapshot(core: Core): string {
  return core.nodes.map((n) => `${n.name}/${n.state}/${n.incarnation}/${n.address}`).sort().join(",");
}

function consistent(core: Core): boolean {
  if (core.nodes.length !== core.nodeMap.size) return false;
  for (const n of core.nodes) if (core.nodeMap.get(n.name) !== n || n.state < 0 || n.state > 3) return false;
  return core.nodeMap.get(core.name)?.state === 0;
}

async function cluster() {
  const c = new SimCluster();
  await c.startJoined(3);
  const captured: Uint8Array[] = [];
  const t = c.members[1]!.core.transport as unknown as { packetHandler: (p: Packet) => void };
  const orig = t.packetHandler;
  t.packetHandler = (p) => {
    if (captured.length < 200) captured.push(p.buf.slice());
    orig(p);
  };
  await c.run(5_000);
  t.packetHandler = orig;
  expect(captured.length).toBeGreaterThan(5);
  return { c, captured };
}

describe("malformed packets", () => {
  it("random, truncated and absurd packets are dropped without changing membership", async () => {
    const { c, captured } = await cluster();
    const core = c.members[0]!.core;
    const before = snapshot(core);
    const from = simAddress(2);
    const feed = (buf: Uint8Array) => ingestPacket(core, { buf, from, timestamp: c.clock.now() });
    const errorsBefore = core.stats.packetErrors;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.tuple(fc.constantFrom(...captured), fc.nat()).map(([p, n]) => p.subarray(0, n % Math.max(1, p.length))),
          fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 })).map(([count, rest]) =>
            Uint8Array.of(7, count, 0xff, 0xff, ...rest),
          ),
          fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.of(12, 0, 0, 0, 0, ...b)),
          fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.of(9, 0x82, ...b)),
        ),
        (buf) => {
          expect(() => feed(buf)).not.toThrow();
          expect(consistent(core)).toBe(true);
        },
      ),
      { numRuns: 1500, seed: 4242 },
    );
    expect(snapshot(core)).toBe(before);
    expect(core.stats.packetErrors).toBeGreaterThan(errorsBefore);
    await c.run(10_000);
    expect(c.converged()).toBe(true);
    await c.shutdown();
  });

  it("bit-flipped real packets never throw nor break the node table", async () => {
    const { c, captured } = await cluster();
    const core = c.members[0]!.core;
    fc.assert(
      fc.property(fc.constantFrom(...captured), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (p, flips) => {
        const buf = p.slice();
        for (const [at, x] of flips) buf[at % buf.length]! ^= x;
        expect(() => ingestPacket(core, { buf, from: simAddress(2), timestamp: c.clock.now() })).not.toThrow();
        expect(consistent(core)).toBe(true);
      }),
      { numRuns: 1500, seed: 99 },
    );
    await c.run(60_000);
    // Whatever the flipped packets claimed, the real members are alive again (refuted or re-learned).
    for (const m of c.members) expect(c.members[0]!.members().find((x) => x.name === m.name)?.state).toBe("alive");
    await c.shutdown();
  });

  it("a compression bomb is refused", async () => {
    const { c } = await cluster();
    const core = c.members[0]!.core;
    const before = snapshot(core);
    const bomb = encodeCompressed(new Uint8Array(8 * 1024 * 1024));
    const errs = core.stats.packetErrors;
    ingestPacket(core, { buf: bomb, from: simAddress(2), timestamp: c.clock.now() });
    expect(core.stats.packetErrors).toBe(errs + 1);
    expect(snapshot(core)).toBe(before);
    await c.shutdown();
  });
});

describe("malformed streams", () => {
  it("garbage stream requests get dropped or an errResp; the node keeps serving push/pull", async () => {
    const { c } = await cluster();
    const attacker = c.net.transport("10.9.9.9:7946");
    attacker.onPacket(() => {});
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (junk) => {
        const p = attacker.dialStream(simAddress(0), 1000);
        await c.run(5);
        const conn = await p;
        await conn.write(junk);
        conn.close();
        await c.run(20);
      }),
      { numRuns: 100, seed: 7 },
    );
    await c.run(11_000);
    const core = c.members[0]!.core;
    expect(core.pushPullActive).toBe(0);
    expect(core.stats.streamErrors).toBeGreaterThan(0);
    const late = await c.add(9);
    const j = late.join([simAddress(0)]);
    await c.run(50);
    expect(await j).toBe(1);
    expect(late.numMembers()).toBe(4);
    await c.shutdown();
  });
});
