// What minimega's users complain about (minimega#1004, #504, #182, #326, #105), each shown fixed in simulation next to the
// minimega behaviour (the same node with the fix turned off): sends fail at once when their link closes;
// MSA origination stays bounded under churn and a rate-limited change is not lost; restarts reconnect
// and are believed at once; solicitations connect a LAN; `send all` with nobody there is an error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandTargets, MeshError, parseSolicitation, solicitationPayload, stringBody } from "../../src/mesh/index.ts";
import { SequenceTable } from "../../src/mesh/lollipop.ts";
import { backoffSeconds, shouldAnswer } from "../../src/mesh/solicit.ts";
import { link, settle, simMesh } from "./sim-harness.ts";

describe("a send to a neighbour that disconnects fails at once (#1004, #504)", () => {
  for (const failFast of [true, false]) {
    it(`failFast=${failFast}`, async () => {
      const m = await simMesh(["a", "b"], { failFast, timeoutMs: 10_000 }, 5);
      await link(m, "a", "b");
      await m.until(() => m.node("a").broadcastRecipients().length === 1, 2000);
      const t0 = m.clock.now();
      const p = m.node("a").set(["b"], stringBody("x"));
      m.node("b").hangup("a"); // b closes before the MESSAGE reaches it: no ACK will ever come
      const r = await settle(m, p);
      const took = m.clock.now() - t0;
      expect(r.failed).toHaveLength(1);
      if (failFast) {
        expect(r.failed[0]!.error.code).toBe("mesh.link-closed");
        expect(took).toBeLessThanOrEqual(10); // the FIN's one-way latency
      } else {
        expect(r.failed[0]!.error.code).toBe("mesh.timeout");
        expect(took).toBeGreaterThanOrEqual(10_000);
      }
      // queued sends behind it fail as well, and a later send has no link at all
      const r2 = await settle(m, m.node("a").set(["b"], stringBody("y")));
      expect(r2.recipients.length + r2.unroutable.length).toBe(1);
    });
  }
});

describe("MSA storms stay bounded (#182)", () => {
  it("a burst of connects originates at most 2 MSAs per period, and the last change is still announced", async () => {
    for (const msaPolicy of ["gossamer", "minimega"] as const) {
      const names = ["hub", ...Array.from({ length: 12 }, (_, i) => `n${i}`)];
      const m = await simMesh(names, { msaPolicy });
      await m.run(600); // hub's own periodic MSA will fall inside the burst window
      for (const n of names.slice(1)) void m.node(n).dial("hub");
      await m.run(1);
      const before = m.node("hub").stats.msasOriginated;
      await m.run(1000);
      const inPeriod = m.node("hub").stats.msasOriginated - before;
      expect(inPeriod).toBeLessThanOrEqual(2);
      // Every spoke learns all 12 peers through the hub:
      const took = await m.until(() => names.slice(1).every((n) => m.node(n).broadcastRecipients().length === 12), 5000);
      if (msaPolicy === "gossamer") expect(took).toBeLessThanOrEqual(600);
    }
  });
});

describe("restarts are believed at once (#326)", () => {
  it("a same-Instance counter restart is accepted within period/2 instead of waiting out the old counter", () => {
    for (const quick of [true, false]) {
      const t = new SequenceTable({ quietMs: quick ? 500 : Infinity, expireMs: 10_000 });
      for (let i = 1n; i <= 9n; i++) expect(t.accept(7n, i, Number(i) * 1000)).toBe(true);
      // the sender restarts at t=9.2 s with the same instance: IDs 1, 2, 3 ... every 0.5-1 s
      expect(t.accept(7n, 1n, 9_200)).toBe(false); // 0.2 s after ID 9: could be a delayed duplicate
      expect(t.accept(7n, 2n, 9_800)).toBe(quick);
      expect(t.accept(7n, 9n, 10_000)).toBe(!quick ? false : true);
      // duplicates right after are still dropped
      expect(t.accept(7n, 9n, 10_001)).toBe(false);
    }
    // minimega's own lollipop reset
    const t = new SequenceTable({ quietMs: Infinity, expireMs: 10_000 });
    expect(t.accept(1n, 20n, 0)).toBe(true);
    expect(t.accept(1n, 1n, 1)).toBe(true);
    expect(t.accept(1n, 1n, 2)).toBe(false);
  });

  for (const quickRestart of [true, false]) {
    it(`a restarted neighbour re-dials a half-open link at once and its MSAs are believed (quickRestart=${quickRestart})`, async () => {
      const m = await simMesh(["a", "c"], { quickRestart });
      await m.add("b", { instance: 42n });
      await link(m, "b", "a");
      await link(m, "c", "a");
      await m.until(() => m.node("c").broadcastRecipients().length === 2, 5000);
      await m.run(5000); // b's MSA counter reaches ~6
      // b's host hangs (no FIN/RST reaches a), then b's process restarts with the same name and instance
      m.net.blackhole("b");
      m.net.crash("b");
      await m.node("b").stop();
      m.nodes.delete("b");
      const b2 = await m.add("b", { instance: 42n, quickRestart });
      const t0 = m.clock.now();
      await link(m, "b", "a");
      expect(m.clock.now() - t0).toBeLessThan(20);
      expect(m.node("a").clients()).toEqual(["b", "c"]);
      const r = await settle(m, b2.set(["a"], stringBody("back")));
      expect(r.failed).toEqual([]);
      // b also links to c: the b-c edge is effective at c only once c accepts one of b's new MSAs.
      await link(m, "b", "c");
      const took = await m.until(() => (m.node("c").mesh()["c"] ?? []).includes("b"), 20_000);
      if (quickRestart) expect(took).toBeLessThanOrEqual(1000);
      else expect(took).toBeGreaterThan(2000); // IDs 1, 2 ... are dropped until they pass the old counter
    });
  }
});

describe("solicitation (UDP) connects a LAN", () => {
  it("nodes with degree 2 find each other and converge", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `h${i}`);
    const m = await simMesh(names, { degree: 2 });
    await m.until(() => names.every((n) => m.node(n).clients().length >= 2), 60_000, 100);
    await m.until(() => names.every((n) => m.node(n).broadcastRecipients().length === 7), 10_000, 100);
    expect(m.net.datagrams).toBeGreaterThan(0);
  });

  it("parses datagrams like minimega and applies the SOLICIT_LIMIT / RATIO rule", () => {
    expect(Buffer.from(solicitationPayload("minimega", "10.200.0.3")).toString()).toBe("meshage:minimega:10.200.0.3");
    expect(parseSolicitation(Buffer.from("meshage:testns:10.200.0.2"))).toEqual({ namespace: "testns", name: "10.200.0.2" });
    for (const bad of ["meshage:a", "meshage:a:b:c", "other:a:b", "", "meshage:ns:"]) expect(parseSolicitation(Buffer.from(bad))).toBeNull();
    expect(shouldAnswer(16, () => 0.99)).toBe(true);
    expect(shouldAnswer(17, () => 0.99)).toBe(false);
    expect(shouldAnswer(17, () => 0.1)).toBe(true); // floor(0.1 * 8) = 0
    expect([1, 2, 3, 7, 9].map((k) => backoffSeconds(k, () => 0.999))).toEqual([1, 3, 7, 127, 127]);
  });
});

describe("send all (#105)", () => {
  it("expands targets, rejects a wildcard among names, and all with nobody there is a clear result", async () => {
    expect(expandTargets("kn[1-3,7],x")).toEqual(["kn1", "kn2", "kn3", "kn7", "x"]);
    expect(expandTargets("n[08-10]")).toEqual(["n08", "n09", "n10"]);
    expect(expandTargets("all")).toBe("all");
    expect(() => expandTargets("all,a")).toThrow(MeshError);
    expect(() => expandTargets("a[1-")).toThrow(MeshError);
    expect(() => expandTargets("")).toThrow(MeshError);
    const m = await simMesh(["alone"]);
    const r = await settle(m, m.node("alone").broadcast(stringBody("x")));
    expect(r).toEqual({ recipients: [], failed: [], unroutable: [] });
  });
});

describe("parsers of untrusted text", () => {
  it("solicitation datagrams and recipient lists: a result or a MeshError, nothing else (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (b) => {
        const r = parseSolicitation(b);
        if (r) expect(`meshage:${r.namespace}:${r.name}`).toBe(new TextDecoder().decode(b));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (spec) => {
        try {
          const r = expandTargets(spec);
          expect(r === "all" || (Array.isArray(r) && r.length <= 65536)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
        }
      }),
      { numRuns: 2000 },
    );
    expect(() => expandTargets("n[1-99999999]")).toThrow(MeshError);
  });
});
