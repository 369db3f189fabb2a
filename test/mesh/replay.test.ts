// Byte-level agreement with real minimega nodes, in CI, without Go: a scripted peer (replay-peer.ts)
// plays one side of a captured stream against a real gossamer node over TCP on loopback, and what the
// node sends back is held against the OTHER side of the same capture. The node runs with the captured
// name, Instance and version, so its handshake, type definitions, ACKs, MSAs and MESSAGEs must be the
// captured bytes exactly. Scenario s2 (3-node line) has the node in the middle: it must forward node 3's
// MSAs and MESSAGE to node 1 with the bytes minimega's node 2 wrote.
import { afterEach, describe, expect, it, vi } from "vitest";
import { stringBody } from "../../src/mesh/index.ts";
import { toPlain } from "../../src/mesh/gob/index.ts";
import { nodePlatform } from "../../src/node/platform.ts";
import { startMeshNode, type RunningMesh } from "../../src/node/mesh-node.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { ReplayPeer, scriptOf, type ScriptItem } from "./replay-peer.ts";
import { hex, vectorFile } from "./vectors.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function node(name: string, instance: bigint, version: string, logs: LogLine[] = [], degree = 0): Promise<RunningMesh> {
  const r = await startMeshNode(nodePlatform({ logger: captureLogger(logs), wasm: false }), { name, instance, version, degree, msaPeriodMs: 400, timeoutMs: 2000, transport: { port: 0, host: "127.0.0.1", udp: false } });
  cleanup.push(() => r.close());
  return r;
}

async function peer(stream: string, role: "acceptor" | "dialer"): Promise<ReplayPeer> {
  const p = new ReplayPeer(scriptOf(vectorFile(stream), role), role);
  cleanup.push(() => p.close());
  return p;
}

/** The captured items of the node's own role, by kind. */
function captured(stream: string, role: "acceptor" | "dialer"): ScriptItem[] {
  return scriptOf(vectorFile(stream), role);
}

const hexOf = (xs: { raw: Uint8Array }[]) => xs.map((x) => hex(x.raw));

describe("replaying captured minimega streams against a gossamer node", () => {
  it("s1a: as the dialer (bravo), the node writes minimega's handshake, definitions, MSAs, ACKs and MESSAGEs", async () => {
    const p = await peer("s1a-c1-acceptor-10.200.0.1.bin", "acceptor");
    const port = await p.listen();
    const n = await node("bravo", 12863860383455142192n, "2.0");
    expect(await n.node.dial(`127.0.0.1:${port}`)).toBe("alpha");
    const want = captured("s1a-c1-dialer-10.200.0.2.bin", "dialer");
    await vi.waitFor(() => expect(p.sent("msa").length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
    await vi.waitFor(() => expect(n.node.broadcastRecipients()).toEqual(["alpha"]), { timeout: 5000 });
    // Broadcast then Set, as minimega's bravo did: Recipients ["alpha"] both times.
    expect((await n.node.broadcast(stringBody("hello-all"))).failed).toEqual([]);
    expect((await n.node.set(["alpha"], stringBody("direct-to-alpha"))).failed).toEqual([]);
    await vi.waitFor(() => expect(p.sent("message")).toHaveLength(2), { timeout: 5000 });

    expect(hexOf(p.sent("handshake"))).toEqual(hexOf(want.filter((i) => i.kind === "handshake")));
    expect(hexOf(p.sent("type"))).toEqual(hexOf(want.filter((i) => i.kind === "type")));
    // the definitions precede the first Message of the stream
    expect(p.items.findIndex((i) => i.kind === "type")).toBeLessThan(p.items.findIndex((i) => i.kind === "msa" || i.kind === "ack"));
    const wantMsas = want.filter((i) => i.kind === "msa");
    for (const [k, m] of p.sent("msa").slice(0, 3).entries()) expect(hex(m.raw)).toBe(hex(wantMsas[k]!.raw));
    expect(hexOf(p.sent("message"))).toEqual(hexOf(want.filter((i) => i.kind === "message")));
    // every ACK the node wrote is byte-identical to minimega's ACK for the same ID
    const wantAcks = new Map(want.filter((i) => i.kind === "ack").map((i) => [i.id, hex(i.raw)]));
    expect(p.sent("ack").length).toBeGreaterThan(0);
    for (const a of p.sent("ack")) expect(hex(a.raw)).toBe(wantAcks.get(a.message!.kind === "ack" ? a.message!.id : -1n));
  });

  it("s1a: as the acceptor (alpha), the node answers a replayed dialer and delivers its messages", async () => {
    const n = await node("alpha", 15885501570277803221n, "2.0");
    const got: string[] = [];
    n.node.onMessage((d) => got.push(String(d.message.body?.value)));
    const p = await peer("s1a-c1-dialer-10.200.0.2.bin", "dialer");
    await p.connect(n.transport.port);
    const want = captured("s1a-c1-acceptor-10.200.0.1.bin", "acceptor");
    await vi.waitFor(() => expect(got).toEqual(["hello-all", "direct-to-alpha"]), { timeout: 5000 });
    await vi.waitFor(() => expect(p.sent("msa").length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    expect(hexOf(p.sent("handshake"))).toEqual(hexOf(want.filter((i) => i.kind === "handshake")));
    expect(hexOf(p.sent("type"))).toEqual(hexOf(want.filter((i) => i.kind === "type")));
    const wantMsas = want.filter((i) => i.kind === "msa");
    for (const [k, m] of p.sent("msa").slice(0, 2).entries()) expect(hex(m.raw)).toBe(hex(wantMsas[k]!.raw));
    expect(hexOf(p.sent("ack")).every((h) => want.some((w) => w.kind === "ack" && hex(w.raw) === h))).toBe(true);
    expect(n.node.clients()).toEqual(["bravo"]);
  });

  it("s2: in the middle of a line, the node forwards MSAs and a MESSAGE with minimega's bytes", async () => {
    const p1 = await peer("s2-c1-acceptor-10.200.0.1.bin", "acceptor");
    const p3 = await peer("s2-c2-acceptor-10.200.0.3.bin", "acceptor");
    const port1 = await p1.listen();
    const port3 = await p3.listen();
    const n = await node("10.200.0.2", 8346498640640597937n, "meshpeer");
    // our Instance only shows in our own MSAs; forwarded units carry the originators' fields
    await n.node.dial(`127.0.0.1:${port1}`);
    await n.node.dial(`127.0.0.1:${port3}`);
    const wantC1 = captured("s2-c1-dialer-10.200.0.2.bin", "dialer");
    const wantC2 = captured("s2-c2-dialer-10.200.0.2.bin", "dialer");
    // node 3's Set "three-to-one" reaches node 1 through us, byte for byte as minimega forwarded it
    const fwd = wantC1.filter((i) => i.kind === "message");
    await vi.waitFor(() => expect(p1.sent("message").map((m) => hex(m.raw))).toEqual(expect.arrayContaining(fwd.map((f) => hex(f.raw)))), { timeout: 5000 });
    // node 1's broadcast to [node 2, node 3] is delivered to us and forwarded to node 3 as captured
    await vi.waitFor(() => expect(hexOf(p3.sent("message"))).toEqual(hexOf(wantC2.filter((i) => i.kind === "message"))), { timeout: 5000 });
    // every MSA we relayed (not our own) that minimega's node 2 also relayed (same source and ID; which
    // IDs get relayed depends on timing) has the same bytes
    const relayed = (p: ReplayPeer) => p.sent("msa").filter((m) => m.message?.kind === "msa" && m.message.source !== "10.200.0.2");
    const key = (m: ScriptItem["message"]) => (m?.kind === "msa" ? `${m.source}#${m.id}` : "");
    for (const [p, want] of [
      [p1, wantC1],
      [p3, wantC2],
    ] as const) {
      await vi.waitFor(() => expect(relayed(p).length).toBeGreaterThan(0), { timeout: 5000 });
      const theirs = new Map(want.filter((w) => w.kind === "msa" && w.message?.kind === "msa" && w.message.source !== "10.200.0.2").map((w) => [key(w.message), hex(w.raw)]));
      const common = relayed(p).filter((m) => theirs.has(key(m.message)));
      expect(common.length).toBeGreaterThan(0);
      for (const m of common) expect(hex(m.raw)).toBe(theirs.get(key(m.message)));
    }
  });

  it("s3: a soliciting acceptor (degree 1) says so in its handshake, byte for byte", async () => {
    const n = await node("10.200.0.3", 12730546185329315012n, "meshpeer", [], 1);
    const p = await peer("s3-c2-dialer-10.200.0.1.bin", "dialer");
    await p.connect(n.transport.port);
    const want = captured("s3-c2-acceptor-10.200.0.3.bin", "acceptor");
    await vi.waitFor(() => expect(p.sent("handshake")).toHaveLength(3));
    expect(hexOf(p.sent("handshake"))).toEqual(hexOf(want.filter((i) => i.kind === "handshake")));
    expect(hex(p.sent("handshake")[1]!.raw)).toBe("03020001");
    await vi.waitFor(() => expect(n.node.clients()).toEqual(["10.200.0.1"]));
  });

  it("s5: the node receives map and struct bodies split across units and decodes them", async () => {
    const n = await node("10.200.0.1", 2885964339265723478n, "meshpeer");
    const bodies: unknown[] = [];
    n.node.onMessage((d) => bodies.push(d.message.body ? { type: d.message.body.name, value: toPlain(d.message.body.type, d.message.body.value) } : null));
    const p = await peer("s5-c1-dialer-10.200.0.2.bin", "dialer");
    await p.connect(n.transport.port);
    await vi.waitFor(() => expect(bodies).toHaveLength(4), { timeout: 5000 });
    expect(bodies).toEqual([
      { type: "string", value: "s" },
      { type: "github.com/sandia-minimega/minimega/v2/internal/meshage.mesh", value: { "10.200.0.2": ["10.200.0.1"], "10.200.0.1": ["10.200.0.2"] } },
      { type: "main.probeCmd", value: { Name: "probe", TID: -1, Args: ["vm", "info"], Ok: true, Sub: { Key: "k", Val: 300 } } },
      { type: "main.probeCmd", value: { Name: "probe", TID: -2, Args: ["vm", "info"], Sub: { Key: "k", Val: 300 }, Count: 1 } },
    ]);
    const acks = p.sent("ack").filter((a) => a.message?.kind === "ack" && a.message.id === 0n);
    expect(acks.length).toBeGreaterThanOrEqual(4);
    for (const a of acks) expect(hex(a.raw)).toBe("03ff8200");
  });
});
