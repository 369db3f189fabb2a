// Expiry at its exact boundaries (the mutation sample found them untested): a VIP owner or NAT entry is
// kept while timestamp + TTL equals now and expires one second later; a TTL of 0 never expires; an
// invisible record is collected exactly gcAfterSeconds after it became invisible; the opportunistic sweep
// runs once sweepIntervalMs has fully passed, not a millisecond before.
import { describe, expect, it } from "vitest";
import { T0, makeStore } from "./helpers.ts";

const vip = (owners: Record<string, number>) => JSON.stringify({ type: 4, payload: { vip: "v", owners, timestamp: T0 } });
const nat = (ts: number) => JSON.stringify({ type: 3, payload: { key: "k", original_dst: "10.0.0.1", timestamp: ts } });

describe("expiry boundaries", () => {
  it("a VIP owner lives while timestamp + TTL >= now (seconds), and goes one second later", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, ownerTtlSeconds: 30 });
    s.apply(vip({ a: T0, b: T0 + 1 }));
    now = (T0 + 30) * 1000 + 999; // floor(now) = T0 + 30: a's T0 + 30 < T0 + 30 is false
    expect(s.sweep()).toEqual([]);
    now = (T0 + 31) * 1000;
    expect(s.sweep().map((c) => c.value)).toEqual([expect.objectContaining({ owners: { b: T0 + 1 } })]);
    now = (T0 + 32) * 1000;
    expect(s.sweep()).toEqual([expect.objectContaining({ kind: "vip", value: null })]);
  });

  it("an owner TTL of 0 never expires", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, ownerTtlSeconds: 0 });
    s.apply(vip({ a: T0 }));
    now += 10 ** 9;
    expect(s.sweep()).toEqual([]);
    expect(s.snapshot().vips).toHaveLength(1);
  });

  it("a NAT entry lives while timestamp + TTL >= now, and goes one second later", () => {
    let now = (T0 + 60) * 1000;
    const s = makeStore({ now: () => now, natTtlSeconds: 60 });
    s.apply(nat(T0));
    expect(s.snapshot().nats).toHaveLength(1);
    expect(s.sweep()).toEqual([]);
    now = (T0 + 61) * 1000;
    expect(s.sweep()).toEqual([expect.objectContaining({ kind: "nat", value: null })]);
  });

  it("invisible records are collected exactly gcAfterSeconds after they became invisible", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, natTtlSeconds: 10, gcAfterSeconds: 100 });
    s.apply(nat(T0));
    now = (T0 + 11) * 1000;
    s.sweep(); // expired now: invisible from this moment
    expect(s.size).toBe(1);
    now += 100_000 - 1;
    s.sweep();
    expect(s.size).toBe(1);
    now += 1;
    s.sweep();
    expect(s.size).toBe(0);
  });

  it("the opportunistic sweep waits for the whole interval", () => {
    let now = T0 * 1000;
    const s = makeStore({ now: () => now, ownerTtlSeconds: 1, sweepIntervalMs: 1000 });
    s.apply(vip({ a: T0 }));
    now = (T0 + 2) * 1000;
    s.sweep(); // resets the interval at T0 + 2 s (a expired here)
    expect(s.snapshot().vips).toEqual([]);
    s.apply(JSON.stringify({ type: 4, payload: { vip: "w", owners: { a: T0 + 2 }, timestamp: T0 + 2 } }));
    const seen: number[] = [];
    s.subscribe((changes) => seen.push(changes.length));
    now = (T0 + 2) * 1000 + 999;
    s.snapshot();
    expect(seen).toEqual([]); // 999 ms after the last sweep: none
    now = (T0 + 4) * 1000;
    expect(s.snapshot().vips).toEqual([]); // the interval passed: swept, w expired
    expect(seen).toEqual([1]);
  });
});
