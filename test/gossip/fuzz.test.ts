// Malformed, truncated, mutated and oversized input: the decoder either returns a message or throws a
// GossipDecodeError, never anything else; valid messages round-trip.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, decodeBatch, encodeToString, GossipDecodeError, MESSAGE_NAMES, referenceSchema } from "../../src/gossip/index.ts";
import { messageArb } from "./arbitraries.ts";

function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GossipDecodeError)) throw e;
    expect(e.code.startsWith("gossip.decode.")).toBe(true);
  }
}

/** A JSON value anywhere inside a JSON document, replaced by another. */
function mutate(doc: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || doc === null || typeof doc !== "object") return replacement;
  const keys = Object.keys(doc);
  if (keys.length === 0) return replacement;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(doc) ? ([...doc] as unknown as Record<string, unknown>) : { ...doc };
  copy[k] = mutate((doc as Record<string, unknown>)[k], path.slice(1), replacement);
  return copy;
}

describe("decoder robustness", () => {
  it("random strings and bytes", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => onlyTypedErrors(() => decode(s))), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyTypedErrors(() => decode(b))), { numRuns: 500 });
    fc.assert(fc.property(fc.json(), (j) => onlyTypedErrors(() => decodeBatch(j))), { numRuns: 300 });
  });

  it("every truncation of a valid envelope is a malformed_json error", () => {
    fc.assert(
      fc.property(messageArb(), fc.nat(), (m, cut) => {
        const s = encodeToString(m);
        const n = cut % s.length;
        try {
          decode(s.slice(0, n));
          throw new Error("decoded a truncated envelope");
        } catch (e) {
          expect(e).toBeInstanceOf(GossipDecodeError);
          expect((e as GossipDecodeError).reason).toBe("malformed_json");
        }
      }),
      { numRuns: 300 },
    );
  });

  it("values replaced anywhere by arbitrary JSON give a message or a typed error", () => {
    fc.assert(
      fc.property(messageArb(), fc.array(fc.nat(), { maxLength: 4 }), fc.jsonValue(), (m, path, repl) => {
        const doc = mutate(JSON.parse(encodeToString(m)), path, repl);
        const text = JSON.stringify(doc);
        onlyTypedErrors(() => decode(text));
        onlyTypedErrors(() => decode(new TextEncoder().encode(text)));
      }),
      { numRuns: 600 },
    );
  });

  it("oversized input is refused as too_large", () => {
    const big = new Uint8Array((1 << 20) + 1).fill(32);
    expect(() => decode(big)).toThrow(expect.objectContaining({ reason: "too_large" }));
  });

  it("valid messages round-trip: decode(encode(m)) is m stamped with our V, and re-encodes identically", () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        const s = encodeToString(m);
        const d = decode(s);
        expect(d.type).toBe(m.type);
        expect(d.payload.v).toBe(referenceSchema().v[MESSAGE_NAMES[m.type]]);
        expect(d.schema).toBe("current");
        expect(d.mismatches).toEqual([]);
        expect(encodeToString(d)).toBe(s);
        expect(d.raw).toBe(s.slice(s.indexOf('"payload":') + 10, -1));
      }),
      { numRuns: 500 },
    );
  });
});
