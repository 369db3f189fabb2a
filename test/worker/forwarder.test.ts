// ShardForwarder (worker/forwarder.ts) with fake links and a controllable directory and clock: one link
// per destination shard opened on demand, one link message per event while idle, coalescing of a busy
// lane (per interval or per full batch), the bounded queue while a link opens, MISSING notices and
// failed links invalidating cached locations, the negative cache, batching off, idle links closing.
import { describe, expect, it } from "vitest";
import { encodeMissing, readBatch } from "../../worker/forward-batch.ts";
import { ShardForwarder, type LinkEvents } from "../../worker/forwarder.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import { MetricsRegistry } from "../../src/util/metrics.ts";

interface FakeLink {
  shard: string;
  events: LinkEvents;
  /** Link messages sent, decoded to [destination key, payload text] records. */
  sent: [string, string][][];
  closed: boolean;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

async function ids(n: number): Promise<{ id: Uint8Array; key: string }[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const id = await peerIdFromPublicKey(`forwarder-test-${i}`);
    return { id, key: peerIdToString(id) };
  }));
}

async function harness(opts: { batching?: boolean; maxQueue?: number; coalesceMax?: number; manualOpen?: boolean } = {}) {
  const [b, c, d, x] = await ids(4);
  const where = new Map<string, string | null>([[b!.key, "shard-1"], [c!.key, "shard-1"], [d!.key, "shard-2"]]);
  const links: FakeLink[] = [];
  const opens: { shard: string; resolve(): void; reject(e: unknown): void }[] = [];
  const lookups: string[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  let now = 1000;
  const reg = new MetricsRegistry();
  const f = new ShardForwarder({
    self: "shard-0",
    batching: opts.batching ?? true,
    locate: async (k) => (lookups.push(k), where.get(k) ?? null),
    openLink: (shard, events) =>
      new Promise((resolve, reject) => {
        const link: FakeLink = { shard, events, sent: [], closed: false };
        const sock = {
          send(bytes: Uint8Array) {
            const recs: [string, string][] = [];
            readBatch(bytes, (buf, off, m) => recs.push([peerIdToString(buf.subarray(off, off + 36)), dec.decode(m)]));
            link.sent.push(recs);
          },
          close() {
            link.closed = true;
          },
        };
        const open = () => (links.push(link), resolve(sock));
        if (opts.manualOpen) opens.push({ shard, resolve: open, reject });
        else open();
      }),
    now: () => now,
    forwards: reg.counter("relay_cluster_forwards_total", "x"),
    batches: reg.counter("relay_forward_batches_total", "x"),
    maxQueue: opts.maxQueue,
    coalesceMs: 1,
    coalesceMax: opts.coalesceMax ?? 64,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
  });
  const count = (result: string) => reg.snapshot().find((m) => m.name === "relay_cluster_forwards_total")?.samples.find((s) => s.labels.result === result)?.value ?? 0;
  const batches = () => reg.snapshot().find((m) => m.name === "relay_forward_batches_total")?.samples[0]?.value ?? 0;
  /** Forwards through the raw path with the destination in a scratch buffer the caller then reuses. */
  const send = (who: { id: Uint8Array }, s: string) => {
    const scratch = new Uint8Array(72);
    scratch.set(who.id, 36);
    f.forwardRaw(scratch, 36, enc.encode(s));
    scratch.fill(0);
  };
  const tick = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cancelled) t.fn();
  };
  return { f, b: b!, c: c!, d: d!, x: x!, links, opens, lookups, timers, count, batches, send, tick, fire, advance: (ms: number) => (now += ms) };
}

describe("ShardForwarder", () => {
  it("opens one link per destination shard and sends what one event forwards as one link message", async () => {
    const h = await harness();
    await h.f.locate(h.b.key); // warm cache
    await h.f.locate(h.c.key);
    await h.f.locate(h.d.key);
    h.send(h.b, "1");
    h.send(h.c, "2");
    h.send(h.d, "3");
    await h.tick();
    expect(h.links.map((l) => l.shard)).toEqual(["shard-1", "shard-2"]);
    expect(h.links[0]!.sent).toEqual([[[h.b.key, "1"], [h.c.key, "2"]]]);
    expect(h.links[1]!.sent).toEqual([[[h.d.key, "3"]]]);
    expect(h.count("ok")).toBe(3);
    expect(h.batches()).toBe(2);
  });

  it("coalesces a busy lane: one link message per interval, or sooner when a full batch waits", async () => {
    const h = await harness({ coalesceMax: 10 });
    await h.f.locate(h.b.key);
    h.send(h.b, "0");
    await h.tick(); // idle lane: leaves at the end of the event
    expect(h.links[0]!.sent.map((m) => m.length)).toEqual([1]);
    for (let i = 1; i <= 4; i++) (h.send(h.b, String(i)), await h.tick()); // four events within the interval
    expect(h.links[0]!.sent).toHaveLength(1);
    expect(h.timers.filter((t) => !t.cancelled).map((t) => t.ms)).toEqual([1]);
    h.fire();
    expect(h.links[0]!.sent.map((m) => m.map((r) => r[1]))).toEqual([["0"], ["1", "2", "3", "4"]]);
    for (let i = 5; i <= 14; i++) h.send(h.b, String(i)); // a full batch does not wait for the timer
    await h.tick();
    expect(h.links[0]!.sent.map((m) => m.length)).toEqual([1, 4, 10]);
    h.advance(5); // the interval passed: the next packet leaves at once
    h.send(h.b, "15");
    await h.tick();
    const all = h.links[0]!.sent.flat().map((r) => r[1]);
    expect(all).toEqual(Array.from({ length: 16 }, (_, i) => String(i)));
  });

  it("bounds the queue while a link opens, then sends what waited in order", async () => {
    const h = await harness({ maxQueue: 100, manualOpen: true });
    await h.f.locate(h.b.key);
    for (let i = 0; i < 150; i++) h.send(h.b, `q${i}`);
    await h.tick();
    expect(h.count("queue_full")).toBe(50);
    expect(h.opens).toHaveLength(1);
    h.opens[0]!.resolve();
    await h.tick();
    expect(h.links[0]!.sent.flat().map((r) => r[1])).toEqual(Array.from({ length: 100 }, (_, i) => `q${i}`));
    expect(h.count("ok")).toBe(100);
  });

  it("a link that cannot open loses what waited and forgets the locations on that shard", async () => {
    const h = await harness({ manualOpen: true });
    await h.f.locate(h.b.key);
    h.send(h.b, "x");
    h.send(h.b, "y");
    await h.tick();
    h.opens[0]!.reject(new Error("overloaded"));
    await h.tick();
    expect(h.count("send_error")).toBe(2);
    expect(h.f.cached(h.b.key)).toBeUndefined();
  });

  it("a MISSING notice invalidates the location, and the next packet asks the directory again", async () => {
    const h = await harness();
    await h.f.locate(h.b.key);
    const before = h.lookups.length;
    h.send(h.b, "x");
    await h.tick();
    h.links[0]!.events.message(encodeMissing(h.b.id, 1));
    expect(h.count("peer_not_found")).toBe(1);
    expect(h.f.cached(h.b.key)).toBeUndefined();
    h.send(h.b, "y");
    await h.tick();
    h.fire(); // the lane sent within the interval: "y" waits for the coalescing timer
    expect(h.lookups.length).toBe(before + 1);
    expect(h.links[0]!.sent.at(-1)).toEqual([[h.b.key, "y"]]);
  });

  it("re-opens a link the far shard closed", async () => {
    const h = await harness();
    await h.f.locate(h.b.key);
    h.send(h.b, "1");
    await h.tick();
    h.links[0]!.events.closed();
    h.advance(5);
    h.send(h.b, "2");
    await h.tick();
    expect(h.links).toHaveLength(2);
    expect(h.links[1]!.sent).toEqual([[[h.b.key, "2"]]]);
  });

  it("drops packets for a peer that is nowhere, asking the directory at most once per negative TTL", async () => {
    const h = await harness();
    for (let i = 0; i < 5; i++) h.send(h.x, "lost");
    await h.tick();
    h.send(h.x, "lost");
    expect(h.count("peer_not_found")).toBe(6);
    expect(h.lookups).toEqual([h.x.key]);
    h.advance(300);
    h.send(h.x, "lost");
    await h.tick();
    expect(h.lookups).toEqual([h.x.key, h.x.key]);
    expect(h.links).toHaveLength(0);
  });

  it("a cold cache keeps the destination although the caller reuses its scratch", async () => {
    const h = await harness();
    h.send(h.b, "cold"); // not located yet: waits for the directory
    await h.tick();
    expect(h.links[0]!.sent).toEqual([[[h.b.key, "cold"]]]);
  });

  it("locate() (subscription answers) always asks the directory; forward() takes printable IDs", async () => {
    const h = await harness();
    await h.f.locate(h.b.key);
    await h.f.locate(h.b.key);
    expect(h.lookups).toEqual([h.b.key, h.b.key]);
    h.f.forward(h.b.key, enc.encode("by key"));
    await h.tick();
    expect(h.links[0]!.sent).toEqual([[[h.b.key, "by key"]]]);
  });

  it("with batching off, every packet is its own link message", async () => {
    const h = await harness({ batching: false });
    await h.f.locate(h.b.key);
    for (let i = 0; i < 5; i++) h.send(h.b, String(i));
    await h.tick();
    expect(h.links[0]!.sent.map((m) => m.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it("closes links idle for the given time (so the shard may hibernate)", async () => {
    const h = await harness();
    await h.f.locate(h.b.key);
    h.send(h.b, "1");
    await h.tick();
    expect(h.f.closeIdle(25_000)).toBe(0);
    h.advance(25_000);
    expect(h.f.closeIdle(25_000)).toBe(1);
    expect(h.links[0]!.closed).toBe(true);
    expect(h.f.links).toBe(0);
  });
});
