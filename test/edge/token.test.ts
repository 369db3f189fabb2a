// Cursor tokens (docs/protocols/store-api.md §3): one shard keeps the unsharded integer cursor; N shards
// carry one position each; another layout's token is a reset, anything else a typed 400.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covers, CursorTokenError, formatToken, parseToken, tokenText } from "../../src/edge/index.ts";

describe("cursor tokens", () => {
  it("one shard: the integer cursor itself (JSON number), as the unsharded store handed out", () => {
    expect(formatToken([42])).toBe(42);
    expect(tokenText([42])).toBe("42");
    expect(parseToken("42", 1)).toEqual([42]);
    expect(parseToken("0", 1)).toEqual([0]);
  });

  it("N shards: N.p0.p1..., round trip for every N and position", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 999_999_999_999_999 }), { minLength: 2, maxLength: 64 }), (pos) => {
        const t = formatToken(pos);
        expect(typeof t).toBe("string");
        expect(t).toMatch(/^[0-9.]+$/); // nothing to escape in a URL
        expect(parseToken(String(t), pos.length)).toEqual(pos);
      }),
    );
    expect(formatToken([3, 0, 7, 1])).toBe("4.3.0.7.1");
  });

  it("a well-formed token of another layout is 'other' (the store answers a reset)", () => {
    expect(parseToken("4.1.2.3.4", 8)).toBe("other");
    expect(parseToken("4.1.2.3.4", 1)).toBe("other");
    expect(parseToken("17", 4)).toBe("other");
  });

  it("anything else is a CursorTokenError with code bad_cursor, never another exception", () => {
    for (const bad of ["", "-1", "abc", "4.1.2.3", "4.1.2.3.4.5", "1.5", "4..1.2.3", "4.1.2.3.x", "1e3", "0.1.2", "1025" + ".0".repeat(1025), " 4", "9999999999999999"]) {
      expect(() => parseToken(bad, 4), bad).toThrow(CursorTokenError);
      try {
        parseToken(bad, 4);
      } catch (e) {
        expect((e as CursorTokenError).code).toBe("bad_cursor");
      }
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (s, n) => {
        try {
          const r = parseToken(s, n);
          expect(r === "other" || (Array.isArray(r) && r.length === n)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(CursorTokenError);
        }
      }),
    );
  });

  it("covers: same layout and every position at least the other's", () => {
    expect(covers([3, 4], [3, 4])).toBe(true);
    expect(covers([3, 5], [3, 4])).toBe(true);
    expect(covers([3, 4], [4, 0])).toBe(false);
    expect(covers([3, 4], [3, 4, 0])).toBe(false);
  });
});
