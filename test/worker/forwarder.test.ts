// ShardForwarder (worker/forwarder.ts) with a controllable far shard and directory: batching while an
// RPC is in flight, batch size bound, bounded queue, cache invalidation, negative cache, batching off.
import { describe, expect, it } from "vitest";
import { readBatch } from "../../worker/forward-batch.ts";
import { ShardForwarder, type ShardTarget } from "../../worker/forwarder.ts";
import { MetricsRegistry } from "../../src/util/metrics.ts";

interface Call {
  shard: string;
  records: [string, string][];
  resolve(missing?: string[]): void;
  reject(e: unknown): void;
}

function harness(opts: { batching?: boolean; maxQueue?: number; maxInFlight?: number; where?: Record<string, string | null> } = {}) {
  const calls: Call[] = [];
  const lookups: string[] = [];
  let now = 1000;
  const where = opts.where ?? { "sha-b": "shard-1", "sha-c": "shard-1", "sha-d": "shard-2" };
  const reg = new MetricsRegistry();
  const dec = new TextDecoder();
  const target = (shard: string): ShardTarget => ({
    deliverBatch(_from, _to, batch) {
      const records: [string, string][] = [];
      readBatch(batch, (k, m) => records.push([k, dec.decode(m)]));
      return new Promise((res, rej) => calls.push({ shard, records, resolve: (missing = []) => res({ missing }), reject: rej }));
    },
  });
  const f = new ShardForwarder({
    self: "shard-0",
    batching: opts.batching ?? true,
    locate: async (k) => (lookups.push(k), where[k] ?? null),
    shard: target,
    now: () => now,
    forwards: reg.counter("relay_cluster_forwards_total", "x"),
    batches: reg.counter("relay_forward_batches_total", "x"),
    maxQueue: opts.maxQueue,
    maxInFlight: opts.maxInFlight,
    busyBatch: 32,
  });
  const count = (result: string) => reg.snapshot().find((x) => x.name === "relay_cluster_forwards_total")?.samples.find((s) => s.labels.result === result)?.value ?? 0;
  const send = (k: string, s: string) => f.forward(k, new TextEncoder().encode(s));
  const tick = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { f, calls, lookups, count, send, tick, advance: (ms: number) => (now += ms) };
}

describe("ShardForwarder", () => {
  it("sends one batch per event and queues small amounts behind an RPC in flight", async () => {
    const h = harness();
    await h.f.locate("sha-b"); // warm cache
    await h.f.locate("sha-c");
    h.send("sha-b", "1");
    h.send("sha-c", "2");
    await h.tick();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]!.records).toEqual([["sha-b", "1"], ["sha-c", "2"]]);
    for (let i = 3; i < 23; i++) h.send("sha-b", String(i)); // 20 < busyBatch: wait for the RPC
    await h.tick();
    expect(h.calls).toHaveLength(1);
    h.calls[0]!.resolve();
    await h.tick();
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]!.records.map((r) => r[1])).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 3)));
    h.calls[1]!.resolve();
    await h.tick();
    expect(h.count("ok")).toBe(22);
  });

  it("pipelines full batches over up to maxInFlight RPCs under load, in order", async () => {
    const h = harness({ maxInFlight: 3 });
    await h.f.locate("sha-b");
    h.send("sha-b", "0");
    await h.tick();
    for (let i = 1; i <= 200; i++) {
      h.send("sha-b", String(i));
      if (i % 40 === 0) await h.tick(); // 40 per event
    }
    await h.tick();
    expect(h.calls.map((c) => c.records.length)).toEqual([1, 40, 40]); // 3 in flight, the rest waits
    while (h.calls.some((c) => !(c as { done?: boolean }).done)) {
      const c = h.calls.find((x) => !(x as { done?: boolean }).done)!;
      (c as { done?: boolean }).done = true;
      c.resolve();
      await h.tick();
    }
    const all = h.calls.flatMap((c) => c.records.map((r) => r[1]));
    expect(all).toEqual(Array.from({ length: 201 }, (_, i) => String(i)));
    expect(h.calls.length).toBeLessThan(10);
  });

  it("keeps one lane per destination shard and bounds batch size and queue", async () => {
    const h = harness({ maxQueue: 700, maxInFlight: 1 });
    await h.f.locate("sha-b");
    await h.f.locate("sha-d");
    h.send("sha-b", "first");
    h.send("sha-d", "other shard");
    await h.tick();
    expect(h.calls.map((c) => c.shard)).toEqual(["shard-1", "shard-2"]);
    for (let i = 0; i < 800; i++) h.send("sha-b", `q${i}`);
    expect(h.count("queue_full")).toBe(100);
    h.calls[0]!.resolve();
    await h.tick();
    const sizes: number[] = [];
    while (h.calls.length > 2 + sizes.length) {
      const c = h.calls[2 + sizes.length]!;
      sizes.push(c.records.length);
      c.resolve();
      await h.tick();
    }
    expect(sizes).toEqual([256, 256, 188]);
  });

  it("invalidates a location the far shard does not hold, and re-locates", async () => {
    const h = harness();
    await h.f.locate("sha-b");
    const before = h.lookups.length;
    h.send("sha-b", "x");
    await h.tick();
    h.calls[0]!.resolve(["sha-b"]);
    await h.tick();
    expect(h.count("peer_not_found")).toBe(1);
    expect(h.f.cached("sha-b")).toBeUndefined();
    h.send("sha-b", "y");
    await h.tick();
    expect(h.lookups.length).toBe(before + 1);
    expect(h.calls[1]!.records).toEqual([["sha-b", "y"]]);
  });

  it("counts a failed RPC as send_error and forgets the locations", async () => {
    const h = harness();
    await h.f.locate("sha-b");
    h.send("sha-b", "x");
    h.send("sha-b", "y");
    await h.tick();
    h.calls[0]!.reject(new Error("overloaded"));
    await h.tick();
    expect(h.count("send_error")).toBe(2);
    expect(h.f.cached("sha-b")).toBeUndefined();
  });

  it("drops packets for a peer that is nowhere, asking the directory at most once per negative TTL", async () => {
    const h = harness({ where: {} });
    for (let i = 0; i < 5; i++) h.send("sha-x", "lost");
    await h.tick();
    h.send("sha-x", "lost");
    expect(h.count("peer_not_found")).toBe(6);
    expect(h.lookups).toEqual(["sha-x"]);
    h.advance(300);
    h.send("sha-x", "lost");
    await h.tick();
    expect(h.lookups).toEqual(["sha-x", "sha-x"]);
    expect(h.calls).toHaveLength(0);
  });

  it("locate() (subscription answers) always asks the directory", async () => {
    const h = harness();
    await h.f.locate("sha-b");
    await h.f.locate("sha-b");
    expect(h.lookups).toEqual(["sha-b", "sha-b"]);
  });

  it("with batching off, every packet is its own RPC", async () => {
    const h = harness({ batching: false });
    await h.f.locate("sha-b");
    for (let i = 0; i < 5; i++) h.send("sha-b", String(i));
    await h.tick();
    expect(h.calls.map((c) => c.records.length)).toEqual([1, 1, 1, 1, 1]);
  });
});
