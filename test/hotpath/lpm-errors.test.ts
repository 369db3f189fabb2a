// Malformed input to both LPM implementations: wrong address types and lengths, prefix lengths and
// values out of range, bad batch sizes. Each is a typed LpmError and the table is left unchanged.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LpmError, NO_ROUTE } from "../../src/hotpath/lpm.ts";
import { addrArb, impls, NaiveLpm, prefixArb, probes, valueArb } from "./lpm-reference.ts";

const codes: Record<string, string> = {
  addr: "lpm_bad_address",
  len: "lpm_bad_prefix_len",
  value: "lpm_bad_value",
  batch: "lpm_bad_batch",
};

for (const [name, make] of impls) {
  describe(`LpmTable (${name}) on malformed input`, () => {
    it("property: malformed input is a typed LpmError and leaves the table unchanged", () => {
      const junk = fc.oneof(
        fc.constantFrom<unknown>(-1, 1.5, NaN, Infinity, 33, 129, 2 ** 32, NO_ROUTE, "8", null, undefined, 2 ** 53),
        fc.integer(),
      );
      const badAddr = fc.oneof(
        fc.uint8Array({ maxLength: 20 }).filter((a) => a.length !== 4 && a.length !== 16),
        fc.constantFrom<unknown>([10, 0, 0, 1], "10.0.0.1", null, new Uint16Array(4), new Uint32Array(4)),
      );
      fc.assert(
        fc.property(
          fc.array(fc.record({ p: prefixArb, value: valueArb }), { maxLength: 12 }),
          fc.oneof(
            fc.record({ kind: fc.constant("addr" as const), addr: badAddr, len: fc.integer({ min: 0, max: 32 }) }),
            fc.record({ kind: fc.constant("len" as const), addr: addrArb, len: junk }),
            fc.record({ kind: fc.constant("value" as const), addr: addrArb, len: fc.constant(0), value: junk }),
            fc.record({ kind: fc.constant("batch" as const), n: junk }),
          ),
          (good, bad) => {
            const t = make();
            const ref = new NaiveLpm();
            for (const { p, value } of good) {
              t.insert(p.addr, p.len, value);
              ref.insert(p.addr, p.len, value);
            }
            const calls: (() => unknown)[] = [];
            const b = bad as { kind: string; addr?: unknown; len?: unknown; value?: unknown; n?: unknown };
            if (b.kind === "batch") {
              const n = b.n as number;
              if (Number.isInteger(n) && n >= 0 && n <= 1 << 20) return; // a valid size
              calls.push(() => t.keys4(n), () => t.keys6(n), () => t.lookupBatch4(n), () => t.lookupBatch6(n));
            } else {
              const addr = b.addr as Uint8Array;
              const len = b.len as number;
              const v6 = addr instanceof Uint8Array && addr.length === 16;
              const lenOk = Number.isInteger(len) && len >= 0 && len <= (v6 ? 128 : 32);
              const value = b.kind === "value" ? (b.value as number) : 1;
              const valueOk = Number.isInteger(value) && value >= 0 && value < NO_ROUTE;
              if (b.kind === "len" && lenOk) return;
              if (b.kind === "value" && valueOk) return;
              calls.push(() => t.insert(addr, len, value));
              if (b.kind !== "value") calls.push(() => t.delete(addr, len));
              if (b.kind === "addr") calls.push(() => t.lookup(addr));
            }
            for (const call of calls) {
              let err: unknown;
              try {
                call();
              } catch (e) {
                err = e;
              }
              expect(err).toBeInstanceOf(LpmError);
              expect((err as LpmError).code).toBe(codes[b.kind]);
            }
            expect(t.size).toBe(ref.size);
            for (const a of probes(ref)) expect(t.lookup(a)).toBe(ref.lookup(a));
          },
        ),
        { numRuns: 200 },
      );
    }, 30_000); // CPU-bound property: ~3 s here, over vitest's 5 s default on a loaded machine
  });
}
