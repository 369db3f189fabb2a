// Mesh semantics in simulation (in-memory network, simulated time, real gob bytes on every link):
// handshake and refusal rules, MSA flooding and the effective network, routing with forwarding and the
// Snoop hook, Set / Broadcast / BroadcastRecipients, Dot exactly as minimega draws it, partitions and
// dead nodes pruned, read deadlines, and unknown body types forwarded intact.
import { describe, expect, it } from "vitest";
import { MeshError, stringBody, gob } from "../../src/mesh/index.ts";
import { link, settle, simMesh } from "./sim-harness.ts";

const { GobInterface, GobStruct, INT, STRING, structOf, sliceOf, toPlain } = gob;

describe("meshage in simulation", () => {
  it("a 3-node line converges, routes through the middle, forwards and snoops", async () => {
    const m = await simMesh(["a", "b", "c"]);
    expect(await link(m, "a", "b")).toBe("b");
    expect(await link(m, "c", "b")).toBe("b");
    await m.until(() => m.node("a").broadcastRecipients().length === 2 && m.node("c").broadcastRecipients().length === 2, 3000);
    const expected = { a: ["b"], b: ["a", "c"], c: ["b"] };
    for (const n of ["a", "b", "c"]) expect(m.node(n).mesh()).toEqual(expected);
    const snooped: string[] = [];
    m.node("b").snoop = (msg) => snooped.push(String(msg.body?.value));
    const r = await settle(m, m.node("c").set(["a"], stringBody("three-to-one")));
    expect(r).toEqual({ recipients: ["a"], failed: [], unroutable: [] });
    await m.run(10);
    const got = m.deliveries.get("a")!;
    expect(got).toHaveLength(1);
    expect(got[0]!.message).toMatchObject({ source: "c", recipients: [], route: ["c", "b", "a"], body: { name: "string", value: "three-to-one" } });
    expect(got[0]!.from).toBe("b");
    expect(snooped).toEqual(["three-to-one"]);
    expect(m.deliveries.get("b")).toHaveLength(0);
    expect(m.node("b").stats.forwarded).toBe(1);
  });

  it("Broadcast is a unicast fan-out to every other node; relays that are recipients deliver and forward", async () => {
    const m = await simMesh(["a", "b", "c"]);
    await link(m, "b", "a");
    await link(m, "b", "c");
    await m.until(() => m.node("a").broadcastRecipients().length === 2, 3000);
    expect(m.node("a").broadcastRecipients()).toEqual(["b", "c"]);
    const r = await settle(m, m.node("a").broadcast(stringBody("one-to-all")));
    expect(r.recipients.sort()).toEqual(["b", "c"]);
    await m.run(10);
    expect(m.deliveries.get("b")!.map((d) => d.message.recipients)).toEqual([["c"]]);
    expect(m.deliveries.get("c")!.map((d) => [d.message.route, d.message.recipients])).toEqual([[["a", "b", "c"], []]]);
  });

  it("refuses self and unknown sends the way minimega does", async () => {
    const m = await simMesh(["a", "b"]);
    await link(m, "a", "b");
    await m.until(() => m.node("a").broadcastRecipients().length === 1, 3000);
    await expect(m.node("a").set(["a"], stringBody("x"))).rejects.toMatchObject({ code: "mesh.send-self" });
    const r = await settle(m, m.node("a").set(["a", "nowhere", "b"], stringBody("x")));
    expect(r).toEqual({ recipients: ["b"], failed: [], unroutable: ["nowhere"] });
  });

  it("draws Dot exactly as minimega does", async () => {
    const m = await simMesh(["a", "b", "c"]);
    expect(m.node("a").dot()).toBe('graph a {\nsize="8,11";\noverlap=false;\nLegend [shape=box, shape=plaintext, label="total=0"];\n}');
    await link(m, "a", "b");
    await link(m, "c", "b");
    await m.until(() => m.node("a").broadcastRecipients().length === 2, 3000);
    expect(m.node("a").dot()).toBe(
      [
        "graph a {",
        'size="8,11";',
        "overlap=false;",
        'Legend [shape=box, shape=plaintext, label="total=3"];',
        "a [style=filled, color=red];",
        "a -- b",
        "",
        "b [style=filled, color=green];",
        "b -- c",
        "",
        "c [style=filled, color=green];",
        "",
        "}",
      ].join("\n"),
    );
  });

  it("handshake refusals: dialling yourself, a second link, a solicitor that stopped soliciting", async () => {
    const m = await simMesh(["a", "b"]);
    await expect(link(m, "a", "a")).rejects.toMatchObject({ code: "mesh.refused" });
    await link(m, "a", "b");
    await expect(link(m, "a", "b")).rejects.toMatchObject({ code: "mesh.refused" });
    expect(m.node("a").clients()).toEqual(["b"]);
    expect(m.node("b").clients()).toEqual(["a"]);
  });

  it("crossed dials end with one shared link on both sides", async () => {
    const m = await simMesh(["a", "b"]);
    const p1 = m.node("a").dial("b");
    const p2 = m.node("b").dial("a");
    await Promise.allSettled([settle(m, p1), settle(m, p2)]);
    await m.run(50);
    expect(m.node("a").clients()).toEqual(["b"]);
    expect(m.node("b").clients()).toEqual(["a"]);
    const r = await settle(m, m.node("a").set(["b"], stringBody("hi")));
    expect(r.failed).toEqual([]);
  });

  it("a dead node is pruned: its neighbours stop listing it and the rest recompute", async () => {
    const m = await simMesh(["a", "b", "c"]);
    await link(m, "a", "b");
    await link(m, "b", "c");
    await m.until(() => m.node("a").broadcastRecipients().length === 2, 3000);
    m.net.crash("c");
    await m.node("c").stop();
    const took = await m.until(() => m.node("a").broadcastRecipients().join() === "b", 5000);
    expect(took).toBeLessThanOrEqual(1000); // the RST drops the link at b at once; b's MSA follows within period/2
    expect(m.node("a").mesh()).toEqual({ a: ["b"], b: ["a"] });
  });

  it("a silent (black-holed) neighbour is dropped after 2 MSA periods", async () => {
    const m = await simMesh(["a", "b"]);
    await link(m, "a", "b");
    await m.run(100);
    m.net.blackhole("b");
    const took = await m.until(() => m.node("a").clients().length === 0, 5000);
    expect(took).toBeGreaterThan(1000);
    expect(took).toBeLessThanOrEqual(2100);
  });

  it("a partition splits the effective network and heals when a link returns", async () => {
    const m = await simMesh(["a", "b", "c", "d"]);
    await link(m, "a", "b");
    await link(m, "b", "c");
    await link(m, "c", "d");
    await m.until(() => m.node("a").broadcastRecipients().length === 3, 5000);
    m.node("b").hangup("c");
    await m.until(() => m.node("a").broadcastRecipients().join() === "b" && m.node("d").broadcastRecipients().join() === "c", 5000);
    await link(m, "d", "a");
    await m.until(() => m.node("b").broadcastRecipients().length === 3, 5000);
    expect(m.node("b").mesh()).toEqual({ a: ["b", "d"], b: ["a"], c: ["d"], d: ["a", "c"] });
  });

  it("forwards bodies of unknown types intact, re-emitting their definitions under the relay's ids", async () => {
    const m = await simMesh(["a", "b", "c"]);
    await link(m, "a", "b");
    await link(m, "b", "c");
    await m.until(() => m.node("a").broadcastRecipients().length === 2, 3000);
    // b first relays another type, so its registry numbers the probe types differently from a's.
    const other = structOf("other", [{ name: "X", type: sliceOf(INT, "[]int") }]);
    await settle(m, m.node("b").set(["c"], new GobInterface("main.other", other, new GobStruct([[1, 2]]))));
    const sub = structOf("probeSub", [
      { name: "Key", type: STRING },
      { name: "Val", type: INT },
    ]);
    const probe = structOf("probeCmd", [
      { name: "Name", type: STRING },
      { name: "TID", type: INT },
      { name: "Sub", type: sub },
    ]);
    const body = new GobInterface("main.probeCmd", probe, new GobStruct(["probe", -1, new GobStruct(["k", 300])]));
    const r = await settle(m, m.node("a").set(["c"], body));
    expect(r.failed).toEqual([]);
    await m.run(10);
    const got = m.deliveries.get("c")!.at(-1)!.message.body!;
    expect(got.name).toBe("main.probeCmd");
    expect(toPlain(got.type, got.value)).toEqual({ Name: "probe", TID: -1, Sub: { Key: "k", Val: 300 } });
  });

  it("MESSAGE ACKs are hop by hop: Set returns when the first hop ACKs", async () => {
    const m = await simMesh(["a", "b", "c"], {}, 5);
    await link(m, "a", "b");
    await link(m, "b", "c");
    await m.until(() => m.node("a").broadcastRecipients().length === 2, 3000);
    const t0 = m.clock.now();
    await settle(m, m.node("a").set(["c"], stringBody("x")));
    // a->b and b's ACK back: 2 x 5 ms; an end-to-end ACK would need a->b->c->b->a: 20 ms.
    expect(m.clock.now() - t0).toBeLessThan(20);
    await m.run(20);
    expect(m.deliveries.get("c")).toHaveLength(1);
  });

  for (const msaPolicy of ["gossamer", "minimega"] as const) {
    it(`a joining node learns the mesh: at once with catch-up, at the next periodic MSAs without (${msaPolicy})`, async () => {
      const names = Array.from({ length: 8 }, (_, i) => `r${i}`);
      const m = await simMesh(names, { msaPolicy, msaPeriodMs: 10_000 });
      for (let i = 0; i < names.length; i++) await link(m, names[i]!, names[(i + 1) % names.length]!);
      await m.until(() => names.every((n) => m.node(n).broadcastRecipients().length === 7), 30_000, 50);
      await m.run(3_000);
      const x = await m.add("x", { msaPolicy, msaPeriodMs: 10_000 });
      await link(m, "x", "r0");
      await link(m, "x", "r4");
      const took = await m.until(() => x.broadcastRecipients().length === 8 && names.every((n) => m.node(n).broadcastRecipients().length === 8), 30_000, 50);
      if (msaPolicy === "gossamer") expect(took).toBeLessThanOrEqual(500);
      else expect(took).toBeGreaterThan(1_000);
    });
  }

  it("errors are MeshErrors with stable codes", () => {
    expect(new MeshError("timeout", "x").code).toBe("mesh.timeout");
  });
});
