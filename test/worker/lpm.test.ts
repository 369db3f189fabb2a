// The Wasm LPM table inside workerd: built from the module wrangler bundles (worker/hotpath.ts; Workers
// forbid compiling Wasm from bytes), with its own instance and memory, checked against the TS twin.
import { describe, expect, it } from "vitest";
import { hotpathModule } from "../../worker/hotpath.ts";
import { parseCidr, parseIp } from "../../src/net/index.ts";
import { createTsLpm, createWasmLpm, LpmError, NO_ROUTE } from "../../src/hotpath/lpm.ts";

describe("LPM table in workerd", () => {
  it("answers longest-prefix lookups for IPv4 and IPv6", () => {
    const t = createWasmLpm(hotpathModule());
    expect(t.impl).toBe("wasm");
    const routes: [string, number][] = [
      ["0.0.0.0/0", 1], ["100.64.0.0/10", 2], ["100.64.1.0/24", 3], ["100.64.1.7/32", 4],
      ["fd7a:115c:a1e0::/48", 5], ["fd7a:115c:a1e0:1::/64", 6], ["fd7a:115c:a1e0:1::7/128", 7],
    ];
    for (const [c, v] of routes) {
      const p = parseCidr(c);
      t.insert(p.addr, p.len, v);
    }
    const q = (s: string) => t.lookup(parseIp(s));
    expect(q("100.64.1.7")).toBe(4);
    expect(q("100.64.1.8")).toBe(3);
    expect(q("100.65.0.1")).toBe(2);
    expect(q("8.8.8.8")).toBe(1);
    expect(q("fd7a:115c:a1e0:1::7")).toBe(7);
    expect(q("fd7a:115c:a1e0:1::8")).toBe(6);
    expect(q("fd7a:115c:a1e0:2::1")).toBe(5);
    expect(q("2001:db8::1")).toBe(NO_ROUTE);
    expect(t.delete(parseIp("100.64.1.7"), 32)).toBe(true);
    expect(q("100.64.1.7")).toBe(3);
    expect(() => t.insert(parseIp("10.0.0.0"), 33, 1)).toThrow(LpmError);
  });

  it("batch lookups over the key window agree with the TS twin on thousands of prefixes", () => {
    const w = createWasmLpm(hotpathModule());
    const s = createTsLpm();
    let x = 12345;
    const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
    for (let i = 0; i < 5000; i++) {
      const a = Uint8Array.of(100, 64 + (next() & 3), next() & 255, next() & 255);
      const len = 16 + (next() % 17);
      w.insert(a, len, i);
      s.insert(a, len, i);
    }
    const n = 2048;
    const kw = w.keys4(n);
    const ks = s.keys4(n);
    for (let i = 0; i < n; i++) kw[i] = ks[i] = i & 1 ? next() : (0x64400000 | (next() & 0x3ffff)) >>> 0;
    const rw = Array.from(w.lookupBatch4(n));
    const rs = Array.from(s.lookupBatch4(n));
    expect(rw).toEqual(rs);
    expect(rw.filter((v) => v !== NO_ROUTE).length).toBeGreaterThan(50);
    expect(w.memoryBytes()).toBeLessThan(8 << 20);
  });
});
