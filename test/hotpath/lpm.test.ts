// One suite for both LPM implementations (Wasm and TS twin): fixed cases, edge lengths, replace and
// delete semantics, the batch ABI and its window, compaction, memory, and fast-check properties
// against a naive linear-scan reference and between the two implementations (malformed input:
// lpm-errors.test.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIp, parseCidr, parseIp } from "../../src/net/index.ts";
import { NO_ROUTE, type LpmTable } from "../../src/hotpath/lpm.ts";
import { impls, NaiveLpm, opArb, addrArb, probes, rng, type Op } from "./lpm-reference.ts";

function add(t: LpmTable, cidr: string, v: number): void {
  const p = parseCidr(cidr);
  t.insert(p.addr, p.len, v);
}
const q = (t: LpmTable, ip: string) => t.lookup(parseIp(ip));

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Lookups through all three paths (lookup, lookup4/6, batch) must agree; returns the common answer. */
function lookupAll(t: LpmTable, addr: Uint8Array): number {
  const a = t.lookup(addr);
  if (addr.length === 4) {
    expect(t.lookup4(u32(addr, 0))).toBe(a);
    t.keys4(1)[0] = u32(addr, 0);
    expect(t.lookupBatch4(1)[0]).toBe(a);
  } else {
    expect(t.lookup6(u32(addr, 0), u32(addr, 4), u32(addr, 8), u32(addr, 12))).toBe(a);
    t.keys6(1).set([u32(addr, 0), u32(addr, 4), u32(addr, 8), u32(addr, 12)]);
    expect(t.lookupBatch6(1)[0]).toBe(a);
  }
  return a;
}

function apply(t: LpmTable, ref: NaiveLpm, op: Op): void {
  if (op.kind === "insert") {
    t.insert(op.addr, op.len, op.value);
    ref.insert(op.addr, op.len, op.value);
  } else if (op.kind === "delete") {
    expect(t.delete(op.addr, op.len)).toBe(ref.delete(op.addr, op.len));
  } else {
    expect(t.lookup(op.addr)).toBe(ref.lookup(op.addr));
  }
}

for (const [name, make] of impls) {
  describe(`LpmTable (${name})`, () => {
    it("reports its implementation", () => {
      expect(make().impl).toBe(name);
    });

    it("finds the longest match among nested IPv4 prefixes", () => {
      const t = make();
      expect(q(t, "10.1.2.3")).toBe(NO_ROUTE);
      add(t, "10.0.0.0/8", 1);
      add(t, "10.1.0.0/16", 2);
      add(t, "10.1.2.0/24", 3);
      add(t, "10.1.2.3/32", 4);
      add(t, "10.1.2.128/25", 5);
      expect(q(t, "10.1.2.3")).toBe(4);
      expect(q(t, "10.1.2.4")).toBe(3);
      expect(q(t, "10.1.2.200")).toBe(5);
      expect(q(t, "10.1.3.1")).toBe(2);
      expect(q(t, "10.200.0.1")).toBe(1);
      expect(q(t, "11.0.0.0")).toBe(NO_ROUTE);
      expect(q(t, "9.255.255.255")).toBe(NO_ROUTE);
      expect(t.size).toBe(5);
    });

    it("finds the longest match among IPv6 host, /64 and shorter routes", () => {
      const t = make();
      add(t, "2001:db8::/32", 10);
      add(t, "2001:db8:1::/48", 11);
      add(t, "2001:db8:1:2::/64", 12);
      add(t, "2001:db8:1:2::1/128", 13);
      add(t, "fd7a:115c:a1e0::/48", 14);
      add(t, "fd7a:115c:a1e0:ab12:4843:cd96:6258:b240/128", 15);
      expect(q(t, "2001:db8:1:2::1")).toBe(13);
      expect(q(t, "2001:db8:1:2::2")).toBe(12);
      expect(q(t, "2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe(12);
      expect(q(t, "2001:db8:1:3::")).toBe(11);
      expect(q(t, "2001:db8:2::")).toBe(10);
      expect(q(t, "2001:db9::")).toBe(NO_ROUTE);
      expect(q(t, "fd7a:115c:a1e0:ab12:4843:cd96:6258:b240")).toBe(15);
      expect(q(t, "fd7a:115c:a1e0:ab12:4843:cd96:6258:b241")).toBe(14);
      expect(q(t, "::1")).toBe(NO_ROUTE);
    });

    it("keeps the families apart (::/0 does not match IPv4, 0.0.0.0/0 does not match IPv6)", () => {
      const t = make();
      add(t, "::/0", 1);
      expect(q(t, "1.2.3.4")).toBe(NO_ROUTE);
      expect(q(t, "::ffff:1.2.3.4")).toBe(1);
      add(t, "0.0.0.0/0", 2);
      expect(q(t, "1.2.3.4")).toBe(2);
      expect(q(t, "2001:db8::1")).toBe(1);
    });

    it("handles the edge lengths 0, 32, 64, 127 and 128", () => {
      const t = make();
      add(t, "0.0.0.0/0", 1);
      add(t, "255.255.255.255/32", 2);
      add(t, "0.0.0.0/32", 3);
      add(t, "::/0", 4);
      add(t, "ffff:ffff:ffff:ffff::/64", 5);
      add(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 6);
      add(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 7);
      add(t, "::/128", 8);
      expect(q(t, "255.255.255.255")).toBe(2);
      expect(q(t, "255.255.255.254")).toBe(1);
      expect(q(t, "0.0.0.0")).toBe(3);
      expect(q(t, "0.0.0.1")).toBe(1);
      expect(q(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toBe(7);
      expect(q(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")).toBe(6);
      expect(q(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd")).toBe(5);
      expect(q(t, "ffff:ffff:ffff:fffe::")).toBe(4);
      expect(q(t, "::")).toBe(8);
      expect(q(t, "::1")).toBe(4);
    });

    it("replaces the value of an equal prefix (host bits ignored) and deletes exactly one prefix", () => {
      const t = make();
      add(t, "10.1.0.0/16", 1);
      add(t, "10.1.2.0/24", 2);
      t.insert(parseIp("10.1.2.99"), 24, 3); // same prefix as 10.1.2.0/24
      expect(t.size).toBe(2);
      expect(q(t, "10.1.2.1")).toBe(3);
      expect(t.delete(parseIp("10.1.2.0"), 23)).toBe(false);
      expect(t.delete(parseIp("10.1.2.7"), 24)).toBe(true);
      expect(t.delete(parseIp("10.1.2.0"), 24)).toBe(false);
      expect(q(t, "10.1.2.1")).toBe(1);
      expect(t.size).toBe(1);
      expect(t.delete(parseIp("10.1.0.0"), 16)).toBe(true);
      expect(q(t, "10.1.2.1")).toBe(NO_ROUTE);
      expect(t.size).toBe(0);
      expect(t.delete(parseIp("2001:db8::"), 32)).toBe(false);
    });

    it("re-derives leaf-pushed defaults when a short prefix above a subtree changes", () => {
      const t = make();
      add(t, "10.1.2.3/32", 1);
      add(t, "2001:db8::1/128", 2);
      expect(q(t, "10.1.2.4")).toBe(NO_ROUTE);
      add(t, "10.0.0.0/8", 3);
      add(t, "2000::/3", 4);
      expect(q(t, "10.1.2.4")).toBe(3);
      expect(q(t, "2001:db8::2")).toBe(4);
      add(t, "10.1.0.0/16", 5);
      expect(q(t, "10.1.2.4")).toBe(5);
      t.delete(parseIp("10.1.0.0"), 16);
      t.delete(parseIp("2000::"), 3);
      expect(q(t, "10.1.2.4")).toBe(3);
      expect(q(t, "2001:db8::2")).toBe(NO_ROUTE);
      expect(q(t, "2001:db8::1")).toBe(2);
    });

    it("clear() empties the table and it can be refilled", () => {
      const t = make();
      add(t, "10.0.0.0/8", 1);
      add(t, "2001:db8::/32", 2);
      t.keys4(2000);
      t.clear();
      expect(t.size).toBe(0);
      expect(q(t, "10.0.0.1")).toBe(NO_ROUTE);
      expect(q(t, "2001:db8::1")).toBe(NO_ROUTE);
      add(t, "10.0.0.0/8", 7);
      expect(q(t, "10.0.0.1")).toBe(7);
      expect(t.lookupBatch4(3).length).toBe(3);
    });

    it("batch lookups equal single lookups, on a window that grows past its first size", () => {
      const t = make();
      const next = rng(7);
      for (let i = 0; i < 3000; i++) {
        t.insert(Uint8Array.of(10, next() & 3, next() & 255, next() & 255), 16 + (next() % 17), i);
        const a = new Uint8Array(16);
        a.set([0x20, 0x01, 0x0d, 0xb8, next() & 1, next() & 255]);
        for (let j = 6; j < 16; j++) a[j] = next() & 255;
        t.insert(a, 32 + (next() % 97), i);
      }
      for (const n of [0, 1, 100, 1024, 5000]) {
        const k4 = t.keys4(n);
        for (let i = 0; i < n; i++) k4[i] = (i & 1 ? next() : (0x0a000000 | (next() & 0x3ffff))) >>> 0;
        const keys = Array.from(k4);
        const r4 = Array.from(t.lookupBatch4(n));
        expect(r4).toEqual(keys.map((k) => t.lookup4(k)));
        const k6 = t.keys6(n);
        for (let i = 0; i < 4 * n; i++) k6[i] = i % 4 === 0 && i & 4 ? 0x20010db8 : i % 4 === 1 ? next() & 0x1ffff : next();
        const keys6 = Array.from(k6);
        const r6 = Array.from(t.lookupBatch6(n));
        expect(r6).toEqual(r6.map((_, i) => t.lookup6(keys6[4 * i]!, keys6[4 * i + 1]!, keys6[4 * i + 2]!, keys6[4 * i + 3]!)));
        if (n >= 100) expect(r4.some((v) => v !== NO_ROUTE)).toBe(true);
      }
    });

    it("keeps keys written to the window across inserts, memory growth and window growth", () => {
      const t = make();
      t.keys4(3).set([0x0a000001, 0x0b000001, 0xc0a80101]);
      add(t, "10.0.0.0/8", 1);
      const next = rng(5);
      for (let i = 0; i < 20000; i++) t.insert(Uint8Array.of(172, 16 + (next() & 15), next() & 255, next() & 255), 32, 2);
      add(t, "192.168.1.0/24", 3);
      expect(Array.from(t.lookupBatch4(3))).toEqual([1, NO_ROUTE, 3]);
      expect(Array.from(t.keys4(3))).toEqual([0x0a000001, 0x0b000001, 0xc0a80101]);
      const big = t.keys4(5000);
      expect(Array.from(big.subarray(0, 3))).toEqual([0x0a000001, 0x0b000001, 0xc0a80101]);
      expect(Array.from(t.lookupBatch4(5000).subarray(0, 3))).toEqual([1, NO_ROUTE, 3]);
    });

    it("matches the naive reference on a dense /16 with thousands of prefixes and deletions", () => {
      const t = make();
      const ref = new NaiveLpm();
      const next = rng(42);
      for (let i = 0; i < 2500; i++) {
        const a = Uint8Array.of(100, 64, next() & 255, next() & 255);
        const len = [16, 20, 24, 28, 30, 31, 32, 32, 32][next() % 9]!;
        const p = parseCidr(`${a.join(".")}/${len}`, { maskHostBits: true });
        t.insert(p.addr, p.len, i);
        ref.insert(p.addr, p.len, i);
      }
      for (const e of ref.entries.slice(0, 800)) {
        expect(t.delete(e.addr, e.len)).toBe(ref.delete(e.addr, e.len));
      }
      expect(t.size).toBe(ref.size);
      for (let i = 0; i < 3000; i++) {
        const a = Uint8Array.of(100, 64, next() & 255, next() & 255);
        expect(t.lookup(a)).toBe(ref.lookup(a));
      }
    });

    it("stays exact under interleaved updates and lookups in big slots (partial child rebuilds)", () => {
      const t = make();
      const ref = new NaiveLpm();
      const next = rng(77);
      const rand4 = (len: number) => {
        const a = Uint8Array.of(10, 1, next() & 255, next() & 255);
        return parseCidr(`${a.join(".")}/${len}`, { maskHostBits: true }).addr;
      };
      const rand6 = (len: number) => {
        const a = new Uint8Array(16);
        a.set([0xfd, 0x7a, next() & 255, next() & 3]);
        for (let j = 4; j < 16; j++) a[j] = next() & 3;
        return parseCidr(`${formatIp(a)}/${len}`, { maskHostBits: true }).addr;
      };
      const lenOf = (v6: boolean) => (next() % 10 === 0 ? 17 + (next() % 6) : v6 ? 23 + (next() % 106) : 23 + (next() % 10));
      for (let i = 0; i < 600; i++) {
        for (const v6 of [false, true]) {
          const len = lenOf(v6);
          const a = v6 ? rand6(len) : rand4(len);
          t.insert(a, len, i);
          ref.insert(a, len, i);
        }
      }
      t.commit();
      for (let i = 0; i < 250; i++) {
        const v6 = (i & 1) === 1;
        const len = lenOf(v6);
        const a = v6 ? rand6(len) : rand4(len);
        if (next() % 3 === 0) {
          expect(t.delete(a, len)).toBe(ref.delete(a, len));
        } else {
          t.insert(a, len, 1000 + i);
          ref.insert(a, len, 1000 + i);
        }
        const probe = a.slice();
        probe[probe.length - 1] = probe[probe.length - 1]! ^ (next() & 3);
        expect(t.lookup(a)).toBe(ref.lookup(a));
        expect(t.lookup(probe)).toBe(ref.lookup(probe));
        const other = v6 ? rand6(128) : rand4(32);
        expect(t.lookup(other)).toBe(ref.lookup(other));
      }
      expect(t.size).toBe(ref.size);
    });

    it("matches the naive reference on a dense IPv6 /16 (host, /64 and /48 routes) with deletions", () => {
      const t = make();
      const ref = new NaiveLpm();
      const next = rng(43);
      for (let i = 0; i < 1500; i++) {
        const a = new Uint8Array(16);
        a.set([0x20, 0x01, 0x0d, 0xb8, 0, next() & 3, 0, next() & 7]);
        for (let j = 8; j < 16; j++) a[j] = next() & 1;
        const len = [16, 32, 48, 64, 64, 100, 127, 128, 128][next() % 9]!;
        const p = parseCidr(`${formatIp(a)}/${len}`, { maskHostBits: true });
        t.insert(p.addr, p.len, i);
        ref.insert(p.addr, p.len, i);
      }
      for (const e of ref.entries.slice(100, 600)) expect(t.delete(e.addr, e.len)).toBe(ref.delete(e.addr, e.len));
      expect(t.size).toBe(ref.size);
      for (const a of probes(ref).slice(0, 4000)) expect(t.lookup(a)).toBe(ref.lookup(a));
    });

    it("property: random inserts, deletes and lookups agree with the naive reference", () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
          const t = make();
          const ref = new NaiveLpm();
          for (const op of ops) apply(t, ref, op);
          expect(t.size).toBe(ref.size);
          for (const a of probes(ref)) expect(lookupAll(t, a)).toBe(ref.lookup(a));
        }),
        { numRuns: 150 },
      );
    });

    it("compacts after mass deletion (explicitly and by itself) keeping prefixes and window keys", () => {
      const t = make();
      const ref = new NaiveLpm();
      const next = rng(11);
      for (let i = 0; i < 20000; i++) {
        const a = Uint8Array.of(next() & 255, next() & 255, next() & 255, next() & 255);
        const len = 17 + (next() % 16);
        const p = parseCidr(`${a.join(".")}/${len}`, { maskHostBits: true });
        t.insert(p.addr, p.len, i);
        ref.insert(p.addr, p.len, i);
      }
      add(t, "10.0.0.0/8", 7);
      ref.insert(Uint8Array.of(10, 0, 0, 0), 8, 7);
      t.commit();
      const full = t.memoryBytes();
      // deleting most prefixes strands their blocks in free lists until insert/delete compacts
      for (const e of ref.entries.slice(0, 18000)) {
        expect(t.delete(e.addr, e.len)).toBe(true);
        ref.delete(e.addr, e.len);
      }
      t.commit();
      for (const e of ref.entries.slice(0, 10)) t.insert(e.addr, e.len, e.value);
      t.commit();
      expect(t.memoryBytes()).toBeLessThan(full / 2);
      const k = t.keys4(3);
      k.set([0x0a010203, 0x0b000000, 0x0a000000]);
      t.compact();
      expect(Array.from(t.lookupBatch4(3))).toEqual([7, ref.lookup(Uint8Array.of(11, 0, 0, 0)), 7]);
      expect(t.size).toBe(ref.size);
      for (const a of probes(ref).slice(0, 3000)) expect(t.lookup(a)).toBe(ref.lookup(a));
    });

    it("reports the memory it uses, growing with the table", () => {
      const t = make();
      const empty = t.memoryBytes();
      const next = rng(3);
      for (let i = 0; i < 2000; i++) t.insert(Uint8Array.of(next() & 255, next() & 255, next() & 255, next() & 255), 24 + (next() % 9), i);
      const full = t.memoryBytes();
      expect(full).toBeGreaterThan(empty);
      expect(full).toBeLessThan(4 << 20);
    });
  });
}

describe("Wasm and TS tables agree", () => {
  it("property: same answers after the same random operations", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), fc.array(addrArb, { maxLength: 50 }), (ops, extra) => {
        const [w, s] = [impls[1]![1](), impls[0]![1]()];
        for (const op of ops) {
          if (op.kind === "insert") {
            w.insert(op.addr, op.len, op.value);
            s.insert(op.addr, op.len, op.value);
          } else if (op.kind === "delete") expect(w.delete(op.addr, op.len)).toBe(s.delete(op.addr, op.len));
          else expect(w.lookup(op.addr)).toBe(s.lookup(op.addr));
        }
        const ref = new NaiveLpm();
        for (const op of ops) if (op.kind === "insert") ref.insert(op.addr, op.len, op.value);
        for (const a of [...extra, ...probes(ref)]) expect(lookupAll(w, a)).toBe(lookupAll(s, a));
        expect(w.size).toBe(s.size);
      }),
      { numRuns: 100 },
    );
  });
});
