// The state gossip delegate's rules: a change queues the record's current envelope named after the record
// (a newer version replaces the queued one), an unchanged message queues nothing, non-JSON user messages
// (Serf's) are not Gravity, oversized envelopes stay out of gossip, push/pull states merge past bad
// elements, large merges are not re-gossiped, and a state past the budget goes out in rotating pages.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { StateGossip } from "../../src/control/index.ts";
import { createTsLpm } from "../../src/hotpath/lpm.ts";
import { TransmitLimitedQueue } from "../../src/memberlist/index.ts";
import { MemoryStorage, StateStore } from "../../src/state/index.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { MetricsRegistry, renderPrometheus } from "../../src/util/metrics.ts";

const T = 1_700_000_000;
const enc = new TextEncoder();
const dec = new TextDecoder();
const route = (subnet: string, ts = T, action = "add") => JSON.stringify({ type: 5, payload: { v: 231, subnet, machine_id: "m", ion_id: "i", timestamp: ts, action } });

function setup(o: Partial<ConstructorParameters<typeof StateGossip>[0]> = {}) {
  const store = new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: () => T * 1000, sweepIntervalMs: 0 });
  const queue = new TransmitLimitedQueue(() => 3, 4);
  const metrics = new MetricsRegistry();
  const g = new StateGossip({ store, queue, logger: nullLogger, metrics, ...o });
  const drain = () => queue.getBroadcasts(2, 1 << 20).map((b) => dec.decode(b));
  return { store, queue, g, drain, prom: () => renderPrometheus(metrics.snapshot()) };
}

describe("state gossip", () => {
  it("queues the record's current envelope, named per record; unchanged input queues nothing", () => {
    const s = setup();
    s.g.notifyMsg(enc.encode(route("10.1.0.0/16", T)));
    s.g.notifyMsg(enc.encode(route("10.1.0.0/16", T + 1)));
    s.g.notifyMsg(enc.encode(route("10.1.0.0/16", T))); // older: no change
    expect(s.queue.numQueued()).toBe(1);
    expect(s.drain()).toEqual([`{"type":5,"payload":{"v":231,"subnet":"10.1.0.0/16","machine_id":"m","ion_id":"i","timestamp":${T + 1},"action":"add"}}`]);
    s.g.notifyMsg(enc.encode(route("10.1.0.0/16", T + 2, "remove")));
    expect(s.drain()[0]).toContain('"action":"remove"');
    expect(s.prom()).toMatch(/gossamer_state_gossip_messages_total\{result="unchanged"\} 1/);
  });

  it("leaves Serf's msgpack and garbage alone, and keeps oversized envelopes out of gossip", () => {
    const s = setup({ maxMessageBytes: 200 });
    s.g.notifyMsg(Uint8Array.of(0x80, 1, 2, 3));
    s.g.notifyMsg(enc.encode("{not json"));
    const big = JSON.stringify({ type: 1, payload: { container_id: "c", machine_id: "m", timestamp: T, dns_names: Array.from({ length: 20 }, (_, i) => `n${i}.example`) } });
    s.g.notifyMsg(enc.encode(big));
    expect(s.store.size).toBe(1);
    expect(s.queue.numQueued()).toBe(0);
    expect(s.prom()).toMatch(/result="not_gravity"\} 1/);
    expect(s.prom()).toMatch(/result="rejected"\} 1/);
    expect(s.prom()).toMatch(/gossamer_state_gossip_broadcasts_total\{result="too_large"\} 1/);
  });

  it("merges push/pull states past bad elements; re-gossips small merges only", () => {
    const s = setup({ rebroadcastLimit: 2 });
    s.g.mergeRemoteState(enc.encode(`[${route("10.2.0.0/16")},{"type":9,"payload":{}},${route("bad", T)},${route("10.3.0.0/16")}]`), false);
    expect(s.store.size).toBe(2);
    expect(s.queue.numQueued()).toBe(2);
    s.queue.reset();
    s.g.mergeRemoteState(enc.encode(`[${["10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"].map((x) => route(x)).join(",")}]`), true);
    expect(s.store.size).toBe(5);
    expect(s.queue.numQueued()).toBe(0);
    s.g.mergeRemoteState(Uint8Array.of(0x83, 1), false); // Serf's push/pull state
    expect(s.prom()).toMatch(/gossamer_state_pushpull_total\{direction="received",result="not_gravity"\} 1/);
  });

  it("sends the whole state when it fits, and rotating pages that cover every record when it does not", () => {
    const s = setup({ maxStateBytes: 1000 });
    const subnets = Array.from({ length: 40 }, (_, i) => `10.${i}.0.0/16`);
    s.store.applyBatch(subnets.map((x) => route(x)));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const page = JSON.parse(dec.decode(s.g.localState(false))) as { payload: { subnet: string } }[];
      expect(JSON.stringify(page).length).toBeLessThanOrEqual(1100);
      for (const e of page) seen.add(e.payload.subnet);
    }
    expect([...seen].sort()).toEqual([...subnets].sort());
    expect(s.prom()).toMatch(/gossamer_state_pushpull_pages [4-9]/);
  });

  it("never throws on arbitrary user messages and push/pull states", () => {
    const s = setup();
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => enc.encode(j)), fc.string().map((x) => enc.encode(`[${x}]`))), (b) => {
        s.g.notifyMsg(b);
        s.g.mergeRemoteState(b, false);
      }),
      { numRuns: 500 },
    );
  });
});
