// The StateStorage conformance suite (src/state/storage.ts contract), one function run against every
// implementation: memory, node:sqlite (test/state/storage-conformance.test.ts) and Durable Object SQLite in
// workerd (test/worker/storage-conformance.test.ts). Portable: Web APIs, vitest and fast-check only.
//
// A harness gives a fresh storage per test through `withStorage(fn)`; `open()` inside returns an adapter
// over the SAME underlying data each time it is called (a restart of the process or object).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeToString, type GossipMessage } from "../../src/gossip/index.ts";
import { createTsLpm } from "../../src/hotpath/lpm.ts";
import { StateStore, stateSql, type CursorStorage, type StateStorage, type StoredRow } from "../../src/state/index.ts";
import { endpointArb, heartbeatArb, natArb, routeArb, tombstoneArb, withV } from "../gossip/arbitraries.ts";
import { V1_ENVELOPES, V1_META, V1_ROWS, V1_SNAPSHOT } from "./v1-rows.ts";

export type Storage = StateStorage & Partial<CursorStorage>;

/** Raw SQL on the database under a SQL adapter (to lay down an older layout before opening it). */
export type RawSql = (query: string, ...params: (string | number | null)[]) => void;

export interface StorageHarness {
  /** Runs fn with a fresh, empty storage; `open()` (re)opens it; `sql` is there for SQL adapters. */
  withStorage<T>(fn: (open: () => Storage, sql?: RawSql) => T | Promise<T>): Promise<T>;
}

const T0 = 1_700_000_000;
const key = fc.constantFrom("a", "b", "c", "ü/ключ", "a\"'\\");
const time = fc.integer({ min: 0, max: 4 });
const name = fc.constantFrom("", "m1", "m2");
const dst = fc.constantFrom("10.0.0.1", "fd00::1", "not-an-ip");
const subnet = fc.constantFrom("10.0.0.0/24", "10.0.0.0/8", "fd15:d710:02:05:a1b2::/64");
const wire: fc.Arbitrary<string> = fc
  .oneof(
    endpointArb(key, time, name).map((payload) => ({ type: 1 as const, payload })),
    tombstoneArb(key, time, name).map((payload) => ({ type: 2 as const, payload })),
    natArb(key, time, dst).map((payload) => ({ type: 3 as const, payload })),
    heartbeatArb(key, time, name, natArb(key, time, dst), endpointArb(key, time, name)).map((payload) => ({ type: 4 as const, payload })),
    routeArb(subnet, time, name).map((payload) => ({ type: 5 as const, payload })),
  )
  .map((m: GossipMessage) => withV(encodeToString(m), m.payload.v));

const row = (key: string, cursor: number, value: string | null = `{"k":${JSON.stringify(key)}}`): StoredRow => ({
  kind: "endpoint",
  key,
  cursor,
  at: 1_700_000_000_123,
  state: `{"l":null,"t":null,"f":{}}`,
  value,
});

const sorted = (rows: Iterable<StoredRow>): StoredRow[] =>
  [...rows].map((r) => ({ ...r })).sort((a, b) => (a.kind + "\0" + a.key < b.kind + "\0" + b.key ? -1 : 1));

function store(storage: StateStorage): StateStore {
  return new StateStore({ lpm: createTsLpm, storage, now: () => T0 * 1000, ownerTtlSeconds: 0, sweepIntervalMs: 0 });
}

export function storageConformance(label: string, h: StorageHarness): void {
  describe(`StateStorage conformance: ${label}`, () => {
    it("starts empty", async () => {
      await h.withStorage((open) => {
        const { rows, meta } = open().load();
        expect([...rows]).toEqual([]);
        expect(meta).toBeNull();
      });
    });

    it("returns exactly what commits left, across reopens (upserts, deletes, NULL values, odd keys)", async () => {
      await h.withStorage((open) => {
        const s = open();
        const keys = ["plain", "ü/ключ/😀", "quote\"'\\", "", "x".repeat(2000), "fd15:d710:2:5:a1b2::/64"];
        s.commit(keys.map((k, i) => row(k, i + 1)), [], { cursor: keys.length, minCursor: 0 });
        s.commit([row("plain", 9, null)], [{ kind: "endpoint", key: "" }], { cursor: 9, minCursor: 3 });
        const want = keys.flatMap((k, i) => (k === "" ? [] : [k === "plain" ? row(k, 9, null) : row(k, i + 1)]));
        for (const st of [s, open()]) {
          const { rows, meta } = st.load();
          expect(sorted(rows)).toEqual(sorted(want));
          expect(meta).toEqual({ cursor: 9, minCursor: 3 });
        }
      });
    });

    it("keeps safe-integer cursors and timestamps exactly", async () => {
      await h.withStorage((open) => {
        const big = Number.MAX_SAFE_INTEGER;
        open().commit([{ ...row("k", big), at: big - 1 }], [], { cursor: big, minCursor: big - 2 });
        const { rows, meta } = open().load();
        expect([...rows][0]).toMatchObject({ cursor: big, at: big - 1 });
        expect(meta).toEqual({ cursor: big, minCursor: big - 2 });
      });
    });

    it("a commit that cannot be written changes nothing (all or nothing)", async () => {
      await h.withStorage((open) => {
        const s = open();
        s.commit([row("keep", 1)], [], { cursor: 1, minCursor: 0 });
        const bad = { ...row("bad", 3), state: null } as unknown as StoredRow;
        expect(() => s.commit([row("new", 2), bad], [{ kind: "endpoint", key: "keep" }], { cursor: 3, minCursor: 0 })).toThrow();
        for (const st of [s, open()]) {
          const { rows, meta } = st.load();
          expect(sorted(rows)).toEqual([row("keep", 1)]);
          expect(meta).toEqual({ cursor: 1, minCursor: 0 });
        }
      });
    });

    it("holds a large commit (5000 rows) and replaces rows in place", async () => {
      await h.withStorage((open) => {
        const s = open();
        const many = Array.from({ length: 5000 }, (_, i) => ({ ...row(`k${i}`, i + 1), kind: (["endpoint", "nat", "vip", "route"] as const)[i % 4] }));
        s.commit(many, [], { cursor: 5000, minCursor: 0 });
        s.commit(many.slice(0, 10).map((r) => ({ ...r, cursor: r.cursor + 5000 })), [], { cursor: 5010, minCursor: 0 });
        const { rows } = open().load();
        const got = [...rows];
        expect(got).toHaveLength(5000);
        expect(got.filter((r) => r.cursor > 5000)).toHaveLength(10);
      });
    });

    it("keeps named cursors beside the rows", async () => {
      await h.withStorage((open) => {
        const s = open();
        if (!s.saveCursor || !s.loadCursors) return expect(s.saveCursor).toBeUndefined(); // optional capability
        expect([...s.loadCursors()]).toEqual([]);
        s.saveCursor("edge.up", "17");
        s.saveCursor("edge.down", "opaque:token/ü");
        s.saveCursor("edge.up", "18");
        expect(Object.fromEntries(open().loadCursors!())).toEqual({ "edge.up": "18", "edge.down": "opaque:token/ü" });
      });
    });

    it("a store reopened on it equals the live one (state, cursor, deltas, routes)", async () => {
      const samples = fc.sample(fc.array(fc.array(wire, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), { numRuns: 25, seed: 42 });
      for (const batches of samples) {
        await h.withStorage((open) => {
          const live = store(open());
          for (const b of batches) live.applyBatch(b);
          live.sweep();
          const back = store(open());
          expect(back.snapshot()).toEqual(live.snapshot());
          expect(back.cursor).toBe(live.cursor);
          expect(back.minCursor).toBe(live.minCursor);
          for (const c of [0, 1, 3]) expect(back.deltas(c)).toEqual(live.deltas(c));
          for (const ip of ["10.0.0.1", "10.1.2.3", "fd00::1", "fd15:d710:2:5::9"]) expect(back.route(ip)).toEqual(live.route(ip));
          for (const b of batches) expect(back.applyBatch(b).changes).toEqual([]);
        });
      }
    });

    it("loads rows of the v1 format as they were, and rewrites a record in v2 when it changes", async () => {
      await h.withStorage((open) => {
        open().commit(V1_ROWS, [], V1_META);
        const s = new StateStore({ lpm: createTsLpm, storage: open(), now: () => T0 * 1000, natTtlSeconds: 30, ownerTtlSeconds: 60, sweepIntervalMs: 0 });
        expect(s.snapshot()).toEqual(V1_SNAPSHOT);
        expect([...s.envelopes().envelopes].sort()).toEqual([...V1_ENVELOPES].sort());
        expect(s.deltas(0).changes.map((c) => c.key)).toEqual(["e1", "e2", "n2", "v1", "10.0.0.0/24", "10.9.0.0/16"]);
        expect(s.route("10.0.0.1")).toBeNull();
        expect(s.route("10.9.1.1")?.kind).toBe("subnet");
        expect(s.route("10.1.0.2")?.kind).toBe("nat");
        expect(s.sweep()).toEqual([]); // what v1 rows published is what the state shows now
        const r = s.apply(encodeToString({ type: 1, payload: { v: 0, gravity_vip: "10.0.0.10", hadron_vip: "", container_id: "e1", machine_id: "m2", project_id: "p", dns_names: null, timestamp: T0 + 6, sni_hostname: "" } }));
        expect(r.changes).toHaveLength(1);
        const rows = [...open().load().rows];
        expect(rows.find((x) => x.key === "e1")!.state.startsWith("[")).toBe(true);
        expect(rows.find((x) => x.key === "e2")!.state).toBe(V1_ROWS.find((x) => x.key === "e2")!.state);
        const back = store(open());
        expect(back.snapshot()).toEqual(s.snapshot());
        expect(back.envelopes().envelopes.sort()).toEqual(s.envelopes().envelopes.sort());
      });
    });

    it("migrates a database of layout 1 (gossip_rows) in place when opened", async () => {
      await h.withStorage((open, sql) => {
        if (sql === undefined) return expect(open()).toBeDefined(); // not a SQL adapter
        sql(stateSql.SQL_CREATE_ROWS_V1);
        sql(stateSql.SQL_CREATE_META);
        for (const r of V1_ROWS) sql(`INSERT INTO gossip_rows (kind, key, cursor, at, state, value) VALUES (?, ?, ?, ?, ?, ?)`, r.kind, r.key, r.cursor, r.at, r.state, r.value);
        sql(stateSql.SQL_UPSERT_META, V1_META.cursor, V1_META.minCursor);
        const { rows, meta } = open().load();
        expect(sorted(rows)).toEqual(sorted(V1_ROWS));
        expect(meta).toEqual(V1_META);
        expect(() => sql("SELECT count(*) FROM gossip_rows")).toThrow(); // dropped
        const s = new StateStore({ lpm: createTsLpm, storage: open(), now: () => T0 * 1000, natTtlSeconds: 30, ownerTtlSeconds: 60, sweepIntervalMs: 0 });
        expect(s.snapshot()).toEqual(V1_SNAPSHOT);
      });
    });
  });
}
