// The Node mesh transport over real loopback sockets: links between nodes on ephemeral ports, a send
// that fails at once when the neighbour closes (FIN) or resets (RST) its end, undecodable input closing
// the link with a typed error, and the broadcast address chosen per interface.
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stringBody } from "../../src/mesh/index.ts";
import { directedBroadcast, interfaceBroadcasts } from "../../src/node/mesh-broadcast.ts";
import { nodePlatform } from "../../src/node/platform.ts";
import { startMeshNode, type RunningMesh } from "../../src/node/mesh-node.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { ackUnit, scriptOf } from "../mesh/replay-peer.ts";
import { vectorFile } from "../mesh/vectors.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function node(name: string, logs: LogLine[] = [], o: { failFast?: boolean; timeoutMs?: number } = {}): Promise<RunningMesh> {
  const r = await startMeshNode(nodePlatform({ logger: captureLogger(logs), wasm: false }), { name, msaPeriodMs: 500, timeoutMs: o.timeoutMs ?? 10_000, transport: { port: 0, host: "127.0.0.1", udp: false }, ...(o.failFast !== undefined ? { failFast: o.failFast } : {}) });
  cleanup.push(() => r.close());
  return r;
}

/**
 * A raw peer that completes the handshake as "silent" (replaying s1a's acceptor units) and ACKs MSAs, but
 * never ACKs a MESSAGE: the sender's Set stays outstanding until the socket is closed under it.
 */
async function silentPeer(): Promise<{ port: number; sockets: net.Socket[]; received: () => string; close(): Promise<void> }> {
  const script = scriptOf(vectorFile("s1a-c1-acceptor-10.200.0.1.bin"), "acceptor");
  const sockets: net.Socket[] = [];
  let seen = "";
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    for (const it of script) if (it.kind === "handshake" || it.kind === "type") s.write(it.raw);
    s.write(script.find((it) => it.kind === "msa")!.raw); // alpha's first MSA: the link becomes effective
    // ACK the node's first MSAs (IDs 1..9) so its link stays up; MESSAGEs (ID 0) are never ACKed.
    let acked = 0;
    s.on("data", (b: Buffer) => {
      seen += b.toString("latin1");
      while (acked < 9) s.write(ackUnit(BigInt(++acked)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return { port, sockets, received: () => seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("mesh transport on real sockets", () => {
  it("links two nodes on loopback and carries a Set both ways", async () => {
    const a = await node("a");
    const b = await node("b");
    expect(await b.node.dial(`127.0.0.1:${a.transport.port}`)).toBe("a");
    await vi.waitFor(() => expect(a.node.broadcastRecipients()).toEqual(["b"]));
    await vi.waitFor(() => expect(b.node.broadcastRecipients()).toEqual(["a"]));
    const got: string[] = [];
    a.node.onMessage((d) => got.push(String(d.message.body?.value)));
    expect(await b.node.set(["a"], stringBody("over tcp"))).toEqual({ recipients: ["a"], failed: [], unroutable: [] });
    await vi.waitFor(() => expect(got).toEqual(["over tcp"]));
  });

  for (const how of ["FIN", "RST"] as const) {
    it(`a Set through a link the neighbour closes with ${how} fails at once, not after the 10 s timeout`, async () => {
      const peer = await silentPeer();
      cleanup.push(() => peer.close());
      const a = await node("bravo");
      expect(await a.node.dial(`127.0.0.1:${peer.port}`)).toBe("alpha");
      // wait until alpha's MSA made the link effective (the replayed units carry it)
      await vi.waitFor(() => expect(a.node.broadcastRecipients()).toEqual(["alpha"]), { timeout: 5000 });
      const t0 = performance.now();
      const p = a.node.set(["alpha"], stringBody("never acked"));
      // the MESSAGE reached the peer (its ACK is now awaited); then the peer closes the link under it
      await vi.waitFor(() => expect(peer.received()).toContain("never acked"));
      if (how === "FIN") peer.sockets[0]!.end();
      else peer.sockets[0]!.resetAndDestroy();
      const r = await p;
      const took = performance.now() - t0;
      expect(r.failed).toHaveLength(1);
      expect(r.failed[0]!.error.code).toBe("mesh.link-closed");
      expect(took).toBeLessThan(5000); // the bench measures it (tens of ms); here: far from the 10 s timeout
      expect(a.node.clients()).toEqual([]);
    });
  }

  it("closes a link that sends garbage, logging the typed decode error", async () => {
    const logs: LogLine[] = [];
    const a = await node("a", logs);
    const s = net.connect({ host: "127.0.0.1", port: a.transport.port });
    await new Promise((r) => s.once("connect", r));
    s.on("error", () => {});
    s.resume();
    s.write(Buffer.from("0d0c000a31302e3230302e302e31", "hex")); // name "10.200.0.1"
    s.write(Buffer.from("0b0c00086d65736870656572", "hex")); // version
    s.write(Buffer.from("05ff8180ffff", "hex")); // a definition with a bad uint
    await new Promise((r) => s.once("close", r));
    expect(a.node.clients()).toEqual([]);
    expect(logs.some((l) => l.msg === "client sent undecodable data" && String(l.code).startsWith("mesh.gob."))).toBe(true);
    expect(a.node.stats.decodeErrors).toBe(1);
  });

  it("computes a broadcast address per IPv4 interface", () => {
    expect(directedBroadcast("10.200.0.7", "255.255.255.0")).toBe("10.200.0.255");
    expect(directedBroadcast("172.16.5.1", "255.255.240.0")).toBe("172.16.15.255");
    expect(directedBroadcast("10.0.0.1", "255.255.255.255")).toBeNull();
    const fake = {
      lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", internal: true, mac: "", cidr: null }],
      eth0: [{ address: "10.1.2.3", netmask: "255.255.0.0", family: "IPv4", internal: false, mac: "", cidr: null }],
      eth1: [
        { address: "192.168.7.9", netmask: "255.255.255.0", family: "IPv4", internal: false, mac: "", cidr: null },
        { address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", internal: false, mac: "", cidr: null, scopeid: 1 },
      ],
    } as unknown as Parameters<typeof interfaceBroadcasts>[0];
    expect(interfaceBroadcasts(fake)).toEqual(["10.1.255.255", "192.168.7.255"]);
    expect(interfaceBroadcasts({})).toEqual(["255.255.255.255"]);
  });
});
