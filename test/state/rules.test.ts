// The receiver rules of docs/protocols/gravity.md §4 case by case (schema mismatch handling), expiry, and counting.
import { describe, expect, it } from "vitest";
import { makeStore, T0 } from "./helpers.ts";

const em = (p: Record<string, unknown>) => JSON.stringify({ type: 1, payload: { container_id: "c", ...p } });
const tomb = (p: Record<string, unknown>) => JSON.stringify({ type: 2, payload: { container_id: "c", ...p } });
const route = (p: Record<string, unknown>) => JSON.stringify({ type: 5, payload: { subnet: "10.1.0.0/16", ...p } });
const full = { v: 185, gravity_vip: "10.0.0.1", hadron_vip: "fd00::1", machine_id: "m1", project_id: "p", dns_names: ["a"], timestamp: 10, sni_hostname: "sni" };

describe("rule 1: same V, last writer wins, larger machine_id breaks ties", () => {
  it("newer timestamp wins; an older one is ignored", () => {
    const s = makeStore();
    s.apply(em({ ...full, timestamp: 10, project_id: "new" }));
    expect(s.apply(em({ ...full, timestamp: 9, project_id: "old" })).changes).toEqual([]);
    expect(s.snapshot().endpoints[0]!.project_id).toBe("new");
    s.apply(em({ ...full, timestamp: 11, project_id: "" }));
    expect(s.snapshot().endpoints[0]!.project_id).toBe("");
  });

  it("on equal timestamps the larger machine_id wins, in either order", () => {
    for (const order of [0, 1]) {
      const s = makeStore();
      const msgs = [em({ ...full, machine_id: "m1", project_id: "one" }), em({ ...full, machine_id: "m2", project_id: "two" })];
      if (order) msgs.reverse();
      for (const m of msgs) s.apply(m);
      expect(s.snapshot().endpoints[0]).toMatchObject({ machine_id: "m2", project_id: "two" });
    }
  });

  it("tombstones delete older or tied mappings, not newer ones; an older mapping cannot resurrect", () => {
    const s = makeStore();
    s.apply(em(full));
    s.apply(tomb({ v: 123, machine_id: "m1", timestamp: 10 }));
    expect(s.snapshot().endpoints).toEqual([]);
    expect(s.snapshot().tombstones).toEqual([{ v: 123, container_id: "c", machine_id: "m1", timestamp: 10 }]);
    s.apply(em({ ...full, timestamp: 9 }));
    expect(s.snapshot().endpoints).toEqual([]);
    s.apply(em({ ...full, timestamp: 12, sni_hostname: "" }));
    expect(s.snapshot().endpoints[0]!.timestamp).toBe(12);
    s.apply(tomb({ v: 123, machine_id: "m1", timestamp: 11 }));
    expect(s.snapshot().endpoints).toHaveLength(1);
  });
});

describe("rule 2: V = 0 (legacy)", () => {
  it("keeps sni_hostname, which a legacy sender cannot know, but applies its legacy fields", () => {
    const s = makeStore();
    s.apply(em(full));
    const { v: _v, sni_hostname: _s, ...legacy } = { ...full, timestamp: 11, project_id: "", dns_names: [] };
    s.apply(em(legacy));
    expect(s.snapshot().endpoints[0]).toMatchObject({ sni_hostname: "sni", project_id: "", dns_names: [], timestamp: 11 });
  });

  it("legacy tombstones are ordinary last-writer-wins", () => {
    const s = makeStore();
    s.apply(em(full));
    s.apply(tomb({ machine_id: "m1", timestamp: 10 }));
    expect(s.snapshot().endpoints).toEqual([]);
  });
});

describe("rule 3: V != ours (other schema)", () => {
  it("never clears a known field with an empty or absent one", () => {
    const s = makeStore();
    s.apply(em(full));
    s.apply(em({ v: 77, timestamp: 20, machine_id: "m9", hadron_vip: "", project_id: "p2", future: { x: 1 } }));
    const e = s.snapshot().endpoints[0]!;
    expect(e).toMatchObject({ timestamp: 20, machine_id: "m9", gravity_vip: "10.0.0.1", hadron_vip: "fd00::1", project_id: "p2", dns_names: ["a"], sni_hostname: "sni" });
    expect(e.extra).toBe('"future":{"x":1}');
  });

  it("a mismatched tombstone deletes only a strictly older record", () => {
    const s = makeStore();
    s.apply(em(full));
    s.apply(tomb({ v: 99, machine_id: "zz", timestamp: 10 }));
    expect(s.snapshot().endpoints).toHaveLength(1);
    s.apply(tomb({ v: 99, machine_id: "", timestamp: 11 }));
    expect(s.snapshot().endpoints).toHaveLength(0);
  });

  it("a mismatched route remove applies only when strictly newer; same-V remove wins ties by id", () => {
    const s = makeStore();
    s.apply(route({ v: 231, machine_id: "m1", ion_id: "i1", timestamp: 5, action: "add" }));
    s.apply(route({ v: 3, machine_id: "m9", ion_id: "i9", timestamp: 5, action: "remove" }));
    expect(s.snapshot().routes).toHaveLength(1);
    expect(s.route("10.1.2.3")).toMatchObject({ kind: "subnet", prefix: "10.1.0.0/16" });
    s.apply(route({ v: 231, machine_id: "m1", ion_id: "i1", timestamp: 5, action: "remove" }));
    expect(s.snapshot().routes).toHaveLength(0);
    expect(s.route("10.1.2.3")).toBeNull();
    s.apply(route({ v: 231, machine_id: "m1", ion_id: "i2", timestamp: 5, action: "add" }));
    expect(s.snapshot().routes).toMatchObject([{ ion_id: "i2" }]);
  });

  it("counts mismatches per {type, remote_v}, nested elements included, legacy as remote_v 0", () => {
    const s = makeStore();
    s.apply(em({ v: 77, timestamp: 1 }));
    s.apply(em({ v: 77, timestamp: 2 }));
    s.apply(em({ timestamp: 3 }));
    s.apply(JSON.stringify({ type: 4, payload: { v: 38, vip: "v", new_nats: [{ v: 5, key: "n" }] } }));
    expect(s.schemaMismatches().sort((a, b) => a.type - b.type || a.remote_v - b.remote_v)).toEqual([
      { type: 1, name: "EndpointMapping", remote_v: 0, count: 1 },
      { type: 1, name: "EndpointMapping", remote_v: 77, count: 2 },
      { type: 3, name: "NATEntry", remote_v: 5, count: 1 },
    ]);
  });
});

describe("rule 4: VIP heartbeats", () => {
  it("merges owners per owner by the largest timestamp and applies nested entries with their own V", () => {
    const s = makeStore();
    s.apply(JSON.stringify({ type: 4, payload: { v: 38, vip: "10.0.0.1", owners: { a: 5, b: 9 }, timestamp: 9 } }));
    s.apply(
      JSON.stringify({
        type: 4,
        payload: {
          v: 38,
          vip: "10.0.0.1",
          owners: { a: 7, b: 3, c: 1 },
          timestamp: 7,
          new_nats: [{ key: "n1", original_dst: "10.0.0.1", timestamp: 4 }],
          new_endpoints: [{ v: 185, container_id: "c9", timestamp: 4 }],
        },
      }),
    );
    const snap = s.snapshot();
    expect(snap.vips).toEqual([{ v: 38, vip: "10.0.0.1", owners: { a: 7, b: 9, c: 1 }, timestamp: 9, new_nats: null, new_endpoints: null }]);
    expect(snap.nats.map((n) => n.key)).toEqual(["n1"]);
    expect(snap.endpoints.map((e) => e.container_id)).toEqual(["c9"]);
    expect(s.route("10.0.0.1")).toMatchObject({ kind: "nat", prefix: "10.0.0.1/32" });
  });

  it("expires owners after the TTL on the injected clock and publishes the change", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, ownerTtlSeconds: 30 });
    s.apply(JSON.stringify({ type: 4, payload: { vip: "v", owners: { a: T0, b: T0 - 20 }, timestamp: T0 } }));
    expect(s.snapshot().vips[0]!.owners).toEqual({ a: T0, b: T0 - 20 });
    const seen: unknown[] = [];
    s.subscribe((c) => seen.push(...c));
    now += 15_000;
    expect(s.sweep().map((c) => c.value)).toEqual([expect.objectContaining({ owners: { a: T0 } })]);
    now += 20_000;
    expect(s.sweep()).toEqual([expect.objectContaining({ kind: "vip", key: "v", value: null })]);
    expect(seen).toHaveLength(2);
    expect(s.snapshot().vips).toEqual([]);
  });
});

describe("NAT entries", () => {
  it("a mismatched NAT entry keeps known ports and addresses it leaves empty", () => {
    const s = makeStore();
    s.apply(JSON.stringify({ type: 3, payload: { v: 56, key: "k", original_dst: "10.0.0.1", original_src: "10.0.0.2", src_port: 1, dst_port: 2, timestamp: 5 } }));
    s.apply(JSON.stringify({ type: 3, payload: { v: 57, key: "k", original_dst: "", src_port: 0, dst_port: 9, timestamp: 6 } }));
    expect(s.snapshot().nats).toEqual([{ v: 56, key: "k", original_dst: "10.0.0.1", original_src: "10.0.0.2", src_port: 1, dst_port: 9, timestamp: 6 }]);
  });

  it("expire after natTtlSeconds and leave the route table", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, natTtlSeconds: 60, gcAfterSeconds: 60 });
    s.apply(JSON.stringify({ type: 3, payload: { key: "k", original_dst: "10.0.0.1", timestamp: T0 } }));
    expect(s.route("10.0.0.1")).toMatchObject({ kind: "nat" });
    now += 61_000;
    expect(s.sweep()).toEqual([expect.objectContaining({ kind: "nat", key: "k", value: null })]);
    expect(s.route("10.0.0.1")).toBeNull();
    now += 61_000;
    s.sweep();
    expect(s.size).toBe(0);
  });
});

describe("automatic sweeps and subscriptions", () => {
  it("snapshot() sweeps when sweepIntervalMs has passed, and subscribers hear about it until they leave", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, ownerTtlSeconds: 10, sweepIntervalMs: 1000 });
    const heard: number[] = [];
    const off = s.subscribe((c, cursor) => heard.push(cursor, c.length));
    s.apply(JSON.stringify({ type: 4, payload: { vip: "v", owners: { a: T0 }, timestamp: T0 } }));
    s.apply(JSON.stringify({ type: 4, payload: { vip: "v", owners: { a: T0 }, timestamp: T0 } })); // no-op: no notification
    expect(heard).toEqual([1, 1]);
    now += 11_000;
    expect(s.snapshot().vips).toEqual([]);
    expect(heard).toEqual([1, 1, 2, 1]);
    off();
    s.apply(JSON.stringify({ type: 4, payload: { vip: "w", owners: { a: T0 + 11 }, timestamp: T0 + 11 } }));
    expect(heard).toHaveLength(4);
  });
});

describe("garbage collection and the cursor", () => {
  it("drops long-invisible records and asks older cursors to resync", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, gcAfterSeconds: 60 });
    s.apply(em(full));
    const c1 = s.cursor;
    s.apply(tomb({ v: 123, timestamp: 11 }));
    expect(s.deltas(c1)).toMatchObject({ reset: false, changes: [{ kind: "endpoint", key: "c", value: null }] });
    now += 61_000;
    s.sweep();
    expect(s.size).toBe(0);
    expect(s.minCursor).toBe(s.cursor);
    expect(s.deltas(c1)).toMatchObject({ reset: true });
    expect(s.deltas(s.cursor)).toEqual({ cursor: s.cursor, reset: false, changes: [] });
    expect(s.deltas(s.cursor + 1).reset).toBe(true);
  });

  it("deltas list each changed record once, in cursor order, with its current value", () => {
    const s = makeStore();
    s.apply(em({ ...full, container_id: "x" }));
    s.apply(em({ ...full, container_id: "y" }));
    s.apply(em({ ...full, container_id: "x", timestamp: 11 }));
    const d = s.deltas(0);
    expect(d.changes.map((c) => [c.key, c.cursor])).toEqual([
      ["y", 2],
      ["x", 3],
    ]);
    expect(s.deltas(2).changes.map((c) => c.key)).toEqual(["x"]);
  });
});
