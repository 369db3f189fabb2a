// Test helpers for the LPM suites: a naive reference table (a linear scan over a prefix list, written
// independently of the implementation) and arbitraries that produce nested, colliding prefixes.
import fc from "fast-check";
import { createTsLpm, createWasmLpm, NO_ROUTE, type LpmTable } from "../../src/hotpath/lpm.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";

export const impls: [string, () => LpmTable][] = [
  ["ts", () => createTsLpm()],
  ["wasm", () => createWasmLpm(hotpathModule())],
];

/** True when the first len bits of a and b are equal. */
function samePrefix(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const x = (a[i >> 3]! >> (7 - (i & 7))) & 1;
    const y = (b[i >> 3]! >> (7 - (i & 7))) & 1;
    if (x !== y) return false;
  }
  return true;
}

export class NaiveLpm {
  private byKey = new Map<string, { addr: Uint8Array; len: number; value: number }>();
  /** Identity of a prefix: family, length and the first len bits. */
  private key(addr: Uint8Array, len: number): string {
    let bits = "";
    for (let i = 0; i < len; i++) bits += (addr[i >> 3]! >> (7 - (i & 7))) & 1;
    return `${addr.length}/${len}/${bits}`;
  }
  get entries(): { addr: Uint8Array; len: number; value: number }[] {
    return [...this.byKey.values()];
  }
  insert(addr: Uint8Array, len: number, value: number): void {
    const k = this.key(addr, len);
    const e = this.byKey.get(k);
    if (e) e.value = value;
    else this.byKey.set(k, { addr: addr.slice(), len, value });
  }
  delete(addr: Uint8Array, len: number): boolean {
    return this.byKey.delete(this.key(addr, len));
  }
  lookup(addr: Uint8Array): number {
    let best = -1;
    let value = NO_ROUTE;
    for (const e of this.byKey.values()) {
      if (e.addr.length === addr.length && e.len > best && samePrefix(e.addr, addr, e.len)) {
        best = e.len;
        value = e.value;
      }
    }
    return value;
  }
  get size(): number {
    return this.byKey.size;
  }
}

/** Bytes biased to a few values so that random prefixes nest and collide. */
const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 10, 255, 0x80) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
export const addr4Arb = fc.array(byteArb, { minLength: 4, maxLength: 4 }).map((a) => Uint8Array.from(a));
export const addr6Arb = fc.array(byteArb, { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));
export const addrArb = fc.oneof(addr4Arb, addr6Arb);
export const len4Arb = fc.oneof(fc.constantFrom(0, 1, 8, 15, 16, 17, 22, 23, 24, 28, 29, 31, 32), fc.integer({ min: 0, max: 32 }));
export const len6Arb = fc.oneof(fc.constantFrom(0, 1, 16, 17, 32, 48, 56, 63, 64, 65, 100, 123, 124, 125, 127, 128), fc.integer({ min: 0, max: 128 }));
export const prefixArb = fc.oneof(
  fc.record({ addr: addr4Arb, len: len4Arb }),
  fc.record({ addr: addr6Arb, len: len6Arb }),
);
export const valueArb = fc.oneof(fc.constantFrom(0, 1, 2, NO_ROUTE - 1), fc.integer({ min: 0, max: NO_ROUTE - 1 }));

export type Op =
  | { kind: "insert"; addr: Uint8Array; len: number; value: number }
  | { kind: "delete"; addr: Uint8Array; len: number }
  | { kind: "lookup"; addr: Uint8Array };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ p: prefixArb, value: valueArb }).map(({ p, value }) => ({ kind: "insert" as const, ...p, value })) },
  { weight: 2, arbitrary: prefixArb.map((p) => ({ kind: "delete" as const, ...p })) },
  { weight: 3, arbitrary: addrArb.map((addr) => ({ kind: "lookup" as const, addr })) },
);

/** Addresses worth probing for a prefix set: each prefix's first and last address and its neighbours. */
export function probes(ref: NaiveLpm): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(4), new Uint8Array(16), new Uint8Array(4).fill(255), new Uint8Array(16).fill(255)];
  for (const e of ref.entries) {
    const first = e.addr.slice();
    const last = e.addr.slice();
    for (let i = e.len; i < last.length * 8; i++) last[i >> 3] = last[i >> 3]! | (1 << (7 - (i & 7)));
    out.push(first, last);
    const before = first.slice();
    for (let i = before.length - 1; i >= 0 && before[i]-- === 0; i--) before[i] = 255;
    const after = last.slice();
    for (let i = after.length - 1; i >= 0 && after[i]++ === 255; i--) after[i] = 0;
    out.push(before, after);
    // keys that leave the prefix at one of its last 8 bits (they test skip-node and stride boundaries)
    for (let i = Math.max(0, e.len - 8); i < e.len; i++) {
      const flip = first.slice();
      flip[i >> 3] = flip[i >> 3]! ^ (1 << (7 - (i & 7)));
      out.push(flip);
    }
  }
  return out;
}

/** Deterministic xorshift32 for large fixed-seed workloads. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
