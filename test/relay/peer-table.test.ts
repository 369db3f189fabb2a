// PeerTable (raw-ID hot-path index) against a Map reference under random add/delete/get sequences,
// including IDs that share all but one byte.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PeerTable } from "../../src/relay/peer-table.ts";
import type { PeerEntry } from "../../src/relay/peer-table.ts";

interface E extends PeerEntry {
  tag: number;
}

const arbId = fc.oneof(
  fc.uint8Array({ minLength: 36, maxLength: 36 }),
  // near-duplicates: one byte of a fixed ID changed
  fc.tuple(fc.integer({ min: 0, max: 35 }), fc.integer({ min: 0, max: 3 })).map(([i, v]) => {
    const b = new Uint8Array(36).fill(0x55);
    b[i] = v;
    return b;
  }),
);

describe("PeerTable", () => {
  it("agrees with a Map keyed by the ID bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("add", "del", "get"), arbId, fc.nat(1000)), { maxLength: 300 }), (ops) => {
        const t = new PeerTable<E>();
        const ref = new Map<string, E>();
        const key = (b: Uint8Array) => Array.from(b).join(",");
        for (const [op, id, off] of ops) {
          const k = key(id);
          if (op === "add" && !ref.has(k)) {
            const e: E = { id, tag: off, idWords: undefined, nextInBucket: undefined };
            t.add(e);
            ref.set(k, e);
          } else if (op === "del" && ref.has(k)) {
            expect(t.delete(ref.get(k)!)).toBe(true);
            expect(t.delete(ref.get(k)!)).toBe(false);
            ref.delete(k);
          }
          const pad = off % 7;
          const framed = new Uint8Array(pad + 36 + 3);
          framed.set(id, pad);
          expect(t.get(framed, pad)).toBe(ref.get(k));
          expect(t.size).toBe(ref.size);
        }
        for (const e of ref.values()) expect(t.get(e.id, 0)).toBe(e);
      }),
      { numRuns: 300 },
    );
  });
});
