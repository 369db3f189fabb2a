// fast-check garbage against a RUNNING mesh node over real loopback sockets: random bytes before or after
// a valid handshake, captured minimega streams with flipped/cut/inserted bytes, absurd counts, and junk
// solicitation datagrams. The node must close the offending link (never crash or hang), log at most a
// line per link, keep memory bounded, and still link with and deliver from a well-behaved neighbour.
import dgram from "node:dgram";
import net from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stringBody } from "../../src/mesh/index.ts";
import { nodePlatform } from "../../src/node/platform.ts";
import { startMeshNode, type RunningMesh } from "../../src/node/mesh-node.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { capturedStreams } from "../mesh/vectors.ts";

let target: RunningMesh;
const logs: LogLine[] = [];
const HANDSHAKE = Buffer.from("0d0c000a31302e3230302e302e31" + "0b0c00086d65736870656572", "hex"); // "10.200.0.1", "meshpeer"

beforeAll(async () => {
  target = await startMeshNode(nodePlatform({ logger: captureLogger(logs), wasm: false }), {
    name: "target",
    msaPeriodMs: 1000,
    timeoutMs: 1000,
    limits: { maxUnitBytes: 1 << 16, maxItemBytes: 1 << 17 },
    transport: { port: 0, host: "127.0.0.1" },
  });
});
afterAll(async () => {
  await target.close();
});

/**
 * Connects, writes `bytes` in a few chunks and hangs up (FIN); resolves once the node closed the link,
 * rejects if it still holds it after 5 s (a node that keeps a dead attacker's link would leak).
 */
function throwAt(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port: target.transport.port });
    s.on("error", () => {});
    s.resume();
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`the node still held the link 5 s after the attacker hung up (${bytes.length} bytes sent)`));
    }, 5000);
    s.on("close", done);
    s.once("connect", () => {
      const third = Math.ceil(bytes.length / 3);
      for (let i = 0; i < bytes.length; i += third || 1) s.write(bytes.subarray(i, i + (third || 1)));
      s.end();
    });
  });
}

describe("mesh node under garbage", () => {
  it("survives random bytes with and without a valid handshake", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 400 }), async (hs, junk) => {
        await throwAt(hs ? Buffer.concat([HANDSHAKE, junk]) : junk);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it("survives mutated minimega streams", async () => {
    const dialers = capturedStreams()
      .filter((s) => s.role === "dialer" && !s.name.includes("predefined"))
      .map((s) => s.bytes);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dialers), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (orig, flips) => {
        const b = Uint8Array.from(orig);
        for (const [pos, v] of flips) b[pos % b.length] = v;
        await throwAt(b);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("ignores junk solicitation datagrams", async () => {
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    for (const d of ["", "meshage", "meshage:minimega", "meshage:minimega:target", "meshage:a:b:c", "x".repeat(2000), "\u0000\u00ff"]) {
      await new Promise<void>((r) => sock.send(Buffer.from(d), target.transport.port, "127.0.0.1", () => r()));
    }
    sock.close();
    // six are malformed (the seventh is our own name: ignored silently)
    await vi.waitFor(() => expect(logs.filter((l) => l.msg === "malformed solicitation dropped").length).toBe(6));
    expect(target.node.clients()).toEqual([]);
  });

  it("still links with and delivers from a well-behaved neighbour, with bounded memory and logs", async () => {
    const heap = process.memoryUsage().heapUsed;
    const peer = await startMeshNode(nodePlatform({ logger: captureLogger([]), wasm: false }), { name: "peer", msaPeriodMs: 1000, timeoutMs: 1000, transport: { port: 0, host: "127.0.0.1", udp: false } });
    try {
      expect(await peer.node.dial(`127.0.0.1:${target.transport.port}`)).toBe("target");
      const got: string[] = [];
      target.node.onMessage((d) => got.push(String(d.message.body?.value)));
      await vi.waitFor(() => expect(peer.node.broadcastRecipients()).toEqual(["target"]), { timeout: 5000 });
      expect((await peer.node.set(["target"], stringBody("still here"))).failed).toEqual([]);
      await vi.waitFor(() => expect(got).toEqual(["still here"]));
    } finally {
      await peer.close();
    }
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 << 20);
    // one warning per bad link at most (plus connect/disconnect info lines)
    expect(logs.filter((l) => l.level === "warn" || l.level === "error").length).toBeLessThanOrEqual(2 * 100 + 10);
    expect(logs.some((l) => l.msg === "client sent undecodable data")).toBe(true);
  });
});
