// Nothing acknowledged is lost: reopening a store on its storage restores the exact state, cursor,
// change log and routes; a failed commit leaves memory as it was; rejected input commits nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GossipDecodeError } from "../../src/gossip/index.ts";
import { GossamerError } from "../../src/util/errors.ts";
import { MemoryStorage, StateRejectError, StateStore, StateStorageError, type StateStorage } from "../../src/state/index.ts";
import { createTsLpm } from "../../src/hotpath/lpm.ts";
import { makeStore, PROBE_IPS, routeSummary, T0, wireMessageArb } from "./helpers.ts";

describe("restore from storage", () => {
  it("a reopened store equals the live one (state, cursor, deltas, routes)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(wireMessageArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (batches) => {
        const storage = new MemoryStorage();
        const live = makeStore({ storage });
        for (const b of batches) live.applyBatch(b);
        const back = makeStore({ storage });
        expect(back.snapshot()).toEqual(live.snapshot());
        expect(back.cursor).toBe(live.cursor);
        expect(back.deltas(0)).toEqual(live.deltas(0));
        for (const c of [1, 2, 5]) expect(back.deltas(c)).toEqual(live.deltas(c));
        for (const ip of PROBE_IPS) expect(routeSummary(back.route(ip))).toEqual(routeSummary(live.route(ip)));
        // and both keep merging the same way
        for (const b of batches) expect(back.applyBatch(b).changes).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("continues the cursor after a restart", () => {
    const storage = new MemoryStorage();
    const a = makeStore({ storage });
    a.apply('{"type":2,"payload":{"container_id":"x","timestamp":1}}');
    a.apply('{"type":1,"payload":{"container_id":"y","timestamp":1}}');
    const b = makeStore({ storage });
    const r = b.apply('{"type":1,"payload":{"container_id":"z","timestamp":1}}');
    expect(r.cursor).toBe(a.cursor + 1);
  });

  it("after downtime, the reopened store publishes the expiries that happened meanwhile", () => {
    const storage = new MemoryStorage();
    let now = T0 * 1000;
    const a = makeStore({ storage, now: () => now, ownerTtlSeconds: 30 });
    a.apply(JSON.stringify({ type: 4, payload: { vip: "v", owners: { x: T0, y: T0 - 25 }, timestamp: T0 } }));
    now += 10_000;
    const b = makeStore({ storage, now: () => now, ownerTtlSeconds: 30 });
    expect(b.snapshot()).toEqual(a.snapshot());
    const c = b.sweep();
    expect(c).toEqual([{ cursor: a.cursor + 1, kind: "vip", key: "v", value: expect.objectContaining({ owners: { x: T0 } }) }]);
    expect(makeStore({ storage, now: () => now, ownerTtlSeconds: 30 }).snapshot()).toEqual(b.snapshot());
  });

  it("a commit that throws leaves the store unchanged", () => {
    const inner = new MemoryStorage();
    let fail = false;
    const storage: StateStorage = {
      load: () => inner.load(),
      commit: (p, d, m) => {
        if (fail) throw new Error("disk full");
        inner.commit(p, d, m);
      },
    };
    const s = makeStore({ storage });
    s.apply('{"type":1,"payload":{"container_id":"a","timestamp":1}}');
    const before = s.snapshot();
    fail = true;
    const seen: unknown[] = [];
    s.subscribe((c) => seen.push(c));
    expect(() => s.apply('{"type":1,"payload":{"container_id":"b","timestamp":1}}')).toThrow("disk full");
    expect(s.snapshot()).toEqual(before);
    expect(seen).toEqual([]);
    // nothing of the failed apply is held: not the new record, not a working copy of the old one
    expect(s.size).toBe(1);
    expect(s.envelope("endpoint", "b")).toBeNull();
    expect(s.envelopes().envelopes).toHaveLength(1);
    // a batch rejected while planning (the second message) holds nothing of the first either
    fail = false;
    expect(() => s.applyBatch(['{"type":1,"payload":{"container_id":"c","timestamp":1}}', '{"type":1,"payload":{"container_id":"","timestamp":1}}'])).toThrow();
    expect(s.size).toBe(1);
    expect(s.envelope("endpoint", "c")).toBeNull();
    expect(s.apply('{"type":1,"payload":{"container_id":"b","timestamp":1}}').cursor).toBe(before.cursor + 1);
  });

  it("unreadable rows are a typed error", () => {
    const storage: StateStorage = {
      load: () => ({ rows: [{ kind: "nat", key: "k", cursor: 1, at: 0, state: "{not json", value: null }], meta: { cursor: 1, minCursor: 0 } }),
      commit: () => {},
    };
    expect(() => new StateStore({ lpm: createTsLpm, storage })).toThrow(StateStorageError);
  });
});

describe("rejected input changes nothing", () => {
  const bad: [string, string, string][] = [
    ["malformed JSON", "{", "gossip.decode.malformed_json"],
    ["unknown type", '{"type":6,"payload":{}}', "gossip.decode.unknown_type"],
    ["port out of range", '{"type":3,"payload":{"key":"k","src_port":65536}}', "gossip.decode.out_of_range"],
    ["wrong field type", '{"type":1,"payload":{"container_id":1}}', "gossip.decode.bad_field"],
    ["empty key", '{"type":1,"payload":{"container_id":"","timestamp":1}}', "state.reject.empty_key"],
    ["empty payload (Go: zero struct)", '{"type":4,"payload":null}', "state.reject.empty_key"],
    ["nested empty key", '{"type":4,"payload":{"vip":"v","new_nats":[{"key":""}]}}', "state.reject.empty_key"],
    ["bad subnet", '{"type":5,"payload":{"subnet":"10.0.0.0/33","action":"add"}}', "state.reject.bad_subnet"],
    ["bad action", '{"type":5,"payload":{"subnet":"10.0.0.0/8","action":"update"}}', "state.reject.bad_action"],
  ];
  it.each(bad)("%s", (_n, input, code) => {
    const storage = new MemoryStorage();
    const s = makeStore({ storage });
    s.apply('{"type":1,"payload":{"container_id":"a","timestamp":1}}');
    const before = s.snapshot();
    const commits = storage.commits;
    expect(() => s.apply(input)).toThrow(expect.objectContaining({ code }));
    expect(() => s.applyBatch(['{"type":1,"payload":{"container_id":"b","timestamp":1}}', input])).toThrow(GossamerError);
    expect(() => s.applyBatch(`[{"type":1,"payload":{"container_id":"b","timestamp":1}},${input}]`)).toThrow(GossamerError);
    expect(storage.commits).toBe(commits);
    expect(s.snapshot()).toEqual(before);
  });

  it("batch errors name the index", () => {
    const s = makeStore();
    try {
      s.applyBatch(['{"type":1,"payload":{"container_id":"b"}}', '{"type":3,"payload":{"src_port":-1}}']);
      throw new Error("applied");
    } catch (e) {
      expect(e).toBeInstanceOf(GossipDecodeError);
      expect((e as GossipDecodeError).field).toBe("[1].payload.src_port");
    }
    try {
      s.applyBatch(['{"type":1,"payload":{"container_id":"b"}}', '{"type":1,"payload":{}}']);
      throw new Error("applied");
    } catch (e) {
      expect(e).toBeInstanceOf(StateRejectError);
      expect((e as StateRejectError).index).toBe(1);
    }
  });

  it("arbitrary input: only typed errors, and the state is untouched when they happen", () => {
    const s = makeStore();
    s.apply('{"type":5,"payload":{"subnet":"10.0.0.0/8","action":"add","timestamp":1}}');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.json(), wireMessageArb.map((w) => w.slice(0, -3))), (input) => {
        const before = JSON.stringify(s.snapshot());
        try {
          s.apply(input);
        } catch (e) {
          expect(e).toBeInstanceOf(GossamerError);
          expect(JSON.stringify(s.snapshot())).toBe(before);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("store clock", () => {
  it("uses the injected wall clock for change times", () => {
    const storage = new MemoryStorage();
    const s = makeStore({ storage, now: () => T0 * 1000 + 5 });
    s.apply('{"type":3,"payload":{"key":"k","timestamp":1}}');
    expect([...storage.load().rows][0]!.at).toBe(T0 * 1000 + 5);
  });
});
